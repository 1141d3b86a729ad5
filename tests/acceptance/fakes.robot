# robocop: off=LEN08
*** Settings ***
Documentation       Fakes of any async dependency, scripted call by call: any method, any
...                 result or exception, several at once, objects the app builds itself,
...                 plain values for dependencies, and checks of how the app used them.
Library             AsyncApiLibrary    timeout=2s    leak_check=fail
Test Setup          Open App    tests.acceptance.apps.shards:app    alias=svc
Test Teardown       Run Keywords    Remove All Fakes    AND    Close All Clients
Test Tags           fakes


*** Test Cases ***
The First Call Is Rate Limited And The Retry Succeeds
    Install Fake Upstream    tests.acceptance.apps.shards:get_model    name=model
    Fake Fails With Status    429    retry_after=1    call=1
    Fake Returns    42    call=2
    Send Request    POST    /ask    json={"q": "answer?"}
    Json Field Should Be    answer    42
    Json Field Should Be    attempts    2
    Fake Should Have Been Awaited Times    2    method=complete
    Fake Method Should Have Received    complete    call=1    prompt=answer?

One Shard Times Out And The Answer Says So
    Install Fake Upstream    tests.acceptance.apps.shards:get_shard_a    name=shard-a
    Install Fake Upstream    tests.acceptance.apps.shards:get_shard_b    name=shard-b
    Fake Streams Items    {"doc": 1}    {"doc": 2}    fake=shard-a
    Fake Raises    TimeoutError    shard b is slow    fake=shard-b
    Send Request    GET    /search    params={"q": "cats"}
    Json Field Should Be    hits    ${{ [{"doc": 1}, {"doc": 2}] }}
    Json Field Should Be    failed_shards    ${{ ["b"] }}
    Json Field Should Be    complete    ${False}
    Fake Calls Should Be In Order    shard-a.search    shard-b.search

A Method Returns A JSON Value And The Request Id Is Fixed
    Install Fake Upstream    tests.acceptance.apps.shards:get_users    name=users
    Fake Returns    {"name": "Ann", "plan": "pro"}    method=get_user
    Override Dependency    tests.acceptance.apps.shards:get_request_id    values=["req-1", "req-2"]
    Send Request    GET    /users/7
    Json Field Should Be    profile.plan    pro
    Json Field Should Be    request_id    req-1
    Send Request    GET    /users/8
    Json Field Should Be    request_id    req-2
    Fake Method Should Have Received    get_user    fake=users    id=8

A Publish Through A Module-Level Client Is Checked As JSON
    Replace With Fake    tests.acceptance.apps.shards:queue    name=queue
    Fake Returns    null
    Send Request    POST    /jobs/j-9/finish
    Json Field Should Be    published    ${True}
    Fake Method Should Have Received    publish    topic=jobs    body={"state": "done"}

A Client On App State Is Replaced For The Test
    Replace With Fake    app.state.ranker    name=ranker
    Fake Returns    ["y", "x"]
    Send Request    GET    /rank
    Json Field Should Be    order    ${{ ["y", "x"] }}
    Fake Should Have Been Awaited Once

A Fake For Something That Is Not A Dependency
    Run Keyword And Expect Error
    ...    EQUALS:tests.acceptance.apps.shards:not_used_anywhere is not a dependency of any route of the app of client 'svc', so a fake in its place would never be called. To fake an object the app builds itself, use 'Replace With Fake' (an attribute by import path, or app.state.NAME); to give a dependency a plain value, 'Override Dependency'.
    ...    Install Fake Upstream    tests.acceptance.apps.shards:not_used_anywhere

An Argument That Does Not Match As JSON
    Replace With Fake    tests.acceptance.apps.shards:queue    name=queue
    Send Request    POST    /jobs/j-9/finish
    Run Keyword And Expect Error
    ...    EQUALS:Expected the argument 'body' of call 1 of 'publish' to be {"state": "failed"}, got {"id": "j-9", "state": "done"}.
    ...    Fake Method Should Have Received    publish    call=1    body={"state": "failed"}

An Exception Class That Does Not Exist
    Install Fake Upstream    tests.acceptance.apps.shards:get_model    name=model
    Run Keyword And Expect Error
    ...    GLOB:Module 'httpx2' has no attribute 'NoSuchError'*
    ...    Fake Raises    httpx2.NoSuchError

Call Order Across Fakes That Differs
    Install Fake Upstream    tests.acceptance.apps.shards:get_shard_a    name=shard-a
    Install Fake Upstream    tests.acceptance.apps.shards:get_shard_b    name=shard-b
    Fake Streams Items    {"doc": 1}    fake=shard-a
    Fake Streams Items    {"doc": 2}    fake=shard-b
    Send Request    GET    /search    params={"q": "cats"}
    Run Keyword And Expect Error
    ...    EQUALS:Expected the calls on shard-a, shard-b in the order shard-b.search, shard-a.search, but they were shard-a.search, shard-b.search.
    ...    Fake Calls Should Be In Order    shard-b.search    shard-a.search
