# robocop: off=LEN08
*** Settings ***
Documentation       The app runs on the library's event loop, so the library sees what no
...                 black-box client can: a loop the app blocks, and the line that blocks it.
Library             AsyncApiLibrary    timeout=5s
Test Teardown       Close All Clients
Test Tags           detectors


*** Test Cases ***
A Sleep In An Async Endpoint Is Named, In Process
    [Template]    The Blocking Line Is Named
    in-process

A Sleep In An Async Endpoint Is Named, Over A Socket
    [Template]    The Blocking Line Is Named
    server

A Loop That Was Never Blocked Passes
    Open App    tests.acceptance.apps.loop_blockers:app
    Send Request    GET    /health
    ${longest} =    Event Loop Should Not Have Been Blocked Longer Than    500ms
    Should Be True    ${longest} < 500

Nothing Watched Yet
    Run Keyword And Expect Error
    ...    EQUALS:The event loop is watched while an app runs on it; open one with 'Open App' first (a service reached by URL runs in a process of its own).
    ...    Event Loop Should Not Have Been Blocked Longer Than    50ms


*** Keywords ***
The Blocking Line Is Named
    [Documentation]    The app sleeps 0.3 s in an async endpoint; the bound is 100 ms.
    [Arguments]    ${mode}
    Open App    tests.acceptance.apps.loop_blockers:app    mode=${mode}
    Send Request    GET    /block    params={"s": "0.3"}
    Run Keyword And Expect Error
    ...    GLOB:Expected the event loop never to be blocked longer than 100 ms in this test, but it was blocked for * ms at tests/acceptance/apps/loop_blockers.py:2? in block: time.sleep(s)*
    ...    Event Loop Should Not Have Been Blocked Longer Than    100ms
