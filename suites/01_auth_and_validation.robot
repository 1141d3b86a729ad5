*** Settings ***
Documentation     A gateway that pays for every upstream call must refuse bad callers and bad
...               input before it spends anything: these checks come first in the request path.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Teardown     Remove Fakes And Streams


*** Test Cases ***
Chat Without A Token Is Refused With 401
    [Tags]    unhappy-path    auth
    Open Gateway Without Token
    Send Chat    hello    alias=anonymous
    Status Should Be    401
    Json Field Should Be    detail    Missing bearer token.
    Header Should Be    WWW-Authenticate    Bearer
    [Teardown]    Close Client    anonymous

Chat With A Wrong Token Is Refused With 401
    [Tags]    unhappy-path    auth
    Send Request    POST    /chat    json={"message": "hi"}    headers={"Authorization": "Bearer nope"}
    Status Should Be    401
    Json Field Should Be    detail    Invalid bearer token.

Chat With A Non Bearer Scheme Is Refused With 401
    [Tags]    unhappy-path    auth
    Send Request    POST    /chat    json={"message": "hi"}    headers={"Authorization": "Basic abc"}
    Status Should Be    401
    Json Field Should Be    detail    The Authorization header must be 'Bearer <token>'.

Streamed Chat Without A Token Is Refused Before The Model Is Called
    [Tags]    unhappy-path    auth    stream
    Given A Fake Model
    Start Stream    POST    /chat/stream    json={"message": "hi"}    headers={"Authorization": "Bearer nope"}
    Status Should Be    401
    Fake Should Not Have Been Called

An Empty Message Is Rejected With 422 Naming The Field
    [Tags]    unhappy-path    validation
    Send Chat    ${EMPTY}
    Status Should Be    422
    Json Field Should Be    detail.0.loc.1    message

A Missing Message Is Rejected With 422
    [Tags]    unhappy-path    validation
    Send Request    POST    /chat    json={"text": "hi"}
    Status Should Be    422
    Json Field Should Be    detail.0.type    missing

Too Many Tokens Are Rejected With 422
    [Tags]    unhappy-path    validation
    Send Chat    hello    max_tokens=${1000}
    Status Should Be    422
    Json Field Should Be    detail.0.loc.1    max_tokens

A Body That Is Not JSON Is Rejected With 422
    [Tags]    unhappy-path    validation
    Send Request    POST    /chat    data={"message": "hi"}
    Status Should Be    422

A Valid Chat Is Answered By The Model
    [Tags]    happy-path
    Send Chat    hello world
    Status Should Be    200
    Json Field Should Be    reply    Echo: hello world
