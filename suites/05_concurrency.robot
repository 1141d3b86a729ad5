*** Settings ***
Documentation     Many users talk to the gateway at once. No request may see another's prompt
...               or tokens: state shared between requests shows up only under concurrency.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Teardown     Remove Fakes And Streams

Test Tags         concurrency


*** Test Cases ***
Fifty Concurrent Chats Each Get Their Own Reply
    [Tags]    unhappy-path
    ${messages}=    Evaluate    [f"user {i} asks" for i in range(50)]
    ${replies}=    Send Chats Concurrently    ${messages}
    Every Reply Should Echo Its Own Message    ${replies}

Two Interleaved Streams Do Not Mix Their Tokens
    [Tags]    unhappy-path    stream
    Start Chat Stream    alpha    name=first
    Start Chat Stream    beta    name=second
    Expect Event    start    stream=second
    Expect Event    start    stream=first
    Token Should Be    second    Echo:
    Token Should Be    first    Echo:
    Token Should Be    second    beta
    Token Should Be    first    alpha

Concurrent Chats All Succeed
    [Tags]    happy-path
    ${messages}=    Evaluate    ["hi"] * 20
    ${replies}=    Send Chats Concurrently    ${messages}
    Length Should Be    ${replies}    20
    Status Should Be    200    ${replies}[19]


*** Keywords ***
Every Reply Should Echo Its Own Message
    [Documentation]    Cross-talk check: reply i must mention prompt i.
    [Arguments]    ${replies}
    FOR    ${response}    IN    @{replies}
        Should Be Equal    ${response.json()}[reply]    Echo: ${response.json()}[message]
    END

Token Should Be
    [Documentation]    The next token event of ``stream`` carries ``text`` (ignoring spaces).
    [Arguments]    ${stream}    ${text}
    ${event}=    Expect Event    token    stream=${stream}
    Should Be Equal    ${{ $event.json['text'].strip() }}    ${text}
