# robocop: off=LEN08
*** Settings ***
Documentation       The library's own failures are read by people who do not read code: each must
...                 be one sentence that names what was wrong. These tests pin the exact words.
Library             AsyncApiLibrary    timeout=2s
Test Teardown       Close All Clients
Test Tags           library-errors


*** Test Cases ***
Nothing Opened Yet
    Run Keyword And Expect Error
    ...    No app or service is open; use 'Open App' or 'Open Url' first.
    ...    Send Chat    hello

Unknown Alias
    Open App    sample_app.main:app    alias=one
    Run Keyword And Expect Error
    ...    No client is open with the alias 'two'; open ones: one.
    ...    Switch Client    two

Malformed Import Path
    Run Keyword And Expect Error
    ...    The app import path 'sample_app.main' is malformed; expected 'package.module:app'.
    ...    Open App    sample_app.main

Module That Does Not Exist
    Run Keyword And Expect Error
    ...    Could not import module 'no_such_module' for app 'no_such_module:app': ModuleNotFoundError: No module named 'no_such_module'.
    ...    Open App    no_such_module:app

Attribute That Does Not Exist
    Run Keyword And Expect Error
    ...    Module 'sample_app.main' has no attribute 'nope' (from 'sample_app.main:nope').
    ...    Open App    sample_app.main:nope

App That Fails At Startup
    Run Keyword And Expect Error
    ...    The app 'sample_app.main:create_broken_app()' failed during startup: RuntimeError: the model configuration is missing.
    ...    Open App    sample_app.main:create_broken_app()

Malformed URL
    Run Keyword And Expect Error
    ...    URL 'localhost:8000' is malformed; expected something like 'http://127.0.0.1:8000'.
    ...    Open Url    localhost:8000

Connection Refused
    Open Url    http://127.0.0.1:9
    Run Keyword And Expect Error
    ...    Could not connect to http://127.0.0.1:9 for GET /health: *
    ...    Send Request    GET    /health

Zero Timeout
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    Timeout must be positive, got 0 seconds.
    ...    Send Request    GET    /health    timeout=0s

Unparseable Timeout
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    ValueError: Argument 'timeout' got value 'soon' that cannot be converted to float, timedelta or None.
    ...    Send Request    GET    /health    timeout=soon

Path Without Slash
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    Path 'health' must start with '/'.
    ...    Send Request    GET    health

Json From A Non JSON Body
    Open App    sample_app.main:app
    Send Request    GET    /docs
    Run Keyword And Expect Error
    ...    Expected a JSON body from GET /docs, got text/html; charset=utf-8: *
    ...    Get Json Field    status

An SSE Stream That Is Not SSE
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    Stream 'stream1' (GET /health) is not an SSE stream: the response has content-type 'application/json', not 'text/event-stream'.
    ...    Start Stream    GET    /health    name=stream1

Unknown Done Convention
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    Done convention 'finish' is unknown; use 'event:NAME', 'data:TEXT', 'openai', 'end', 'json:PATH' or 'json:PATH=VALUE'.
    ...    Start Stream    GET    /health    done=finish

Reading Before Any Stream
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    No stream has been started; use 'Start Stream' first.
    ...    Read Next Event

Expect Cleanup In URL Mode
    Open App    sample_app.main:app    mode=server    alias=hosted
    ${url}=    Get Base Url
    Open Url    ${url}    alias=remote    token=test-token
    Start Chat Stream    hi    alias=remote
    Run Keyword And Expect Error
    ...    Expect Cleanup needs the app in this process, but client 'remote' reaches it by URL; *
    ...    Expect Cleanup
    Disconnect Client

Fake Without An Installed Fake
    Open App    sample_app.main:app
    Run Keyword And Expect Error
    ...    No fake upstream is installed; use 'Install Fake Upstream' first.
    ...    Fake Times Out

Status Mismatch Quotes The Body
    Open App    sample_app.main:app
    Send Chat    hi
    Run Keyword And Expect Error
    ...    Expected status 200 from POST /chat, got 401 Unauthorized: {"detail":"Missing bearer token."}.
    ...    Status Should Be    200

Wrong Argument Type
    Open App    sample_app.main:app    token=test-token
    Run Keyword And Expect Error
    ...    ValueError: Argument 'count' got value 'many' that cannot be converted to integer.
    ...    Release Next Token    count=many
