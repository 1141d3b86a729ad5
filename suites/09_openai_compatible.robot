*** Settings ***
Documentation       The gateway's OpenAI-compatible route, read the way an OpenAI client reads it:
...                 chunks in the chat-completions format, the text their deltas spell, a
...                 finish reason, usage when asked, ``data: [DONE]`` last; a model failing half
...                 way as one error chunk and no ``[DONE]``; the whole reply without streaming;
...                 the model's tool calls, streamed in pieces or whole, what happens to a call
...                 whose arguments are not JSON or that the request's ``tool_choice`` did not
...                 allow, a conversation continued after a tool run; and the latency figures a product owner
...                 asks about, logged for each stream.

Resource            resources/gateway.resource

Suite Setup         Open Gateway
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           openai


*** Variables ***
${COMPLETIONS}      /v1/chat/completions
# The tools a caller offers: OpenAI function tools.
${WEATHER}          ${{ {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}} }}
${TIME}             ${{ {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}} }}
@{TOOLS}            ${WEATHER}    ${TIME}
${NOT_JSON}         The model called the tool 'get_weather' with arguments
...                 that are not a JSON object.
${NOT_OFFERED}      The model called the tool 'delete_files', which the request did not offer.
${NAMED_WEATHER}    ${{ {"type": "function", "function": {"name": "get_weather"}} }}
# A conversation continued after a tool run: the question, the call, the tool's result.
${CALLED}           ${{ {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}} }}
@{AFTER_TOOL_RUN}
...                 ${{ {"role": "user", "content": "Weather in Paris?"} }}
...                 ${{ {"role": "assistant", "content": None, "tool_calls": [$CALLED]} }}
...                 ${{ {"role": "tool", "tool_call_id": "call_0", "content": "sunny"} }}


*** Test Cases ***
A Completion Without A Token Is Refused Before The Model Is Asked
    [Tags]    unhappy-path    auth
    [Setup]    Open Gateway Without Token
    Given A Fake Model    alias=anonymous
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": [{"role": "user", "content": "hi"}]} }}
    ...    alias=anonymous
    Then Status Should Be    401
    And Fake Should Not Have Been Called
    [Teardown]    Run Keywords    Remove Fakes And Streams    AND    Close Client    anonymous

A Conversation That Does Not End With The User's Question Is Refused
    [Tags]    unhappy-path    validation
    Given A Fake Model
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "assistant", "content": "hi"}], "stream": True} }}
    Then Status Should Be    422
    And Fake Should Not Have Been Called

A Model Failing Half Way Ends The Stream With One Error Chunk And No DONE
    [Tags]    unhappy-path
    Given A Fake Model Streaming    a    b    c
    And Fake Hangs Up    after_tokens=1
    When Start Completion Stream
    Then Streamed Text Should Be Before The Error    a
    ${error}=    Expect Error Event
    Should Be Equal    ${error.json}[error][type]    upstream_unavailable
    Should Be Equal    ${error.json}[error][message]    ${HUNG_UP}
    And Stream Should Have Ended With Nothing Unread
    And The Gateway Should Have Cleaned Up

A Rate-Limited Model Is A 429 With Its Retry-After
    [Tags]    unhappy-path
    Given A Fake Model
    And Fake Fails With Status    429    retry_after=7
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": [{"role": "user", "content": "hi"}]} }}
    Then Status Should Be    429
    And Header Should Be    Retry-After    7

Tools That Are Not Function Tools Are Refused Before The Model Is Asked
    [Tags]    unhappy-path    validation    tools
    Given A Fake Model
    VAR    @{tools}=    ${{ [{"type": "code_interpreter"}] }}
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $tools} }}
    Then Status Should Be    422
    And Fake Should Not Have Been Called

A Streamed Tool Call Whose Arguments Are Not JSON Ends With An Error Chunk
    [Documentation]    The gateway relays the pieces as they come, but does not finish the
    ...    reply with calls a client cannot run: the model's fault, as an error chunk.
    [Tags]    unhappy-path    tools
    Given A Fake Model Calling    get_weather    {"city": "Par
    When Start Completion Stream    tools=${TOOLS}
    ${error}=    Then Expect Error Event
    Should Be Equal    ${error.json}[error][type]    upstream_error
    Should Be Equal    ${error.json}[error][message]    ${NOT_JSON}
    And Stream Should Have Ended
    And The Gateway Should Have Cleaned Up

A Whole Reply Whose Tool Call Arguments Are Not JSON Is A 502
    [Tags]    unhappy-path    tools
    Given A Fake Model Replying With A Call    get_weather    city=Paris
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $TOOLS} }}
    Then Status Should Be    502
    And Error Kind Should Be    upstream_error
    And Json Field Should Be    error.message    ${NOT_JSON}

