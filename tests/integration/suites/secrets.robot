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
