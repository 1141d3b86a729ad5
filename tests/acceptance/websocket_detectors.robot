# robocop: off=LEN08
*** Settings ***
Documentation       The detectors watch WebSocket handlers as they watch HTTP ones: a handler
...                 that blocks the event loop is named with its line, and a task a handler
...                 starts and forgets is found when its cleanup is checked. ``MODE`` is
...                 in-process (the default) or server: both need the app in this process.
Library             AsyncApiLibrary    timeout=5s
Test Setup          Open App    tests.acceptance.apps.sockets:app    mode=${MODE}
Test Teardown       Close All Clients
Test Tags           websockets    detectors


*** Variables ***
${MODE}     in-process


*** Test Cases ***
A Handler That Blocks The Loop Is Named With Its Line
    Open WebSocket    /blocking
    Send Text Message    0.3
    Expect Message    slept
    Run Keyword And Expect Error
    ...    GLOB:Expected the event loop never to be blocked longer than 100 ms in this test, but it was blocked for * ms at tests/acceptance/apps/sockets.py:* in blocking: time.sleep(seconds)*
    ...    Event Loop Should Not Have Been Blocked Longer Than    100ms

A Task A Handler Forgets Is Found By The Cleanup Check
    Open WebSocket    /forgets-task    name=f
    Send Text Message    go
    Expect Message    started
    Disconnect WebSocket
    Run Keyword And Expect Error
    ...    GLOB:The server finished 'f' (WebSocket /forgets-task) but left work running after it, still running at the 0.3 s deadline: *_poll_forever*
    ...    Expect Cleanup    timeout=300ms

A Handler That Failed Has Not Cleaned Up
    Open WebSocket    /drops    name=d
    Expect WebSocket Closed    code=1006
    Run Keyword And Expect Error
    ...    EQUALS:The server's handler of 'd' (WebSocket /drops) raised RuntimeError instead of returning by itself, so its cleanup did not finish as written (the app's log has the error).
    ...    Expect Cleanup
