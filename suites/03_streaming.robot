*** Settings ***
Documentation       A streamed reply is a contract read chunk by chunk: a start event, the tokens
...                 in order, then exactly one done event; or, when the model fails half way,
...                 the tokens so far and one error event that says what failed. Nothing follows
...                 done or error. A final body alone would hide every one of these, so each
...                 test reads the whole sequence, every event's data, and the end.

Resource            resources/gateway.resource

Suite Setup         Open Gateway
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           stream


*** Test Cases ***
Stream Delivers Start, Each Token, Then Done And Nothing More
    [Tags]    happy-path
    Given A Fake Model Streaming    Hel    lo    !
    When Start Chat Stream    hi
    Then The Stream Should Relay Exactly    Hel    lo    !
    And The Gateway Should Have Cleaned Up
    And Fake Should Have Been Awaited Once

The Model Is Asked For The Caller's Prompt And Token Limit
    [Tags]    happy-path
    Given A Fake Model Streaming    Hel    lo
    When Start Chat Stream    What is the answer?    max_tokens=${5}
    Then The Stream Should Relay Exactly    Hel    lo    max_tokens=5
    And Fake Should Have Received    prompt=What is the answer?    max_tokens=5

A Model That Ignores Max Tokens Is Cut Off At The Limit
    [Tags]    unhappy-path
    Given A Fake Model Streaming    a    b    c    d    e
    When Start Chat Stream    hi    max_tokens=${3}
    Then The Stream Should Relay Exactly    a    b    c    max_tokens=3
    And Fake Should Be Closed
    And The Gateway Should Have Cleaned Up

Stream Is Read Incrementally As The Model Produces Tokens
    [Tags]    happy-path
    [Setup]    Open Gateway    ${PATIENT_APP}    alias=patient
    Given A Paced Fake Model    one    two
    When Start Chat Stream    hi
    Then Expect Event    start
    And Stream Should Be Open
    When Release Next Token
    Then Expect Event    token    data={"index": 1, "text": "one"}
    When Release Next Token
    Then Expect Event    token    data={"index": 2, "text": "two"}
    And Expect Done Event
    [Teardown]    Close Client    patient

A Read That Times Out Leaves The Stream Usable
    [Tags]    unhappy-path    timeout
    [Setup]    Open Gateway    ${PATIENT_APP}    alias=patient
    Given A Paced Fake Model    one
    Start Chat Stream    hi
    Expect Event    start
    Run Keyword And Expect Error    No item arrived on stream * within 0.1 s; the stream is still open*
    ...    Read Next Event    timeout=100ms
    Release Next Token
    Expect Event    token
    [Teardown]    Close Client    patient

A First Token That Never Comes Ends The Stream With A Timeout Error
    [Tags]    unhappy-path    timeout    cancellation
    Given A Fake Model
    And Fake Hangs Until Cancelled
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_timeout    ${TIMED_OUT}
    And Fake Should Have Been Cancelled
    And The Gateway Should Have Cleaned Up

A Stall Mid-Stream Ends With A Timeout Error After The Tokens So Far
    [Tags]    unhappy-path    timeout    cancellation
    Given A Fake Model Streaming    a    b
    And Fake Hangs Until Cancelled    after_tokens=1
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_timeout    ${TIMED_OUT}    a
    And Fake Should Have Been Cancelled
    And Fake Should Be Closed
    And The Gateway Should Have Cleaned Up

Model Timing Out Mid-Stream Ends With A Timeout Error
    [Tags]    unhappy-path    timeout
    Given A Fake Model Streaming    a    b    c
    And Fake Times Out    after_tokens=2
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_timeout    ${TIMED_OUT}    a    b
    And Fake Should Have Been Called Times    1
    And The Gateway Should Have Cleaned Up

Model Rate Limited Mid-Stream Ends With A Rate Limit Error
    [Tags]    unhappy-path    rate-limit
    Given A Fake Model Streaming    a    b
    And Fake Fails With Status    429    retry_after=3    after_tokens=1
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_rate_limited    ${RATE_LIMITED}    a
    And Fake Should Have Been Called Times    1
    And The Gateway Should Have Cleaned Up

Model Failing With 400 Mid-Stream Ends With An Upstream Error
    [Tags]    unhappy-path
    [Template]    Model Failing Mid-Stream Ends With An Upstream Error
    400

Model Failing With 401 Mid-Stream Ends With An Upstream Error
    [Tags]    unhappy-path
    [Template]    Model Failing Mid-Stream Ends With An Upstream Error
    401

