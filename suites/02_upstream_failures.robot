*** Settings ***
Documentation     The model behind the gateway is slow, rate limited and sometimes down. Each of
...               its failures must reach the caller as a clear HTTP answer, never as a 500.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Setup        Given A Fake Model
Test Teardown     Remove Fakes And Streams

Test Tags         upstream


*** Test Cases ***
Upstream Timeout Gives 504
    [Tags]    unhappy-path
    Fake Times Out
    Send Chat    hello
    Status Should Be    504
    Error Kind Should Be    upstream_timeout

Upstream That Never Answers Gives 504 And Is Cancelled
    [Tags]    unhappy-path    cancellation
    Fake Hangs Until Cancelled
    Send Chat    hello
    Status Should Be    504
    Fake Should Have Been Cancelled

Upstream 429 Is Passed On With Retry-After
    [Tags]    unhappy-path
    Fake Fails With Status    429    retry_after=7
    Send Chat    hello
    Status Should Be    429
    Header Should Be    Retry-After    7
    Error Kind Should Be    upstream_rate_limited

Upstream 500 Gives 502
    [Tags]    unhappy-path
    Fake Fails With Status    500
    Send Chat    hello
    Status Should Be    502
    Error Kind Should Be    upstream_error

Upstream 503 Gives 502
    [Tags]    unhappy-path
    Fake Fails With Status    503
    Send Chat    hello
    Status Should Be    502

Upstream Hanging Up Gives 502
    [Tags]    unhappy-path
    Fake Hangs Up
    Send Chat    hello
    Status Should Be    502
    Error Kind Should Be    upstream_unavailable

The Model Is Awaited Once With The Caller's Prompt
    [Tags]    happy-path
    Fake Replies With    Forty two.
    Send Chat    What is the answer?    max_tokens=${5}
    Status Should Be    200
    Json Field Should Be    reply    Forty two.
    Fake Should Have Been Awaited Once
    Fake Should Have Received    prompt=What is the answer?    max_tokens=5
