# robocop: off=LEN08
*** Settings ***
Documentation       Failure messages of the stream, fake and request keywords, pinned word for
...                 word (``EQUALS:`` compares the whole message exactly). The sample gateway runs in this process with its built-in echo model
...                 unless a test installs a fake.
Library             AsyncApiLibrary    timeout=2s
Test Setup          Open App    sample_app.main:create_test_app()    alias=gateway    token=test-token
Test Teardown       Close All Clients
Test Tags           library-errors


*** Test Cases ***
Reading After A Disconnect
    Start Chat Stream    hi    name=s
    Disconnect Client
    Run Keyword And Expect Error
    ...    EQUALS:Stream 's' (POST /chat/stream) was disconnected by the test; it cannot be read any more.
    ...    Read Next Event

Disconnecting Twice Is Safe
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=s
    Expect Event    start
    Disconnect Client
    Disconnect Client
    Run Keyword And Expect Error
    ...    EQUALS:Expected stream 's' to be open, but the test disconnected it after 1 item.
    ...    Stream Should Be Open

Unknown Stream Name
    Start Chat Stream    hi    name=first
    Run Keyword And Expect Error
    ...    EQUALS:No stream is named 'second'; known streams: first.
    ...    Read Next Event    stream=second

Stream Name Already Open
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=first
    Run Keyword And Expect Error
    ...    EQUALS:A stream named 'first' is already open; disconnect it first.
    ...    Start Chat Stream    again    name=first

Disconnect Before Any Stream
    Run Keyword And Expect Error
    ...    EQUALS:No stream has been started; use 'Start Stream' first.
    ...    Disconnect Client