Model Failing With 404 Mid-Stream Ends With An Upstream Error
    [Tags]    unhappy-path
    [Template]    Model Failing Mid-Stream Ends With An Upstream Error
    404

Model Failing With 500 Mid-Stream Ends With An Upstream Error
    [Tags]    unhappy-path
    [Template]    Model Failing Mid-Stream Ends With An Upstream Error
    500

Model Failing With 503 Mid-Stream Ends With An Upstream Error
    [Tags]    unhappy-path
    [Template]    Model Failing Mid-Stream Ends With An Upstream Error
    503

Model Failing Before Its First Token Ends With An Upstream Error
    [Tags]    unhappy-path
    Given A Fake Model
    And Fake Fails With Status    500
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_error    The model failed with status 500.
    And The Gateway Should Have Cleaned Up

Model Hanging Up Mid-Stream Ends With An Unavailable Error
    [Tags]    unhappy-path
    Given A Fake Model Streaming    a    b    c
    And Fake Hangs Up    after_tokens=1
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_unavailable    ${HUNG_UP}    a
    And Fake Should Have Been Called Times    1
    And The Gateway Should Have Cleaned Up

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

A Server-Sent Event Stream Is Not Cached
    [Tags]    happy-path    headers
    Given A Fake Model Streaming    a
    When Start Chat Stream    hi
    Then Status Should Be    200
    And Header Should Be    Content-Type    text/event-stream; charset=utf-8
    And Header Should Be    Cache-Control    no-cache

The Same Reply As JSON Lines Ends With A Done Line And Nothing More
    [Documentation]    ``/chat/ndjson`` streams one JSON object a line; each line's ``type``
    ...    field names it, so the event keywords work on lines too.
    [Tags]    happy-path    ndjson
    Given A Fake Model Streaming    Hel    lo
    When Start Chat Stream    hi    path=/chat/ndjson    format=lines
    Then The Stream Should Relay Exactly    Hel    lo
    And The Gateway Should Have Cleaned Up

A JSON Lines Stream Is Not Cached
    [Tags]    happy-path    ndjson    headers
    Given A Fake Model Streaming    a
    When Start Chat Stream    hi    path=/chat/ndjson    format=lines
    Then Status Should Be    200
    And Header Should Be    Content-Type    application/jsonl
    And Header Should Be    Cache-Control    no-cache

A JSON Lines Stream That Times Out Ends With An Error Line
    [Tags]    unhappy-path    ndjson    timeout
    Given A Fake Model Streaming    a    b
    And Fake Times Out    after_tokens=1
    When Start Chat Stream    hi    path=/chat/ndjson    format=lines
    Then The Stream Should End With Error    upstream_timeout    ${TIMED_OUT}    a
    And The Gateway Should Have Cleaned Up

A JSON Lines Stream Whose Model Fails Ends With An Error Line
    [Tags]    unhappy-path    ndjson
    Given A Fake Model Streaming    a    b
    And Fake Fails With Status    503    after_tokens=1
    When Start Chat Stream    hi    path=/chat/ndjson    format=lines
    Then The Stream Should End With Error    upstream_error    The model failed with status 503.    a
    And The Gateway Should Have Cleaned Up

Raw Chunks Arrive As The Model Produces Them
    [Documentation]    ``format=raw`` hands over the bytes as they arrived, without decoding.
    [Tags]    happy-path    raw
    [Setup]    Open Gateway    ${PATIENT_APP}    alias=patient
    Given A Paced Fake Model    one
    Start Chat Stream    hi    format=raw
    ${start}=    Read Next Chunk
    Should Start With    ${start.data}    event: start
    Stream Should Be Open
    Release Next Token
    ${token}=    Read Next Chunk
    Should Contain    ${token.data}    "text": "one"
    [Teardown]    Close Client    patient


*** Keywords ***
Model Failing Mid-Stream Ends With An Upstream Error
    [Documentation]    A model failing with ``status`` after one token: the token, then an
    ...    ``upstream_error`` naming the status, and a clean gateway.
    [Arguments]    ${status}
    Given A Fake Model Streaming    a    b
    And Fake Fails With Status    ${status}    after_tokens=1
    When Start Chat Stream    hi
    Then The Stream Should End With Error    upstream_error    The model failed with status ${status}.    a
    And Fake Should Have Been Called Times    1
    And The Gateway Should Have Cleaned Up
