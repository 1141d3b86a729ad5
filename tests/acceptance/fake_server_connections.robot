# robocop: off=LEN08
*** Settings ***
Documentation       A service that never closes its pooled client leaks connections to its
...                 upstream; the fake OpenAI server counts them as the fake HTTP upstream does.
Library             AsyncApiLibrary    timeout=2s    leak_check=fail
Suite Setup         Start The Fake Server
Suite Teardown      Stop Fake OpenAI Server
Test Teardown       Close All Clients
Test Tags           openai-fake


*** Variables ***
&{PLAIN}    model=fake    messages=${{[{"role": "user", "content": "Hi"}]}}
${URL}      ${EMPTY}


*** Test Cases ***
A Client That Closes Leaves No Connection To The Fake Server
    Open The Fake Server By Url
    Send Request    POST    /v1/chat/completions    json=${PLAIN}
    Close Client    caller
    Fake Upstream Connections Should Be Closed    fake=openai

A Client Still Open Holds Its Connection To The Fake Server
    Open The Fake Server By Url
    Send Request    POST    /v1/chat/completions    json=${PLAIN}
    Run Keyword And Expect Error
    ...    EQUALS:Expected every connection to the fake upstream 'openai' to be closed within 0.1 s, but 1 is still open.
    ...    Fake Upstream Connections Should Be Closed    timeout=100ms    fake=openai


*** Keywords ***
Start The Fake Server
    [Documentation]    The fake OpenAI server, named ``openai``; its URL in ``${URL}``.
    ${url} =    Start Fake OpenAI Server
    VAR    ${URL} =    ${url}    scope=SUITE    # robocop: off=VAR05

Open The Fake Server By Url
    [Documentation]    A client that reaches the fake OpenAI server by its URL.
    Open Url    ${URL}    alias=caller
