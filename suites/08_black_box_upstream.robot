*** Settings ***
Documentation       The gateway with its real OpenAI-compatible client, against a fake
...                 OpenAI-compatible upstream that the library serves on loopback and scripts per
...                 test. First as a black box, the way a deployed service is tested: it runs as
...                 its own process, is reached only by URL, and may keep at most two connections
...                 to its upstream, so a connection it fails to give back (after an error, or a
...                 client that left) soon stops it working. Cleanup is checked through what the
...                 upstream saw and through the /ops/stats gauges. Then in this process (``MODE``),
...                 where the connections it leaves open at shutdown can be counted.

Library             OperatingSystem
Library             Process
Resource            resources/gateway.resource

Suite Setup         Start Gateway Process Against A Fake Upstream
Suite Teardown      Stop Gateway Process And Fake Upstream
Test Setup          Reset Fake    upstream
Test Teardown       Disconnect All Streams
Test Tags           black-box    upstream


*** Variables ***
${GATEWAY_TIMEOUT}      0.5
${CONNECTIONS}          2
${UPSTREAM_URL}         ${EMPTY}
# A tool call in two streamed pieces, and a question that offers the tool.
&{START_FN}             name=get_weather    arguments={"city":${SPACE}
&{CALL_START}           index=${0}    id=call_1    type=function    function=${START_FN}
&{REST_FN}              arguments="Paris"}
&{CALL_REST}            index=${0}    function=${REST_FN}
&{WEATHER_FN}           name=get_weather    parameters=${{ {"type": "object"} }}
&{WEATHER}              type=function    function=${WEATHER_FN}
&{TOOL_QUESTION}        stream=${True}    messages=${{[{"role": "user", "content": "Weather?"}]}}
...                     tools=${{[$WEATHER]}}
# What a plain HTTP upstream answers, and what the gateway must have asked of it.
&{ANSWER}               role=assistant    content=Fine.
&{CHOICE}               index=${0}    message=${ANSWER}    finish_reason=stop
&{COMPLETION}           id=c1    object=chat.completion    created=${1}    model=sample
...                     choices=${{[$CHOICE]}}
&{ASKED}                model=sample    max_tokens=${5}    stream=${False}
...                     messages=${{[{"role": "user", "content": "Hi there"}]}}


*** Test Cases ***
Chat Reply Comes From The Upstream
    [Tags]    happy-path
    Given Fake Replies With    Hello from the upstream
    When Send Chat    Hi there    max_tokens=${7}
    Then Status Should Be    200
    And Json Field Should Be    reply    Hello from the upstream
    And Fake Should Have Received    prompt=Hi there    stream=${False}    max_tokens=7
    And Fake Should Have Been Called Times    1

Each Upstream Request Holds Only Its Own Caller's Prompt
    [Tags]    unhappy-path    concurrency
    Given Fake Replies With    Fine.
    When Send Chat    First caller's secret
    And Send Chat    Second caller's question
    Then Status Should Be    200
    And Fake Should Have Received    messages=${{ [{"role": "user", "content": "Second caller's question"}] }}

Streamed Tokens Are Relayed Exactly Until Done
    [Tags]    happy-path    stream
    Given Fake Streams Tokens    Hel    lo    !
    When Start Chat Stream    Hi there    max_tokens=${5}
    Then The Stream Should Relay Exactly    Hel    lo    !    max_tokens=5
    And Fake Should Have Received    prompt=Hi there    stream=${True}    max_tokens=5
    And Gauges Should Be At Rest

Upstream Rate Limit Passes Through With Retry-After
    [Tags]    unhappy-path    rate-limit
    Given Fake Fails With Status    429    retry_after=11
    When Send Chat    Hi there
    Then Status Should Be    429
    And Header Should Be    Retry-After    11
    And Json Field Should Be    error    ${{ {"kind": "upstream_rate_limited", "message": $RATE_LIMITED} }}
    And Fake Should Have Been Called Times    1

Upstream 400 Becomes Bad Gateway
    [Tags]    unhappy-path
    [Template]    An Upstream Status Becomes Bad Gateway
    400

Upstream 401 Becomes Bad Gateway
    [Tags]    unhappy-path
    [Template]    An Upstream Status Becomes Bad Gateway
    401

Upstream 404 Becomes Bad Gateway
    [Tags]    unhappy-path
    [Template]    An Upstream Status Becomes Bad Gateway
    404

Upstream 500 Becomes Bad Gateway
    [Tags]    unhappy-path
    [Template]    An Upstream Status Becomes Bad Gateway
    500

Upstream 503 Becomes Bad Gateway
    [Tags]    unhappy-path
    [Template]    An Upstream Status Becomes Bad Gateway
    503

