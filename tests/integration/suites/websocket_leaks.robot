*** Settings ***
Documentation       A test that leaves a WebSocket open whose handler ignores the disconnect,
...                 then one that must start clean. Run with LEAK_CHECK set to fail.
Library             AsyncApiLibrary    timeout=2s    leak_check=${LEAK_CHECK}
Suite Setup         Open App    tests.acceptance.apps.sockets:app    mode=${MODE}


*** Variables ***
${LEAK_CHECK}       fail
${MODE}             in-process


*** Test Cases ***
Leaves A Deaf Handler Behind
    Open WebSocket    /deaf    name=deaf
    Expect Message    ready

Starts Clean
    Open WebSocket    /echo    name=echo
    Send Text Message    hello
    Expect Message    hello
    Disconnect WebSocket
    Expect Cleanup
