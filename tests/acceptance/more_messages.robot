# robocop: off=LEN08
*** Settings ***
Documentation       More failures pinned word for word: reading, timing, polling, fakes and
...                 registries. Each is the one sentence a report reader gets.
Library             AsyncApiLibrary    timeout=2s
Test Setup          Open App    sample_app.main:create_test_app()    alias=gateway    token=test-token
Test Teardown       Close All Clients
Test Tags           library-errors


*** Test Cases ***
No Event Names To Expect
    Start Chat Stream    hi
    Run Keyword And Expect Error    EQUALS:Give at least one expected event name.
    ...    Expect Events In Order

A Raw Stream Read As Events
    Start Chat Stream    hi    format=raw    name=r
    Run Keyword And Expect Error
    ...    EQUALS:Stream 'r' is read as raw chunks; start it with format=sse or format=lines to read events.
    ...    Read Next Event

A Zero Bound For The First Chunk
    Start Chat Stream    hi
    Run Keyword And Expect Error    EQUALS:Bound must be positive, got 0 seconds.
    ...    First Chunk Should Arrive Within    0s

A Json Field That Never Settles
    Run Keyword And Expect Error
    ...    EQUALS:JSON field 'active_streams' of GET /ops/stats did not become 5 within 0.1 s; last value: 0.
    ...    Wait Until Json Field Is    /ops/stats    active_streams    5    timeout=100ms

A Zero Polling Interval
    Run Keyword And Expect Error    EQUALS:Interval must be positive, got 0 seconds.
    ...    Wait Until Json Field Is    /ops/stats    active_streams    0    interval=0s

A Fake Called Another Number Of Times
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    hi
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake to be called 2 times, but it was called once.
    ...    Fake Should Have Been Called Times    2

A Fake Call Left Open
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Hangs Until Cancelled
    Start Chat Stream    hi    name=s
    Expect Event    start
    Run Keyword And Expect Error
    ...    EQUALS:Expected every call on the fake to be closed within 0.1 s, but stream(prompt='hi', max_tokens=16) is still open.
    ...    Fake Should Be Closed    timeout=100ms
    [Teardown]    Run Keywords    Disconnect All Streams    AND    Close All Clients

A Fake Call Without An Expected Argument
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    hi
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake's last call to have argument 'temperature', but it was complete(prompt='hi', max_tokens=16).
    ...    Fake Should Have Received    temperature=0

Arguments Of A Fake Never Called
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake to have been called, but it never was.
    ...    Fake Should Have Received    prompt=hi

A Response Without The Header
    Send Request    GET    /health
    Run Keyword And Expect Error
    ...    EQUALS:Expected header 'Retry-After' to be '7', but the response has no such header.
    ...    Header Should Be    Retry-After    7

A Response Without The Text
    Send Request    GET    /health
    Run Keyword And Expect Error
    ...    EQUALS:Expected the response body to contain 'nope', got {"status":"ok","bug":null}.
    ...    Response Should Contain    nope

The Done Event Misses Its Deadline
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected the done event (event:done) on stream 's' (POST /chat/stream) within 0.1 s, but it had not arrived by then; the stream is still open (last 1 read: event 0 'start': '{"max_tokens": 16}').
    ...    Expect Done Event    timeout=100ms
    [Teardown]    Run Keywords    Disconnect All Streams    AND    Close All Clients

Read Until Done Misses Its Deadline
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Stream 's' did not reach its done event within 0.1 s; 1 item read (last 1 read: event 0 'start': '{"max_tokens": 16}').
    ...    Read Until Done    timeout=100ms
    [Teardown]    Run Keywords    Disconnect All Streams    AND    Close All Clients

Count Until Done Meets An Error Event
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Times Out    after_tokens=1
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected the done event on stream 's', but an error event arrived after 2 items: event 2 'error': '{"kind": "upstream_timeout", "message": "The model did no...'.
    ...    Count Until Done

Disconnecting An Unknown Stream
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error    EQUALS:No stream is named 't'; known streams: s.
    ...    Disconnect Client    stream=t

Closing An Unknown Client
    Run Keyword And Expect Error    EQUALS:No client is open with the alias 'other'; open ones: gateway.
    ...    Close Client    other

A Fake For A Service Reached By URL
    Open Url    http://127.0.0.1:9    alias=remote
    Run Keyword And Expect Error
    ...    EQUALS:Fakes need the app in this process, but client 'remote' reaches it by URL; point the service at the fake OpenAI upstream instead.
    ...    Install Fake Upstream    sample_app.deps:get_llm_client

A Fake For An App That Is Not FastAPI
    Open App    tests.acceptance.apps.stubborn:app    alias=raw
    Run Keyword And Expect Error
    ...    EQUALS:The app of client 'raw' has no 'dependency_overrides'; fakes work with FastAPI apps.
    ...    Install Fake Upstream    sample_app.deps:get_llm_client

A Json Field An Event Does Not Have
    Start Chat Stream    hi
    ${event} =    Expect Event    start
    Run Keyword And Expect Error
    ...    EQUALS:JSON field 'nope' does not exist: no 'nope' at the top level (found an object with keys max_tokens).
    ...    Get Json From Event    ${event}    nope

Concurrent Requests To A Service That Is Not There
    Open Url    http://127.0.0.1:9    alias=remote
    Run Keyword And Expect Error
    ...    EQUALS:2 of 2 requests failed; first: Could not connect to http://127.0.0.1:9 for POST /chat: All connection attempts failed.
    ...    Send Chats Concurrently    ${{ ["a", "b"] }}

A Secret Header Value Too Short To Hide
    Run Keyword And Expect Error
    ...    EQUALS:A Secret header value must have at least 4 characters, so that the log can hide it without hiding ordinary words; this one has 2.
    ...    Set Default Header    X-Api-Key    ${{ __import__("robot.api.types", fromlist=["Secret"]).Secret("ab") }}

A Fake Call That Never Comes
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake to be called once within 0.1 s, but it was called 0 times.
    ...    Wait Until Fake Is Called    timeout=100ms

A Fake Server Name Already Taken
    Start Fake OpenAI Server    name=up
    Run Keyword And Expect Error    EQUALS:A fake named 'up' is already installed; remove it first.
    ...    Start Fake OpenAI Server    name=up
    [Teardown]    Run Keywords    Stop Fake OpenAI Server    up    AND    Close All Clients