Silent Upstream Becomes Gateway Timeout And Is Abandoned
    [Documentation]    The upstream accepts the request and then sends nothing. The gateway
    ...    must answer 504 within its own timeout and drop the upstream connection.
    [Tags]    unhappy-path    timeout
    Given Fake Times Out
    When Send Chat    Hi there
    Then Status Should Be    504
    And Json Field Should Be    error.message    The model did not answer within ${GATEWAY_TIMEOUT} s.
    And Fake Should Have Been Cancelled    timeout=2s

Upstream Connection Cut Mid-Stream Gives An Unavailable Error Event
    [Tags]    unhappy-path    stream
    Given Fake Streams Tokens    a    b    c
    And Fake Hangs Up    after_tokens=2
    When Start Chat Stream    Hi there
    Then The Stream Should End With Error    upstream_unavailable    ${HUNG_UP}    a    b
    And Gauges Should Be At Rest

Upstream Error Chunk Mid-Stream Gives An Upstream Error Event
    [Tags]    unhappy-path    stream
    Given Fake Streams Tokens    a    b
    And Fake Fails With Status    500    after_tokens=1
    When Start Chat Stream    Hi there
    Then The Stream Should End With Error    upstream_error    The model failed with status 500.    a
    And Fake Should Have Been Called Times    1
    And Gauges Should Be At Rest

Upstream Rate Limit Mid-Stream Gives A Rate Limit Error Event
    [Tags]    unhappy-path    stream    rate-limit
    Given Fake Streams Tokens    a    b
    And Fake Fails With Status    429    after_tokens=1
    When Start Chat Stream    Hi there
    Then The Stream Should End With Error    upstream_rate_limited    ${RATE_LIMITED}    a
    And Gauges Should Be At Rest

Client Disconnect Makes The Gateway Drop Its Upstream Request
    [Tags]    unhappy-path    disconnect
    Given Fake Hangs Until Cancelled    after_tokens=1
    And Start Chat Stream    Hi there
    And Expect Events In Order    start    token
    When Disconnect Client
    Then Fake Should Have Been Cancelled    timeout=2s
    And Gauges Should Be At Rest

Streams The Upstream Refused Give Their Connections Back
    [Documentation]    Three streams the upstream answers 500 at once, one more than the
    ...    gateway may have connections; then one it answers.
    [Tags]    unhappy-path    connections
    Given Three Streams The Upstream Refuses
    When Fake Streams Tokens    still    here
    And Start Chat Stream    Hi there
    Then The Stream Should Relay Exactly    still    here
    And Gauges Should Be At Rest

Streams Left Mid-Answer Give Their Connections Back
    [Tags]    unhappy-path    connections    disconnect
    Given Three Streams Left Mid-Answer
    When Fake Streams Tokens    still    here
    And Start Chat Stream    Hi there
    Then The Stream Should Relay Exactly    still    here
    And Gauges Should Be At Rest

Missing Token Never Reaches The Upstream
    [Tags]    unhappy-path    auth
    When Send Request    POST    /chat    json={"message": "hi"}    alias=anonymous
    Then Status Should Be    401
    And Fake Should Not Have Been Called

The Model Client Closes Its Upstream Connections At Shutdown
    [Documentation]    The gateway runs in this process (``MODE``) with its real client, so
    ...    the connections it keeps to the upstream can be counted.
    [Tags]    lifecycle    connections
    Given A Gateway In This Process Using The Fake Upstream
    And Fake Replies With    Fine.
    And Send Chat    Hi there    alias=here
    And Status Should Be    200
    And Connections To Should Be    ${UPSTREAM_URL}    1
    When Close Client    here
    Then Connections To Should Be    ${UPSTREAM_URL}    0

A Stream Left Mid-Answer Closes Its Upstream Connection At Once
    [Tags]    unhappy-path    connections    disconnect
    Given A Gateway In This Process Using The Fake Upstream
    And Fake Hangs Until Cancelled    after_tokens=1
    And Start Chat Stream    Hi there    alias=here
    And Expect Events In Order    start    token
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Have Been Cancelled    timeout=2s
    And Connections To Should Be    ${UPSTREAM_URL}    0
    [Teardown]    Close Client    here

A Tool Call The Upstream Streams In Pieces Reaches The Caller
    [Documentation]    The gateway's real client reads the upstream's tool-call deltas and
    ...    relays them; the upstream was offered the caller's tools.
    [Tags]    tools
    Given Fake Streams Items    ${CALL_START}    ${CALL_REST}
    When Start Stream    POST    /v1/chat/completions    json=${TOOL_QUESTION}    done=openai
    ...    error=openai    alias=gateway
    Then Tool Call Should Be    get_weather    {"city": "Paris"}
    And Fake Should Have Received    tools=${TOOL_QUESTION}[tools]

