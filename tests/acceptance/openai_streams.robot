# robocop: off=LEN08
*** Settings ***
Documentation       OpenAI-compatible streams as first-class citizens: the error convention
...                 beside the done one, the done event itself, the streamed text rather than
...                 the wire, requests in the shape gateways receive, and latency figures.
Library             AsyncApiLibrary    timeout=2s    done=openai    error=openai    leak_check=fail
Suite Setup         Start Upstream And Open It
Suite Teardown      Stop Upstream And Close It
Test Setup          Reset Fake    openai
Test Teardown       Disconnect All Streams
Test Tags           openai


*** Variables ***
&{STREAMED}     model=fake    stream=${True}    messages=${{[{"role": "user", "content": "Hi"}]}}


*** Test Cases ***
The Streamed Text Is The Deltas Joined
    Fake Streams Tokens    Hel    lo    !
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Streamed Text Should Be    Hello!
    Streamed Text Should Contain    ell
    Streamed Text Should Match    ^H.+!$

The Done Event Itself Comes With The Items Before It
    Fake Streams Tokens    a    b
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    ${items} =    Expect Done Event
    Length Should Be    ${items}    2
    Should Be Equal    ${items.done.data}    [DONE]

An Error Chunk Is The Error Event Under The OpenAI Convention
    Fake Fails With Status    503    after_tokens=1
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    ${error} =    Expect Error Event
    Should Be Equal As Integers    ${error.json}[error][code]    503

Messages Quote The Error Convention In Force
    Fake Streams Tokens    a
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Run Keyword And Expect Error
    ...    GLOB:Expected an error event (openai (a chunk {"error": ...})) on stream 'stream*', but it finished normally with event 1 'message': '[[]DONE]' after 1 items.
    ...    Expect Error Event

A Done Event Under The Wrong Error Convention Is Told Apart
    Fake Fails With Status    503    after_tokens=1
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}    error=event:error
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event (data:[[]DONE]), but: Stream * ended after 2 items*
    ...    Expect Done Event

A Chat Is Sent As A Gateway Receives It
    Fake Streams Tokens    Hi    there
    Start Chat Stream    path=/v1/chat/completions    model=fake    stream=true
    ...    messages=[{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hello"}]
    Streamed Text Should Be    Hithere
    Fake Should Have Received    prompt=Hello    model=fake    stream=${True}

Latency Figures Of A Stream
    Fake Streams Tokens    a    b    c
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    ${figures} =    Get Stream Metrics
    Should Be Equal As Integers    ${figures.output_items}    3
    Should Be True    0 < ${figures.time_to_first_token_ms} <= ${figures.operation_duration_ms}
    Time To First Token Should Be Below    2s
    Inter Token Latency P95 Should Be Below    2s

The Pace Of A Stream Has A Bound Too
    Fake Streams Tokens    a    b    c
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    ${rate} =    Items Per Second Should Be Above    0.001
    Should Be True    ${rate} > 0
    Run Keyword And Expect Error
    ...    GLOB:Expected more than 1e+12 content items per second on stream 'stream*', got * (Stream 'stream*': 3 items with content*
    ...    Items Per Second Should Be Above    1e12

A Pace That Cannot Be Measured Says Why
    Fake Streams Tokens    a
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Run Keyword And Expect Error
    ...    GLOB:Expected more than 1 content items per second after the first on stream 'stream*', it carried too few content items to measure (Stream *
    ...    Items Per Second Should Be Above    1    after_first=${True}

A Bound On Time To First Token That Is Not Met
    Fake Streams Tokens    a
    Fake Waits For Release
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Run Keyword And Expect Error    GLOB:No item arrived on stream * within 0.1 s*
    ...    Read Next Event    timeout=100ms
    Release Next Token
    Run Keyword And Expect Error
    ...    GLOB:Expected a time to first token below 1 ms on stream 'stream*', got * ms (Stream 'stream*': 1 item with content*
    ...    Time To First Token Should Be Below    1ms

Figures Of Concurrent Streams
    Fake Streams Tokens    x    y
    ${streams} =    Start Streams Concurrently    POST    /v1/chat/completions    count=5    json=${STREAMED}
    Length Should Be    ${streams}    5
    ${figures} =    Get Metrics Of Streams    ${streams}
    Should Be Equal As Integers    ${figures.streams}    5
    Should Be True    ${figures.ttft_p50_ms} <= ${figures.ttft_p95_ms} <= ${figures.ttft_max_ms}
    Fake Should Have Been Called Times    5

Bounds On The Figures Of Concurrent Streams
    [Documentation]    The streams are read once: each check after the first takes what it read.
    Fake Streams Tokens    x    y
    ${streams} =    Start Streams Concurrently    POST    /v1/chat/completions    count=5    json=${STREAMED}
    ${p95} =    Time To First Token P95 Of Streams Should Be Below    ${streams}    10s
    Should Be True    ${p95} > 0
    Inter Token Latency P95 Of Streams Should Be Below    ${streams}    10s
    Run Keyword And Expect Error
    ...    GLOB:Expected the 95th percentile time to first token of 5 streams below 0.001 ms, got * ms (5 streams: time to first token p50 *
    ...    Time To First Token P95 Of Streams Should Be Below    ${streams}    0.001ms

A Stream Named Twice Is Refused
    Fake Streams Tokens    x
    ${streams} =    Start Streams Concurrently    POST    /v1/chat/completions    count=1    json=${STREAMED}
    Run Keyword And Expect Error
    ...    EQUALS:Stream '${streams}[0]' is named twice; each stream is read once.
    ...    Get Metrics Of Streams    ${{ [$streams[0], $streams[0]] }}

Concurrent Requests Are Each Checked
    Fake Replies With    ok
    @{replies} =    Send Requests Concurrently    POST    /v1/chat/completions    count=4
    ...    json={"model": "fake", "messages": [{"role": "user", "content": "Hi"}]}
    Every Response Should Have Status    ${replies}    200
    Fake Fails With Status    500
    @{replies} =    Send Requests Concurrently    POST    /v1/chat/completions    count=2
    ...    json={"model": "fake", "messages": [{"role": "user", "content": "Hi"}]}
    Run Keyword And Expect Error
    ...    EQUALS:Expected status 200 from all 2 responses, but 2 differ: #0 500 Internal Server Error; #1 500 Internal Server Error.
    ...    Every Response Should Have Status    ${replies}    200


*** Keywords ***
Start Upstream And Open It
    [Documentation]    The fake upstream, and a client that reaches it by URL.
    ${url} =    Start Fake OpenAI Server
    Open Url    ${url}    alias=upstream

Stop Upstream And Close It
    [Documentation]    Client first, then the server.
    Close All Clients
    Stop Fake OpenAI Server