A Streamed Call Of A Tool Never Offered Ends With An Error Chunk
    [Documentation]    The model may call only the tools the request offered: a call of
    ...    any other is the model's fault, and no client may be asked to run it.
    [Tags]    unhappy-path    tools
    Given A Fake Model Calling    delete_files    {"path": "/"}
    When Start Completion Stream    tools=${TOOLS}
    ${error}=    Then Expect Error Event
    Should Be Equal    ${error.json}[error][type]    upstream_error
    Should Be Equal    ${error.json}[error][message]    ${NOT_OFFERED}
    And Stream Should Have Ended
    And The Gateway Should Have Cleaned Up

A Whole Reply Calling A Tool Never Offered Is A 502
    [Tags]    unhappy-path    tools
    Given A Fake Model Replying With A Call    delete_files    {"path": "/"}
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $TOOLS} }}
    Then Status Should Be    502
    And Error Kind Should Be    upstream_error
    And Json Field Should Be    error.message    ${NOT_OFFERED}

A Tool Choice Naming A Tool Not Offered Is Refused Before The Model Is Asked
    [Tags]    unhappy-path    validation    tools
    Given A Fake Model
    VAR    ${choice}=    ${{ {"type": "function", "function": {"name": "delete_files"}} }}
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $TOOLS, "tool_choice": $choice} }}
    Then Status Should Be    422
    And Json Field Should Be    detail.0.msg
    ...    Value error, The tool_choice names 'delete_files', which is not among the tools.
    And Fake Should Not Have Been Called

A Tool Result That Answers No Call Is Refused
    [Documentation]    Each tool result answers a call the assistant made earlier in the
    ...    conversation, by its id; one that answers none is refused before the model is asked.
    [Tags]    unhappy-path    validation    tools
    Given A Fake Model
    VAR    ${stray}=    ${{ {"role": "tool", "tool_call_id": "call_9", "content": "rain"} }}
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": [*$AFTER_TOOL_RUN, $stray], "tools": $TOOLS} }}
    Then Status Should Be    422
    And Json Field Should Be    detail.0.msg
    ...    Value error, The tool result for 'call_9' answers no call the assistant made.
    And Fake Should Not Have Been Called

A Streamed Call Under Tool Choice None Ends With An Error Chunk
    [Documentation]    With ``tool_choice: none`` the model may call no tool, offered or not.
    [Tags]    unhappy-path    tools
    Given A Fake Model Calling    get_weather    {"city": "Paris"}
    When Start Completion Stream    tools=${TOOLS}    tool_choice=none
    ${error}=    Then Expect Error Event
    Should Be Equal    ${error.json}[error][message]
    ...    The model called the tool 'get_weather', though the request's tool_choice was none.
    And Stream Should Have Ended
    And The Gateway Should Have Cleaned Up

A Streamed Call Of Another Tool Than The One Named Ends With An Error Chunk
    [Documentation]    A ``tool_choice`` that names a function lets the model call that one only.
    [Tags]    unhappy-path    tools
    Given A Fake Model Calling    get_time    {"zone": "CET"}
    When Start Completion Stream    tools=${TOOLS}    tool_choice=${NAMED_WEATHER}
    ${error}=    Then Expect Error Event
    Should Be Equal    ${error.json}[error][message]
    ...    The model called the tool 'get_time', though the request's tool_choice named 'get_weather'.
    And Stream Should Have Ended

A Whole Reply Without The Call Tool Choice Required Is A 502
    [Documentation]    With ``tool_choice: required`` a text answer is not what the client asked for.
    [Tags]    unhappy-path    tools
    Given A Fake Model
    And Fake Replies With    It is sunny.
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $TOOLS, "tool_choice": "required"} }}
    Then Status Should Be    502
    And Error Kind Should Be    upstream_error
    And Json Field Should Be    error.message
    ...    The model answered without a tool call, though the request's tool_choice was required.

