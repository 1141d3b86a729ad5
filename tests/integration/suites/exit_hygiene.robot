*** Settings ***
Documentation       Everything a careless suite can leave behind; robot must still exit cleanly.
...                 Nothing is closed on purpose: the clients, the hosted server and the fakes
...                 stay until the end, and the suite teardown opens one more stream and leaves it.
Library             AsyncApiLibrary    timeout=5s    leak_check=off
Suite Setup         Open Apps With Paced Fakes
Suite Teardown      Leave A Stream Open On The Server


*** Test Cases ***
Fails Mid-Stream
    Switch Client    inproc
    Start Chat Stream    hi    name=failing
    Expect Event    start
    Read Next Event    timeout=100ms

Times Out Mid-Read
    [Timeout]    500ms
    Switch Client    hosted
    Start Chat Stream    hi    name=timing-out
    Expect Event    start
    Read Next Event

Leaves A Refused Stream
    Switch Client    inproc
    Start Stream    POST    /chat/stream    json={"message": ""}    name=refused
    Status Should Be    422

Streams That Never Opened
    [Documentation]    Refused at the socket, not an event stream, and cut by its deadline.
    Open Url    http://127.0.0.1:9    alias=nowhere
    Run Keyword And Expect Error    Could not connect*    Start Stream    GET    /events
    Switch Client    inproc
    Run Keyword And Expect Error    *is not an SSE stream*    Start Stream    GET    /health
    Open App    tests.integration.slow_cleanup_app:app    mode=server    alias=slow
    Run Keyword And Expect Error    *got no answer within 0.1 s.
    ...    Start Stream    GET    /slow-start    timeout=100ms

Leaves A Stream Open
    Switch Client    inproc
    Start Chat Stream    hi    name=left-open
    Expect Event    start


*** Keywords ***
Open Apps With Paced Fakes
    [Documentation]    One app in this process and one under uvicorn, each with a fake model
    ...    that never produces a token unless released.
    Open App    sample_app.main:create_test_app()    alias=inproc    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client    name=inproc-model
    Fake Waits For Release
    Open App    sample_app.main:app    mode=server    alias=hosted    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client    name=hosted-model
    Fake Waits For Release

Leave A Stream Open On The Server
    [Documentation]    Started after the last test, so no leak check ever closes it.
    Start Chat Stream    hi    name=open-at-exit
    Expect Event    start
