*** Settings ***
Documentation       An app module that blocks while it is imported holds up neither the
...                 library's loop nor Robot: the test timeout and Ctrl-C end the wait at once,
...                 later keywords run, and robot exits although the import never finishes.
Library             AsyncApiLibrary    timeout=10s    leak_check=fail
Suite Teardown      Close All Clients


*** Variables ***
${MODE}     in-process
${BLOCKING}     tests.acceptance.apps.blocks_at_import:app


*** Test Cases ***
An Import Cut By The Test Timeout
    [Timeout]    300ms
    Open App    ${BLOCKING}    mode=${MODE}

The Loop Serves Other Apps While That Import Blocks
    Open App    tests.acceptance.apps.stream_shapes:app    mode=${MODE}
    Start Stream    GET    /exact
    Expect Event    start
    Close Client
    # Let go, the cut import goes on, and forgets an await: no test of this run did that.
    Evaluate    __import__("tests.acceptance.apps.gates", fromlist=["IMPORT_GATE"]).IMPORT_GATE.set()
    Wait Until Keyword Succeeds    10s    10ms    The Cut Import Has Finished

An Import Interrupted By Ctrl-C
    [Documentation]    Run alone; the test that runs it sends SIGINT once the import began.
    [Tags]    ctrl-c
    Open App    ${BLOCKING}    mode=${MODE}


*** Keywords ***
The Cut Import Has Finished
    [Documentation]    The module's last line ran: its app exists.
    ${module} =    Evaluate    sys.modules.get("tests.acceptance.apps.blocks_at_import")    modules=sys
    Should Be True    hasattr($module, "app")
