*** Settings ***
Documentation       The gateway's OpenAI-compatible route, read the way an OpenAI client reads it:
...                 chunks in the chat-completions format, the text their deltas spell, a
...                 finish reason, usage when asked, ``data: [DONE]`` last; a model failing half
...                 way as one error chunk and no ``[DONE]``; the whole reply without streaming;
...                 and the latency figures a product owner asks about, logged for each stream.

Resource            resources/gateway.resource

Suite Setup         Open Gateway
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           openai


*** Variables ***
${COMPLETIONS}      /v1/chat/completions


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
    And Stream Should Have Ended
    And The Gateway Should Have Cleaned Up

A Rate-Limited Model Is A 429 With Its Retry-After
    [Tags]    unhappy-path
    Given A Fake Model
    And Fake Fails With Status    429    retry_after=7
    When Send Request    POST    ${COMPLETIONS}    json=${{ {"messages": [{"role": "user", "content": "hi"}]} }}
    Then Status Should Be    429
    And Header Should Be    Retry-After    7

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
    [Arguments]    ${max_tokens}=${16}    ${include_usage}=${False}    ${name}=${NONE}
    VAR    &{options}=    include_usage=${include_usage}
    VAR    &{question}=    role=user    content=hi
    VAR    @{messages}=    ${question}
    VAR    &{body}=    messages=${messages}    stream=${True}    max_tokens=${max_tokens}
    ...    stream_options=${options}
    Start Stream    POST    ${COMPLETIONS}    json=${body}    done=openai    error=openai    name=${name}

Streamed Text Should Be Before The Error
    [Documentation]    The role chunk and the content chunks that came before the error chunk.
    [Arguments]    ${expected}
    ${first}=    Read Next Event
    Should Be Equal    ${first.json}[choices][0][delta][role]    assistant
    ${chunk}=    Read Next Event
    Should Be Equal    ${chunk.json}[choices][0][delta][content]    ${expected}

Finish Reason Should Be
    [Documentation]    Reads the stream to ``[DONE]``; its last chunk's ``finish_reason``.
    [Arguments]    ${reason}    ${stream}=${NONE}
    ${chunks}=    Read Until Done    stream=${stream}
    ${last}=    Get Json From Event    ${chunks}[-1]    choices.0.finish_reason
    Should Be Equal    ${last}    ${reason}