A Streamed Completion Follows The OpenAI Chunk Format
    [Tags]    happy-path
    Given A Fake Model Streaming    Hel    lo    !
    When Start Completion Stream    include_usage=${True}
    Then Stream Should Follow The OpenAI Chunk Format
    And Streamed Text Should Be    Hello!
    And Fake Should Have Received    prompt=hi    max_tokens=16
    And The Gateway Should Have Cleaned Up

The Usage Chunk Counts What Was Streamed
    [Tags]    happy-path
    Given A Fake Model Streaming    a    b    c
    When Start Completion Stream    include_usage=${True}
    ${metrics}=    Get Stream Metrics
    Then Should Be Equal    ${metrics.output_tokens}    ${3}
    And Should Be Equal    ${metrics.output_items}    ${3}

A Reply Cut At Max Tokens Finishes With Length, Else With Stop
    [Tags]    happy-path
    Given A Fake Model
    And Fake Streams Tokens    a    b    c    d    call=1
    And Fake Streams Tokens    a    b    call=2
    When Start Completion Stream    max_tokens=${2}    name=cut
    Then Finish Reason Should Be    length    stream=cut
    When Start Completion Stream    max_tokens=${5}    name=whole
    Then Finish Reason Should Be    stop    stream=whole

A Streamed Tool Call Arrives In Pieces And Finishes With Tool Calls
    [Tags]    happy-path    tools
    Given A Fake Model Calling    get_weather    {"city": "Paris"}
    When Start Completion Stream    tools=${TOOLS}
    Then Finish Reason Should Be    tool_calls
    And Stream Should Follow The OpenAI Chunk Format
    And Tool Call Should Be    get_weather    {"city": "Paris"}
    And Fake Should Have Received    tools=${TOOLS}
    And The Gateway Should Have Cleaned Up

Two Parallel Tool Calls Keep Their Indexes
    [Tags]    happy-path    tools
    Given A Fake Model Calling    get_weather    {"city": "Paris"}    get_time    {"zone": "CET"}
    When Start Completion Stream    tools=${TOOLS}
    Then Stream Should Follow The OpenAI Chunk Format
    @{calls}=    Get Tool Calls
    Should Be Equal    ${{ [call["id"] for call in $calls] }}    ${{ ["call_0", "call_1"] }}
    And Tool Call Should Be    get_weather    {"city": "Paris"}    index=0
    And Tool Call Should Be    get_time    {"zone": "CET"}    index=1

A Whole Completion Carries The Model's Tool Calls
    [Tags]    happy-path    tools
    Given A Fake Model Replying With A Call    get_weather    {"city": "Paris"}
    When Send Request    POST    ${COMPLETIONS}
    ...    json=${{ {"messages": [{"role": "user", "content": "hi"}], "tools": $TOOLS} }}
    Then Status Should Be    200
    And Json Field Should Be    choices.0.message.content    ${NONE}
    And Json Field Should Be    choices.0.message.tool_calls.0.function.name    get_weather
    And Json Field Should Be    choices.0.message.tool_calls.0.function.arguments    {"city": "Paris"}
    And Json Field Should Be    choices.0.finish_reason    tool_calls
    And Fake Should Have Received    tools=${TOOLS}

A Named Tool Choice Reaches The Model
    [Tags]    happy-path    tools
    Given A Fake Model Calling    get_weather    {"city": "Paris"}
    When Start Completion Stream    tools=${TOOLS}    tool_choice=${NAMED_WEATHER}
    Then Tool Call Should Be    get_weather    {"city": "Paris"}
    And Finish Reason Should Be    tool_calls
    And Fake Should Have Received    tools=${TOOLS}    tool_choice=${NAMED_WEATHER}

A Conversation Continued After A Tool Run Reaches The Model Whole
    [Documentation]    The model answers the tool's result knowing the question and its own
    ...    call: the gateway passes the whole conversation on, the result as the prompt.
    [Tags]    happy-path    tools
    Given A Fake Model
    And Fake Replies With    It is sunny in Paris.
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": $AFTER_TOOL_RUN, "tools": $TOOLS} }}
    Then Status Should Be    200
    And Json Field Should Be    choices.0.message.content    It is sunny in Paris.
    And Json Field Should Be    choices.0.finish_reason    stop
    And Fake Should Have Received    prompt=sunny    messages=${AFTER_TOOL_RUN}    tools=${TOOLS}

