*** Settings ***
Documentation       Credentials go out in headers of every kind; none may reach the outputs.
...                 KEY and TOKEN come from the command line, TOKEN as a Robot Secret.
Library             AsyncApiLibrary    timeout=5s
Suite Setup         Open App    sample_app.main:app    mode=${MODE}    token=${TOKEN}
Suite Teardown      Close All Clients


*** Variables ***
${MODE}     in-process


*** Test Cases ***
Api Key Header And Bearer Token On Requests
    Set Default Header    X-Api-Key    ${KEY}
    Send Request    GET    /health    headers={"X-Upstream-Key": "${KEY}"}
    Send Chat    hello
    Status Should Be    200

A Credential Sent In A Header Stays Masked Where It Shows Up Later
    [Documentation]    At INFO the request details are not logged, but their credentials
    ...    are still remembered: the key in this query string must not reach the log.
    Send Request    GET    /health    headers={"X-Auth-Token": "${KEY}"}
    Send Request    GET    /health    params={"trace": "${KEY}"}

Credentials On A Stream
    Start Stream    POST    /chat/stream    json={"message": "hi"}    headers={"Authorization": "Bearer ${KEY}"}
    Status Should Be    401
    Start Chat Stream    hi    headers={"X-Api-Key": "${KEY}"}
    Expect Done Event

A Failing Check Logs The Exchange Masked
    Set Bearer Token    ${KEY}
    Send Chat    hello
    Run Keyword And Expect Error    *401*    Status Should Be    200

A Failure Quoting A Body Hides The Key
    [Setup]    Set Bearer Token    ${TOKEN}
    Set Default Header    X-Api-Key    ${KEY}
    Send Chat    ${KEY}
    Run Keyword And Expect Error    Expected JSON field 'reply'*    Json Field Should Be    reply    nothing

Events And Failures Quoting Them Hide The Key
    [Setup]    Set Bearer Token    ${TOKEN}
    Set Default Header    X-Api-Key    ${KEY}
    Start Chat Stream    ${KEY}
    ${first} =    Expect Event    start
    Log    ${first}
    Run Keyword And Expect Error    Expected event 'token'*    Expect Event    token    data=nope
    ${key_token} =    Expect Event    token
    Log    ${key_token}
    Expect Done Event

Credentials Nobody Registered Are Still Hidden
    [Documentation]    An API key in a query string, a password field in a JSON body and an
    ...    ``apikey`` header are hidden by their shape, not because a test named them.
    [Setup]    Set Bearer Token    ${TOKEN}
    Send Request    GET    /health    params={"api_key": "${QUERY_KEY}"}
    Send Request    POST    /chat    json={"message": "hi", "password": "${PASSWORD}"}
    Send Request    GET    /health    headers={"apikey": "${HEADER_KEY}"}
