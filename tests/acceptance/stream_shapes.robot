# robocop: off=LEN08
*** Settings ***
Documentation       A stream is checked as a whole: exactly the expected events and then the
...                 end, nothing after its done event, and an upstream call cancelled soon
...                 after the client leaves, not when the upstream's own deadline comes.
Library             AsyncApiLibrary    timeout=2s
Test Setup          Open App    tests.acceptance.apps.stream_shapes:app    alias=shapes
Test Teardown       Close All Clients
Test Tags           detectors    stream


*** Test Cases ***
Exactly The Expected Events, Then The End
    Start Stream    GET    /exact    name=s
    Expect Exactly These Events    start    token    done

Fewer Expected Events Than The Stream Sends
    Start Stream    GET    /exact    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected exactly 2 events on stream 's' (start, token), but 1 more arrived after them; the first: event 2 'done': '{}'.
    ...    Expect Exactly These Events    start    token

An Event After The Done Event
    Start Stream    GET    /after-done    name=s
    Expect Done Event
    Run Keyword And Expect Error
    ...    EQUALS:Stream 's' (GET /after-done) sent event 2 'token': 'late' after its done event: nothing may follow the end of a stream.
    ...    Read Next Event

An Upstream Call Cancelled Only At Its Own Deadline
    Install Fake Upstream    tests.acceptance.apps.stream_shapes:get_upstream
    Fake Hangs Until Cancelled
    Start Stream    GET    /shielded    name=s
    Expect Event    start
    Wait Until Fake Is Called
    Disconnect Client
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake's call stream(prompt='hi') to be cancelled within 200 ms of the disconnect of stream 's', but it was not cancelled by then (it is 'hanging').
    ...    Fake Should Have Been Cancelled Within    200ms

A Close Fired And Forgotten Outlives Its Request
    Start Stream    GET    /forgets-its-close    name=s
    Expect Event    start
    Disconnect Client
    Run Keyword And Expect Error
    ...    GLOB:The server finished 's' (GET /forgets-its-close) but left work running after it, still running at the 0.3 s deadline: task _close_later() (started at tests/acceptance/apps/stream_shapes.py:* in events: asyncio.get_running_loop().create_task(_close_later())* by GET /forgets-its-close).
    ...    Expect Cleanup    timeout=300ms

Cancelling Within A Bound Needs A Disconnect
    Install Fake Upstream    tests.acceptance.apps.stream_shapes:get_upstream
    Start Stream    GET    /exact    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Stream 's' has not been disconnected; use 'Disconnect Client' first, so that there is a moment to measure from.
    ...    Fake Should Have Been Cancelled Within    200ms

A Stream That Simply Ends Is Done Under done=end
    Start Stream    GET    /exact    name=s    done=end
    ${items} =    Read Until Done
    Length Should Be    ${items}    3
    Should Be Equal    ${items.done.kind}    end
    Stream Should Have Ended