The Gateway Asks The Upstream In The OpenAI Shape, With The Caller's Limit
    [Documentation]    On the wire: a plain HTTP fake records the request body the gateway's
    ...    model client sends, field by field, beyond what the fake OpenAI server reads of it.
    [Tags]    wire
    Given A Gateway In This Process Using A Plain HTTP Upstream
    And Fake Route    POST    /v1/chat/completions    json=${COMPLETION}    fake=wire
    When Send Chat    Hi there    max_tokens=${5}    alias=wire-gateway
    Then Json Field Should Be    reply    Fine.
    And Fake Upstream Should Have Received    POST    /v1/chat/completions    json=${ASKED}
    ...    fake=wire
    [Teardown]    Close The Gateway And Its Plain HTTP Upstream


*** Keywords ***
A Gateway In This Process Using A Plain HTTP Upstream
    [Documentation]    A fake HTTP upstream named ``wire`` that answers only what a test
    ...    routes, and the gateway in ``MODE`` as client ``wire-gateway``, pointed at it.
    ${url} =    Start Fake Http Upstream    name=wire
    Set Environment Variable    SAMPLE_APP_LLM_URL    ${url}
    TRY
        Open Gateway    ${PATIENT_APP}    alias=wire-gateway
    FINALLY
        Remove Environment Variable    SAMPLE_APP_LLM_URL
    END

Close The Gateway And Its Plain HTTP Upstream
    [Documentation]    The gateway first, so none of its requests is cut by the upstream going.
    Close Client    wire-gateway
    Remove Fake Upstream    wire

Start Gateway Process Against A Fake Upstream
    [Documentation]    Serves the fake upstream, starts the gateway pointed at it, and waits
    ...    until the gateway answers.
    ${upstream} =    Start Fake OpenAI Server    name=upstream
    VAR    ${UPSTREAM_URL} =    ${upstream}    scope=SUITE    # robocop: off=VAR05
    ${port} =    Free Loopback Port
    ${python} =    Python Executable
    # Start Process logs the whole environment, CI secrets included: keep it out of the log.
    ${level} =    Set Log Level    WARN
    Start Process    ${python}    -m    uvicorn    sample_app.main:app
    ...    --host    127.0.0.1    --port    ${port}    --log-level    warning
    ...    cwd=${CURDIR}/..    alias=gateway-process
    ...    stdout=${OUTPUT DIR}/gateway-process.log    stderr=STDOUT
    ...    env:SAMPLE_APP_LLM_URL=${upstream}
    ...    env:SAMPLE_APP_UPSTREAM_TIMEOUT=${GATEWAY_TIMEOUT}
    ...    env:SAMPLE_APP_LLM_MAX_CONNECTIONS=${CONNECTIONS}
    Set Log Level    ${level}
    Open Clients To The Gateway At    http://127.0.0.1:${port}

Stop Gateway Process And Fake Upstream
    [Documentation]    Stops the gateway first, so no request of it is cut by the upstream going away.
    Close All Clients
    Terminate Process    gateway-process
    Stop Fake OpenAI Server    upstream

A Gateway In This Process Using The Fake Upstream
    [Documentation]    Opens the sample gateway in ``MODE`` as client ``here``, with its real
    ...    model client pointed at the fake upstream.
    Set Environment Variable    SAMPLE_APP_LLM_URL    ${UPSTREAM_URL}
    Set Environment Variable    SAMPLE_APP_LLM_MAX_CONNECTIONS    ${CONNECTIONS}
    TRY
        Open Gateway    ${PATIENT_APP}    alias=here
    FINALLY
        Remove Environment Variable    SAMPLE_APP_LLM_URL    SAMPLE_APP_LLM_MAX_CONNECTIONS
    END

An Upstream Status Becomes Bad Gateway
    [Documentation]    The upstream answers ``status`` (4xx but 429, or 5xx): the caller gets
    ...    502 naming it, and the upstream was called once.
    [Arguments]    ${status}
    Given Fake Fails With Status    ${status}
    When Send Chat    Hi there
    Then Status Should Be    502
    And Json Field Should Be    error
    ...    ${{ {"kind": "upstream_error", "message": "The model failed with status ${status}."} }}
    And Fake Should Have Been Called Times    1

Three Streams The Upstream Refuses
    [Documentation]    Three streams, one after another, that the upstream answers with 500.
    Fake Fails With Status    500
    FOR    ${attempt}    IN RANGE    1    4
        Start Chat Stream    Hi there    name=refused-${attempt}
        The Stream Should End With Error    upstream_error    The model failed with status 500.
    END

Three Streams Left Mid-Answer
    [Documentation]    Three streams, one after another, that the client leaves after a token
    ...    while the upstream is still answering; each upstream request is dropped.
    Fake Hangs Until Cancelled    after_tokens=1
    FOR    ${attempt}    IN RANGE    1    4
        Start Chat Stream    Hi there    name=left-${attempt}
        Expect Events In Order    start    token
        Disconnect Client
        Fake Should Have Been Cancelled    timeout=2s
    END
