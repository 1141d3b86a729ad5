*** Settings ***
Documentation     A streamed reply is a contract read chunk by chunk: a start event, the tokens
...               in order, then exactly one done event; or, when the model fails half way, an
...               error event that says so. A final body alone would hide every one of these.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Teardown     Remove Fakes And Streams

Test Tags         stream


*** Test Cases ***
Stream Delivers Start, Tokens In Order, Then Done
    [Tags]    happy-path
    Given A Fake Model Streaming    Hel    lo    !
    Start Chat Stream    hi
    Expect Events In Order    start    token    token    token    done
    Stream Should Have Ended

Stream Tokens Carry The Model's Text
    [Tags]    happy-path
    Given A Fake Model Streaming    Hel    lo
    Start Chat Stream    hi
    Expect Event    start
    ${first}=    Expect Event    token
    Should Be Equal    ${first.json}[text]    Hel
    ${rest}=    Expect Done Event
    Length Should Be    ${rest}    1

Stream Is Read Incrementally As The Model Produces Tokens
    [Tags]    happy-path
    Given A Paced Fake Model    one    two
    Start Chat Stream    hi
    Expect Event    start
    Stream Should Be Open
    Release Next Token
    Expect Event    token    data={"index": 1, "text": "one"}
    Release Next Token
    Expect Event    token
    Expect Done Event

A Read That Times Out Leaves The Stream Usable
    [Tags]    unhappy-path    timeout
    Given A Paced Fake Model    one
    Start Chat Stream    hi
    Expect Event    start
    Run Keyword And Expect Error    No item arrived on stream * within 0.1 s; the stream is still open*
    ...    Read Next Event    timeout=100ms
    Release Next Token
    Expect Event    token

Model Timing Out Mid-Stream Ends With An Error Event
    [Tags]    unhappy-path    upstream
    Given A Fake Model Streaming    a    b    c
    Fake Times Out    after_tokens=2
    Start Chat Stream    hi
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[kind]    upstream_timeout
    Should Be Equal As Integers    ${error.json}[after_tokens]    2
    Stream Should Have Ended

Model Rate Limited Mid-Stream Ends With An Error Event
    [Tags]    unhappy-path    upstream
    Given A Fake Model Streaming    a    b
    Fake Fails With Status    429    retry_after=3    after_tokens=1
    Start Chat Stream    hi
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[kind]    upstream_rate_limited

Model Hanging Up Mid-Stream Ends With An Error Event
    [Tags]    unhappy-path    upstream
    Given A Fake Model Streaming    a    b    c
    Fake Hangs Up    after_tokens=1
    Start Chat Stream    hi
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[kind]    upstream_unavailable
    Expect Cleanup

Model Stalling Mid-Stream Is Cut Off By The Gateway's Deadline
    [Tags]    unhappy-path    upstream    cancellation
    Given A Fake Model Streaming    a    b
    Fake Hangs Until Cancelled    after_tokens=1
    Start Chat Stream    hi
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[kind]    upstream_timeout
    Fake Should Have Been Cancelled
    Fake Should Be Closed

A Stream That Fails Is Never Reported As Done
    [Tags]    unhappy-path
    Given A Fake Model Streaming    a    b
    Fake Fails With Status    500    after_tokens=1
    Start Chat Stream    hi
    Run Keyword And Expect Error    Expected the done event on stream *, but an error event arrived after 2 items*
    ...    Expect Done Event

Reading Past The End Of A Stream Fails Clearly
    [Tags]    unhappy-path
    Given A Fake Model Streaming    a
    Start Chat Stream    hi
    Expect Done Event
    Run Keyword And Expect Error    Stream * ended after 3 items; nothing more will arrive*
    ...    Read Next Event

The First Token Arrives Promptly And Without Long Gaps
    [Tags]    happy-path    timing
    Given A Fake Model Streaming    a    b    c
    Start Chat Stream    hi
    First Chunk Should Arrive Within    2s
    Expect Done Event
    Largest Gap Should Be Below    2s

The Same Reply As JSON Lines Ends With A Done Line
    [Documentation]    ``/chat/ndjson`` streams one JSON object a line; each line's ``type``
    ...    field names it, so the event keywords work on lines too.
    [Tags]    happy-path    ndjson
    Given A Fake Model Streaming    Hel    lo
    Start Chat Stream    hi    path=/chat/ndjson    format=lines
    Expect Events In Order    start    token
    ${second}=    Read Next Chunk
    Should Be Equal    ${second.json}[text]    lo
    Expect Done Event

A JSON Lines Stream That Fails Ends With An Error Line
    [Tags]    unhappy-path    ndjson
    Given A Fake Model Streaming    a    b
    Fake Times Out    after_tokens=1
    Start Chat Stream    hi    path=/chat/ndjson    format=lines
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[kind]    upstream_timeout
    Stream Should Have Ended

Raw Chunks Arrive As The Model Produces Them
    [Documentation]    ``format=raw`` hands over the bytes as they arrived, without decoding.
    [Tags]    happy-path    raw
    Given A Paced Fake Model    one
    Start Chat Stream    hi    format=raw
    ${start}=    Read Next Chunk
    Should Start With    ${start.data}    event: start
    Stream Should Be Open
    Release Next Token
    ${token}=    Read Next Chunk
    Should Contain    ${token.data}    "text": "one"