Reading A Refused Stream Shows Its Status And Body
    Start Stream    POST    /chat/stream    json={"message": ""}    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Stream 's' (POST /chat/stream) was answered with status 422, not a stream: {"detail":[{"type":"string_too_short","loc":["body","message"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]}.
    ...    Read Next Event

Unknown Stream Format
    Run Keyword And Expect Error
    ...    EQUALS:ValueError: Argument 'format' got value 'xml' that cannot be converted to 'sse', 'lines' or 'raw'.
    ...    Start Chat Stream    hi    format=xml

Done Event Never Comes Before The End
    Start Chat Stream    hi    done=event:finished    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected the done event (event:finished), but: Stream 's' (POST /chat/stream) ended after 4 items; nothing more will arrive (last 4 read: event 0 'start': '{"max_tokens": 16}'; event 1 'token': '{"index": 1, "text": "Echo: "}'; event 2 'token': '{"index": 2, "text": "hi"}'; event 3 'done': '{"tokens": 2}').
    ...    Expect Done Event

Error Event Instead Of Done
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Fails With Status    500    after_tokens=1
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected the done event on stream 's', but an error event arrived after 2 items: event 2 'error': '{"kind": "upstream_error", "message": "The model failed w...'.
    ...    Expect Done Event

Done Instead Of An Error Event
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected an error event (event:error) on stream 's', but it finished normally with event 3 'done': '{"tokens": 2}' after 3 items.
    ...    Expect Error Event

Wrong Event Name
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected event 'token' on stream 's', got event 0 'start': '{"max_tokens": 16}'.
    ...    Expect Event    token

Wrong Event Data
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected event 'start' with data '{"max_tokens": 99}' on stream 's', got event 0 'start': '{"max_tokens": 16}'.
    ...    Expect Event    start    data={"max_tokens": 99}

Events Out Of Order
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected event 2 of 2 on stream 's' to be 'done', got event 1 'token': '{"index": 1, "text": "Echo: "}' (order so far: start, token).
    ...    Expect Events In Order    start    done

Stream Still Open When It Should Have Ended
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected stream 's' to have ended, but it was still open after 0.1 s (nothing was read yet).
    ...    Stream Should Have Ended    timeout=100ms

Stream Ended When It Should Be Open
    Start Chat Stream    hi    name=s
    Read Until Done
    Stream Should Have Ended    # the body's end may come a moment after the done event
    Run Keyword And Expect Error
    ...    EQUALS:Expected stream 's' to be open, but it ended after 4 items.
    ...    Stream Should Be Open

Json From A Chunk That Is Not Json
    Start Chat Stream    hi    format=raw    name=s
    ${chunk} =    Read Next Chunk
    Run Keyword And Expect Error
    ...    EQUALS:Chunk 0 is not JSON: 'event: start\\ndata: {"max_tokens": 16}\\n\\n'.
    ...    Get Json From Event    ${chunk}

Negative Bound
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Bound must be positive, got -1 seconds.
    ...    Largest Gap Should Be Below    -1s

Cleanup Not Finished By The Deadline
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=s
    Run Keyword And Expect Error
    ...    EQUALS:The server was still handling 's' (POST /chat/stream) at the deadline (0.1 s deadline); its stream did not finish cleaning up.
    ...    Expect Cleanup    timeout=100ms

Cleanup Only Because The Library Cancelled The Handler
    Open App    tests.acceptance.apps.stubborn:app    alias=stubborn    disconnect_grace=100ms
    Start Stream    GET    /events    name=s
    Read Next Event
    Disconnect Client
    Run Keyword And Expect Error
    ...    EQUALS:The server did not finish 's' (GET /events) by itself; it ended only when the library cancelled it after the disconnect grace period.
    ...    Expect Cleanup    timeout=2s

Installing A Fake Twice
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:A fake named 'upstream' is already installed; remove it first.
    ...    Install Fake Upstream    sample_app.deps:get_llm_client

Unknown Fake Name
    Install Fake Upstream    sample_app.deps:get_llm_client    name=model
    Run Keyword And Expect Error
    ...    EQUALS:No fake is named 'other'; installed fakes: model.
    ...    Fake Replies With    hi    fake=other

Fake Dependency That Does Not Exist
    Run Keyword And Expect Error
    ...    EQUALS:Module 'sample_app.deps' has no attribute 'no_such_dependency' (from 'sample_app.deps:no_such_dependency').
    ...    Install Fake Upstream    sample_app.deps:no_such_dependency

Failing Status That Is Not An Error
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:A failing status must be 400 to 599, got 200.
    ...    Fake Fails With Status    200

Negative Token Count
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:After-tokens must be 0 or more, got -1.
    ...    Fake Times Out    after_tokens=-1

Releasing Zero Tokens
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:Release count must be 1 or more, got 0.
    ...    Release Next Token    count=0

Streaming No Tokens
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:Give at least one token to stream.
    ...    Fake Streams Tokens

Fake Awaited Twice
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    one
    Send Chat    two
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake to be called and awaited exactly once, but it had 2 calls: complete(prompt='one', max_tokens=16) awaited 1x; complete(prompt='two', max_tokens=16) awaited 1x.
    ...    Fake Should Have Been Awaited Once

Fake Called When It Should Not Be
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    one
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake not to be called, but it was called once, first as complete(prompt='one', max_tokens=16).
    ...    Fake Should Not Have Been Called

Fake Received Other Arguments
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    one
    Run Keyword And Expect Error
    ...    EQUALS:Expected the argument 'prompt' of the fake's last call to be "two", got "one".
    ...    Fake Should Have Received    prompt=two

Fake Never Called Within The Deadline
    Install Fake Upstream    sample_app.deps:get_llm_client
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake to be called once within 0.1 s, but it was called 0 times.
    ...    Wait Until Fake Is Called    timeout=100ms

Fake Completed Instead Of Being Cancelled
    Install Fake Upstream    sample_app.deps:get_llm_client
    Send Chat    one
    Run Keyword And Expect Error
    ...    EQUALS:Expected the fake's call complete(prompt='one', max_tokens=16) to be cancelled, but it ended as 'completed'.
    ...    Fake Should Have Been Cancelled

Stopping An In-App Fake As A Server
    Install Fake Upstream    sample_app.deps:get_llm_client    name=model
    Run Keyword And Expect Error
    ...    EQUALS:Fake 'model' is installed in an app, not served over HTTP; use 'Remove Fake Upstream' for it.
    ...    Stop Fake OpenAI Server    model

Header Mismatch
    Send Chat    hi
    Run Keyword And Expect Error
    ...    EQUALS:Expected header 'content-type' to be 'text/plain', got 'application/json'.
    ...    Header Should Be    content-type    text/plain

Missing Json Field
    Send Chat    hi
    Run Keyword And Expect Error
    ...    EQUALS:JSON field 'choices.0' does not exist: no 'choices' at the top level (found an object with keys reply, message).
    ...    Json Field Should Be    choices.0    x

Json Field Mismatch
    Send Chat    hi
    Run Keyword And Expect Error
    ...    EQUALS:Expected JSON field 'reply' to be "Goodbye", got "Echo: hi".
    ...    Json Field Should Be    reply    Goodbye

Both Json And Data
    Run Keyword And Expect Error
    ...    EQUALS:Give either 'json' or 'data' as the body, not both.
    ...    Send Request    POST    /chat    json={"a": 1}    data=${{{'a': '1'}}}

Invalid Method
    Run Keyword And Expect Error
    ...    EQUALS:HTTP method 'GE T' is not valid; use e.g. GET or POST.
    ...    Send Request    GE T    /health

Alias Already Open
    Run Keyword And Expect Error
    ...    EQUALS:A client with the alias 'gateway' is already open; close it first.
    ...    Open App    sample_app.main:app    alias=gateway

Negative Buffer Size
    Run Keyword And Expect Error
    ...    EQUALS:Buffer size must be 0 or more, got -1.
    ...    Open App    sample_app.main:app    alias=other    buffer_size=-1

Service That Never Comes Up
    Open Url    http://127.0.0.1:9    alias=nothing
    Run Keyword And Expect Error
    ...    EQUALS:The service at http://127.0.0.1:9 did not answer GET /health within 1 s; last outcome: ConnectError: All connection attempts failed.
    ...    Wait Until Service Is Up    timeout=1s

Unknown Mode
    Run Keyword And Expect Error
    ...    EQUALS:ValueError: Argument 'mode' got value 'cloud' that cannot be converted to 'in-process' or 'server'.
    ...    Open App    sample_app.main:app    alias=other    mode=cloud

The Cleanup Of One Stream Does Not Wait For Another Stream's Upstream Call
    [Documentation]    Two streams on one fake; the second is still inside its upstream call
    ...    when the first is disconnected: the first's cleanup counts its own calls only.
    Two Streams Waiting Inside One Fake Model
    Disconnect Client    stream=first
    Expect Cleanup    stream=first    timeout=500ms
    Disconnect Client    stream=second
    Expect Cleanup    stream=second    timeout=500ms


*** Keywords ***
Two Streams Waiting Inside One Fake Model
    [Documentation]    Streams ``first`` and ``second`` of a 5 s gateway, both inside a call
    ...    to the same paced fake model.
    Open App    sample_app.main:create_long_deadline_app()    alias=patient    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Streams Tokens    a    b
    Fake Waits For Release
    Start Chat Stream    hi    name=first
    Expect Event    start    stream=first
    Start Chat Stream    hi    name=second
    Expect Event    start    stream=second
    Wait Until Fake Is Called    count=2
