*** Settings ***
Documentation     The gateway as a black box, the way a deployed service is tested: it runs as
...               its own process, is reached only by URL, and talks over HTTP to a fake
...               OpenAI-compatible upstream that the library serves on loopback and scripts
...               per test. Cleanup is checked through what the upstream saw (was the request
...               abandoned?) and through the gateway's /ops/stats gauges. These tests run the
...               same way whatever ``MODE`` is.

Library           Process
Resource          resources/gateway.resource

Suite Setup       Start Gateway Process Against A Fake Upstream
Suite Teardown    Stop Gateway Process And Fake Upstream
Test Setup        Reset Fake    upstream
Test Teardown     Disconnect All Streams
Test Tags         black-box


*** Variables ***
${GATEWAY_TIMEOUT}    0.5


*** Test Cases ***
Chat Reply Comes From The Upstream
    [Tags]    happy-path
    Given Fake Replies With    Hello from the upstream
    When Send Chat    Hi there
    Then Status Should Be    200
    And Json Field Should Be    reply    Hello from the upstream
    And Fake Should Have Received    prompt=Hi there    stream=${False}

Streamed Tokens Are Relayed In Order Until Done
    [Tags]    happy-path    stream
    Given Fake Streams Tokens    Hel    lo    !
    When Start Chat Stream    Hi there
    Then Expect Events In Order    start    token    token    token
    And Expect Done Event
    And Fake Should Have Received    prompt=Hi there    stream=${True}

Upstream Rate Limit Passes Through With Retry-After
    [Tags]    unhappy-path    rate-limit
    Given Fake Fails With Status    429    retry_after=11
    When Send Chat    Hi there
    Then Status Should Be    429
    And Header Should Be    Retry-After    11
    And Error Kind Should Be    upstream_rate_limited

Upstream Server Error Becomes Bad Gateway
    [Tags]    unhappy-path    upstream-error
    Given Fake Fails With Status    500
    When Send Chat    Hi there
    Then Status Should Be    502
    And Error Kind Should Be    upstream_error

Silent Upstream Becomes Gateway Timeout And Is Abandoned
    [Documentation]    The upstream accepts the request and then sends nothing. The gateway
    ...    must answer 504 within its own timeout and drop the upstream connection.
    [Tags]    unhappy-path    timeout
    Given Fake Times Out
    When Send Chat    Hi there
    Then Status Should Be    504
    And Error Kind Should Be    upstream_timeout
    And Fake Should Have Been Cancelled    timeout=2s

Upstream Connection Cut Mid-Stream Gives An Error Event
    [Tags]    unhappy-path    stream
    Given Fake Hangs Up    after_tokens=2
    When Start Chat Stream    Hi there
    Then Expect Events In Order    start    token    token
    And Expect Error Event
    And Gauges Should Be At Rest

Upstream Error Chunk Mid-Stream Gives An Error Event
    [Tags]    unhappy-path    stream
    Given Fake Fails With Status    500    after_tokens=1
    When Start Chat Stream    Hi there
    Then Expect Events In Order    start    token
    And Expect Error Event
    And Gauges Should Be At Rest

Client Disconnect Makes The Gateway Drop Its Upstream Request
    [Tags]    unhappy-path    disconnect
    Given Fake Hangs Until Cancelled    after_tokens=1
    And Start Chat Stream    Hi there
    And Expect Events In Order    start    token
    When Disconnect Client
    Then Fake Should Have Been Cancelled    timeout=2s
    And Gauges Should Be At Rest

Missing Token Never Reaches The Upstream
    [Tags]    unhappy-path    auth
    When Send Request    POST    /chat    json={"message": "hi"}    alias=anonymous
    Then Status Should Be    401
    And Fake Should Not Have Been Called


*** Keywords ***
Start Gateway Process Against A Fake Upstream
    [Documentation]    Serves the fake upstream, starts the gateway pointed at it, and waits
    ...    until the gateway answers.
    ${upstream} =    Start Fake OpenAI Server    name=upstream
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
    Set Log Level    ${level}
    Open Url    http://127.0.0.1:${port}    alias=anonymous
    Open Url    http://127.0.0.1:${port}    alias=gateway    token=${TOKEN}
    Wait Until Service Is Up    /health    timeout=20s

Stop Gateway Process And Fake Upstream
    [Documentation]    Stops the gateway first, so no request of it is cut by the upstream going away.
    Close All Clients
    Terminate Process    gateway-process
    Stop Fake OpenAI Server    upstream
