*** Settings ***
Documentation       A deadline is a promise: a keyword fails soon after its deadline even when
...                 the app blocks the event loop, which holds every timer, and the failure
...                 says the loop was blocked instead of passing late.
Library             AsyncApiLibrary    timeout=2s
Test Teardown       Close All Clients
Test Tags           library-errors    deadlines


*** Test Cases ***
A Sleep In An Async Endpoint, In Process
    [Template]    A Request Held By A Blocked Loop Fails
    in-process

A Sleep In An Async Endpoint, Over A Socket
    [Template]    A Request Held By A Blocked Loop Fails
    server

A Stream That Spins After A Disconnect, In Process
    [Template]    The Next Keyword After A Spinning Disconnect Fails On Time
    in-process

A Stream Whose Cleanup Blocks After A Disconnect, Over A Socket
    [Documentation]    Over a socket a generator that never awaits holds the loop before
    ...    the disconnect too (the kernel's socket buffers take megabytes without pushing
    ...    back), so which keyword meets the blocked loop would be chance; a cleanup that
    ...    blocks after the disconnect makes it the next one.
    Open App    tests.acceptance.apps.loop_blockers:app    mode=server
    Start Stream    GET    /blocking-close    params={"s": "1.5"}
    Read Next Event
    Disconnect Client
    Run Keyword And Expect Error
    ...    GLOB:The keyword's 0.2 s deadline passed while the event loop was blocked*does not await*
    ...    Send Request    GET    /health    timeout=200ms


*** Keywords ***
A Request Held By A Blocked Loop Fails
    [Documentation]    The app sleeps 0.6 s in an async endpoint; the deadline is 0.2 s.
    [Arguments]    ${mode}
    Open App    tests.acceptance.apps.loop_blockers:app    mode=${mode}
    Run Keyword And Expect Error
    ...    GLOB:The keyword's 0.2 s deadline passed while the event loop was blocked*does not await*
    ...    Send Request    GET    /block    params={"s": "0.6"}    timeout=200ms
    Send Request    GET    /health
    Status Should Be    200

The Next Keyword After A Spinning Disconnect Fails On Time
    [Documentation]    After the disconnect the app's generator sends up to a million more events
    ...    without awaiting (a second or more of a held loop); the next request has a 0.2 s
    ...    deadline. In process the bounded buffer makes it wait before the disconnect.
    [Arguments]    ${mode}
    Open App    tests.acceptance.apps.loop_blockers:app    mode=${mode}    buffer_size=1
    Start Stream    GET    /spin    params={"n": "1000000"}
    Read Next Event
    Disconnect Client
    Run Keyword And Expect Error
    ...    GLOB:The keyword's 0.2 s deadline passed while the event loop was blocked*does not await*
    ...    Send Request    GET    /health    timeout=200ms
