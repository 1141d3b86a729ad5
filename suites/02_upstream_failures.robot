*** Settings ***
Documentation       The model behind the gateway is slow, rate limited, misconfigured and
...                 sometimes down. Each of its failures must reach the caller as the HTTP answer
...                 the gateway promises (never a bare 500, never the upstream's own 401 or 404,
...                 which are the gateway's problem, not the caller's), with one sentence saying
...                 what happened; the model is called once, never retried behind the caller's
...                 back, and a failed chat is not counted as served.

Resource            resources/gateway.resource

Suite Setup         Open Gateway
Suite Teardown      Close All Clients
Test Setup          Given A Fake Model
Test Teardown       Remove Fakes And Streams

Test Tags           upstream


*** Test Cases ***
Upstream Timeout Gives 504 Naming The Deadline
    [Tags]    unhappy-path    timeout
    Given Fake Times Out
    When Send Chat    hello
    Then The Chat Failed With    504    upstream_timeout    The model did not answer within 0.3 s.
    And Fake Should Have Been Called Times    1

Upstream That Never Answers Gives 504 And Is Cancelled
    [Tags]    unhappy-path    timeout    cancellation
    Given Fake Hangs Until Cancelled
    When Send Chat    hello
    Then The Chat Failed With    504    upstream_timeout    The model did not answer within 0.3 s.
    And Fake Should Have Been Cancelled
    And Fake Should Have Been Called Times    1

Upstream 429 Is Passed On With Retry-After
    [Tags]    unhappy-path    rate-limit
    Given Fake Fails With Status    429    retry_after=7
    When Send Chat    hello
    Then The Chat Failed With    429    upstream_rate_limited    The model is rate limited; retry later.
    And Header Should Be    Retry-After    7
    And Fake Should Have Been Called Times    1

Upstream 400 Gives 502
    [Tags]    unhappy-path
    [Template]    An Upstream Status Gives 502
    400

Upstream 401 Gives 502, Not 401
    [Documentation]    The upstream refused the gateway's own key: the caller's token is fine.
    [Tags]    unhappy-path
    [Template]    An Upstream Status Gives 502
    401

Upstream 404 Gives 502
    [Tags]    unhappy-path
    [Template]    An Upstream Status Gives 502
    404

Upstream 500 Gives 502
    [Tags]    unhappy-path
    [Template]    An Upstream Status Gives 502
    500

Upstream 503 Gives 502
    [Tags]    unhappy-path
    [Template]    An Upstream Status Gives 502
    503

Upstream Hanging Up Gives 502
    [Tags]    unhappy-path
    Given Fake Hangs Up
    When Send Chat    hello
    Then The Chat Failed With    502    upstream_unavailable
    ...    The model could not be reached (RemoteProtocolError).
    And Fake Should Have Been Called Times    1

A Failed Chat Is Not Counted As Served
    [Tags]    unhappy-path    black-box
    ${before}=    Requests Served So Far
    Given Fake Fails With Status    500
    When Send Chat    hello
    Then Status Should Be    502
    And Json Field Should Be On    /ops/stats    requests_served    ${before}

The Model Is Awaited Once With The Caller's Prompt And Token Limit
    [Tags]    happy-path
    Given Fake Replies With    Forty two.
    When Send Chat    What is the answer?    max_tokens=${5}
    Then Status Should Be    200
    And Json Field Should Be    reply    Forty two.
    And Fake Should Have Been Awaited Once
    And Fake Should Have Received    prompt=What is the answer?    max_tokens=5

A Served Chat Is Counted Once
    [Tags]    happy-path    black-box
    ${before}=    Requests Served So Far
    Given Fake Replies With    Fine.
    When Send Chat    hello
    Then Status Should Be    200
    And Json Field Should Be On    /ops/stats    requests_served    ${before + 1}


*** Keywords ***
The Chat Failed With
    [Documentation]    The last reply is ``status`` with the gateway's JSON error body, exactly.
    [Arguments]    ${status}    ${kind}    ${message}
    Status Should Be    ${status}
    Json Field Should Be    error    ${{ {"kind": $kind, "message": $message} }}
    Gauges Should Be At Rest

An Upstream Status Gives 502
    [Documentation]    An upstream failing with ``status`` (4xx but 429, or 5xx) is 502
    ...    ``upstream_error`` naming that status, without the upstream's headers.
    [Arguments]    ${status}
    Given Fake Fails With Status    ${status}
    When Send Chat    hello
    Then The Chat Failed With    502    upstream_error    The model failed with status ${status}.
    And Fake Should Have Been Called Times    1

Requests Served So Far
    [Documentation]    The ``requests_served`` gauge now.
    Send Request    GET    /ops/stats
    ${served}=    Get Json Field    requests_served
    RETURN    ${served}

Json Field Should Be On
    [Documentation]    ``GET path`` answers with ``field`` equal to ``expected``.
    [Arguments]    ${path}    ${field}    ${expected}
    Send Request    GET    ${path}
    Json Field Should Be    ${field}    ${expected}