A Whole Completion Carries The Reply And Its Finish Reason
    [Tags]    happy-path
    Given A Fake Model
    And Fake Replies With    Hello!
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": [{"role": "user", "content": "hi"}]} }}
    Then Status Should Be    200
    And Json Field Should Be    object    chat.completion
    And Json Field Should Be    choices.0.message.content    Hello!
    And Json Field Should Be    choices.0.finish_reason    stop


*** Keywords ***
Start Completion Stream
    [Documentation]    Asks ``/v1/chat/completions`` for a streamed reply to "hi", read under
    ...    the OpenAI done and error conventions.
    ...    With ``tools``, offers the model these tools, and with ``tool_choice``, lets it
    ...    call them as that choice says.
    [Arguments]    ${max_tokens}=${16}
    ...    ${include_usage}=${False}
    ...    ${name}=${NONE}
    ...    ${tools}=${NONE}
    ...    ${tool_choice}=${NONE}
    VAR    &{options}=    include_usage=${include_usage}
    VAR    &{question}=    role=user    content=hi
    VAR    @{messages}=    ${question}
    VAR    &{offered}=    &{EMPTY}
    IF    $tools    VAR    &{offered}=    tools=${tools}
    IF    $tool_choice    VAR    &{offered}=    &{offered}    tool_choice=${tool_choice}
    VAR    &{body}=    messages=${messages}    stream=${True}    max_tokens=${max_tokens}
    ...    stream_options=${options}    &{offered}
    Start Stream    POST    ${COMPLETIONS}    json=${body}    done=openai    error=openai    name=${name}

Streamed Text Should Be Before The Error
    [Documentation]    The role chunk and the content chunks that came before the error chunk.
    [Arguments]    ${expected}
    ${first}=    Read Next Event
    Should Be Equal    ${first.json}[choices][0][delta][role]    assistant
    ${chunk}=    Read Next Event
    Should Be Equal    ${chunk.json}[choices][0][delta][content]    ${expected}

Given A Fake Model Calling
    [Documentation]    A fake model that streams these tool calls, one after the other, the
    ...    way OpenAI streams them: ``calls`` are pairs of a function's name and its
    ...    arguments' JSON text; call ``n`` (from 0) has the index ``n`` and the id ``call_n``.
    [Arguments]    @{calls}
    VAR    @{pieces}=    @{EMPTY}
    FOR    ${index}    ${name}    ${arguments}    IN ENUMERATE    @{calls}
        ${call}=    Tool Call Pieces    ${index}    ${name}    ${arguments}
        VAR    @{pieces}=    @{pieces}    @{call}
    END
    Given A Fake Model
    Fake Streams Items    @{pieces}

Tool Call Pieces
    [Documentation]    The pieces of one streamed call: the first with its ``index``, id and
    ...    name, the next ones with the same ``index`` and ``size`` more characters of the
    ...    arguments.
    [Arguments]    ${index}    ${name}    ${arguments}    ${size}=${8}
    VAR    &{opening}=    name=${name}    arguments=${EMPTY}
    VAR    &{first}=    index=${index}    id=call_${index}    type=function    function=${opening}
    VAR    @{pieces}=    ${first}
    FOR    ${start}    IN RANGE    0    ${{ len($arguments) }}    ${size}
        VAR    &{more}=    arguments=${{ $arguments[$start:$start + $size] }}
        VAR    &{piece}=    index=${index}    function=${more}
        VAR    @{pieces}=    @{pieces}    ${piece}
    END
    RETURN    ${pieces}

Given A Fake Model Replying With A Call
    [Documentation]    A fake model whose whole reply is one call of ``name`` with these
    ...    ``arguments`` (their text), and no text of its own.
    [Arguments]    ${name}    ${arguments}
    VAR    &{function}=    name=${name}    arguments=${arguments}
    VAR    &{call}=    id=call_0    type=function    function=${function}
    VAR    @{calls}=    ${call}
    VAR    &{message}=    content=${NONE}    tool_calls=${calls}
    Given A Fake Model
    Fake Returns    ${message}
