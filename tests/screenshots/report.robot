*** Settings ***
Documentation       The tests ``scripts/screenshot-report`` photographs in ``log.html``: what a
...                 reader of the report sees for a streamed answer, an answer read straight
...                 from an OpenAI-compatible model, a user who leaves mid-answer, and a test
...                 that fails. The last one fails on purpose.
Library             AsyncApiLibrary    timeout=5s
Suite Setup         Open App    sample_app.main:create_test_app()    alias=gateway    token=test-token
Suite Teardown      Close All Clients
Test Teardown       Run Keywords    Remove All Fakes    AND    Disconnect All Streams


*** Variables ***
&{STREAMED}     model=fake    stream=${True}    messages=${{[{"role": "user", "content": "Hi"}]}}


*** Test Cases ***
Streamed Answer Arrives Token By Token, Then Done
    [Documentation]    The gateway streams the model's answer as it is produced: a start
    ...    event, one token event per piece of text, then a done event.
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Streams Tokens    Hel    lo    ,${SPACE}wor    ld    !
    Start Chat Stream    Say hello
    Expect Event    start
    Expect Event    token
    Expect Done Event

OpenAI-Compatible Stream Shows The Model's Text
    [Documentation]    Read straight from an OpenAI-compatible server: each chunk's text,
    ...    not its JSON envelope, is what the transcript shows.
    ${url} =    Start Fake OpenAI Server
    Open Url    ${url}    alias=upstream    done=openai
    Fake Streams Tokens    The    ${SPACE}answer    ${SPACE}is    ${SPACE}42    fake=openai
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}    alias=upstream
    Read Until Done
    [Teardown]    Run Keywords    Disconnect All Streams    AND    Close Client    upstream
    ...    AND    Stop Fake OpenAI Server

User Leaves Mid-Answer And The Gateway Cleans Up
    [Documentation]    The user closes the tab after the first token: the gateway must stop,
    ...    close its call to the model and finish its handler.
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Streams Tokens    one    two    three
    Fake Waits For Release
    Start Chat Stream    hi
    Expect Event    start
    Release Next Token
    Expect Event    token
    Disconnect Client
    Expect Cleanup
    Fake Should Be Closed

Answer Completes Although The Model Times Out (Fails On Purpose)
    [Documentation]    Fails on purpose, to show how a failure reads: the model times out
    ...    after two tokens, so the gateway sends an error event where a done event was
    ...    expected.
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Streams Tokens    a    b    c
    Fake Times Out    after_tokens=2
    Start Chat Stream    hi
    Expect Event    start
    Expect Done Event
