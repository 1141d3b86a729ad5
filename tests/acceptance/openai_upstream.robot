*** Settings ***
Documentation       The fake OpenAI-compatible server, read directly by the library: the
...                 ``data: [DONE]`` done convention (here the library default), plain
...                 completions, scripted failures, and the caller going away.
Library             AsyncApiLibrary    timeout=2s    done=openai    leak_check=fail
Suite Setup         Start Upstream And Open It
Suite Teardown      Stop Upstream And Close It
Test Setup          Reset Fake    openai
Test Teardown       Disconnect All Streams
Test Tags           openai-fake


*** Variables ***
&{STREAMED}     model=fake    stream=${True}    messages=${{[{"role": "user", "content": "Hi"}]}}
&{PLAIN}        model=fake    messages=${{[{"role": "user", "content": "Hi"}]}}
# A tool call in two streamed pieces, and a whole reply that calls a tool.
&{START_FN}     name=get_weather    arguments={"city":${SPACE}
&{CALL_START}   index=${0}    id=call_1    type=function    function=${START_FN}
&{REST_FN}      arguments="Paris"}
&{CALL_REST}    index=${0}    function=${REST_FN}
&{WHOLE_FN}     name=get_weather    arguments={}
&{WHOLE_CALL}   id=call_1    type=function    function=${WHOLE_FN}
&{TOOL_REPLY}   tool_calls=${{[$WHOLE_CALL]}}


*** Test Cases ***
Streamed Chunks End With The DONE Sentinel
    Fake Streams Tokens    Hel    lo    !
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    ${first} =    Read Next Event
    Should Be Equal    ${first.json}[choices][0][delta][content]    Hel
    ${rest} =    Read Until Done
    Length Should Be    ${rest}    2
    Stream Should Have Ended
    Fake Should Have Received    prompt=Hi    stream=${True}

The Sentinel Can Also Be Named As Data
    Fake Streams Tokens    a    b
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}    done=data:[DONE]
    ${items} =    Read Until Done
    Length Should Be    ${items}    2

A Named Done Event Does Not Match The Sentinel
    Fake Streams Tokens    a
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}    done=event:done
    Run Keyword And Expect Error    GLOB:Expected the done event (event:done), but: Stream * ended after 2 items*
    ...    Expect Done Event

Plain Completion Is One JSON Reply
    Fake Replies With    The answer is 42
    Send Request    POST    /v1/chat/completions    json=${PLAIN}
    Status Should Be    200
    Json Field Should Be    choices.0.message.content    The answer is 42
    Fake Should Have Been Awaited Once

Rate Limit Is An HTTP Error With Retry-After
    Fake Fails With Status    429    retry_after=5
    Send Request    POST    /v1/chat/completions    json=${STREAMED}
    Status Should Be    429
    Header Should Be    Retry-After    5
    Json Field Should Be    error.type    rate_limit_exceeded

Failure After Some Tokens Is An Error Chunk And No DONE
    Fake Fails With Status    503    after_tokens=1
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Read Next Event
    ${error} =    Read Next Event
    Should Be Equal As Integers    ${error.json}[error][code]    503
    Run Keyword And Expect Error    GLOB:Expected the done event (data:[[]DONE]), but: Stream * ended after 2 items*
    ...    Expect Done Event

Cut Connection Breaks The Stream
    Fake Streams Tokens    a    b    c
    Fake Hangs Up    after_tokens=2
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event (data:[[]DONE]), but: Stream * broke after 2 items: RemoteProtocolError*
    ...    Expect Done Event

Silent Upstream Times Out The Read But Not The Stream
    Fake Times Out    after_tokens=1
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Read Next Event
    Run Keyword And Expect Error    GLOB:No item arrived on stream * within 0.2 s; the stream is still open*
    ...    Read Next Event    timeout=200ms
    Stream Should Be Open
    Disconnect Client
    Fake Should Have Been Cancelled

Paced Tokens Arrive Only When Released
    Fake Streams Tokens    one    two
    Fake Waits For Release
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Run Keyword And Expect Error    GLOB:No item arrived on stream * within 0.1 s*
    ...    Read Next Event    timeout=100ms
    Release Next Token    count=2
    ${count} =    Count Until Done
    Should Be Equal As Integers    ${count}    2

Caller Leaving During A Hang Is Recorded As Cancelled
    Fake Streams Tokens    a    b
    Fake Hangs Until Cancelled    after_tokens=1
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Read Next Event
    Disconnect Client
    Fake Should Have Been Cancelled
    Fake Should Be Closed

A Scripted Tool Call Is Streamed In Pieces And Finishes With Tool Calls
    Fake Streams Items    ${CALL_START}    ${CALL_REST}
    Start Stream    POST    /v1/chat/completions    json=${STREAMED}
    Tool Call Should Be    get_weather    {"city": "Paris"}
    ${chunks} =    Read Until Done
    Should Be Equal    ${chunks.done.data}    [DONE]

A Scripted Whole Reply With Tool Calls Is A Tool-Calling Message
    Fake Returns    ${TOOL_REPLY}
    Send Request    POST    /v1/chat/completions    json=${PLAIN}
    Json Field Should Be    choices.0.finish_reason    tool_calls
    Json Field Should Be    choices.0.message.tool_calls.0.function.name    get_weather


*** Keywords ***
Start Upstream And Open It
    [Documentation]    The fake upstream, and a client that reaches it by URL.
    ${url} =    Start Fake OpenAI Server
    Open Url    ${url}    alias=upstream

Stop Upstream And Close It
    [Documentation]    Client first, then the server.
    Close All Clients
    Stop Fake OpenAI Server
