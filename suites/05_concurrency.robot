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

One Deadline Covers The Whole Batch And Nothing Is Left Waiting
    [Documentation]    The keyword's timeout bounds all the requests together. In-process the
    ...    app calls are cancelled with them; over a socket the connections close and the
    ...    gateway's own upstream deadline ends the handlers.
    [Tags]    unhappy-path    cancellation
    Given A Fake Model
    Fake Hangs Until Cancelled
    ${messages}=    Evaluate    ["a", "b", "c"]
    Run Keyword And Expect Error
    ...    3 of 3 concurrent requests got no answer within 0.3 s.
    ...    Send Chats Concurrently    ${messages}    timeout=300ms
    Fake Should Have Been Called Times    3
    # The last call started last, so its end is the end of all three.
    Fake Should Have Been Cancelled    timeout=5s

Concurrent Chats All Succeed
    [Tags]    happy-path
    ${messages}=    Evaluate    [f"hi {i}" for i in range(20)]
    ${replies}=    Send Chats Concurrently    ${messages}
    Length Should Be    ${replies}    20
    Every Reply Should Have Status    ${replies}    200
    Every Reply Should Echo Its Own Message    ${replies}


*** Keywords ***
Every Reply Should Have Status
    [Documentation]    Checks the status of every reply, not a sample of them.
    [Arguments]    ${replies}    ${status}
    FOR    ${response}    IN    @{replies}
        Status Should Be    ${status}    ${response}
    END

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
