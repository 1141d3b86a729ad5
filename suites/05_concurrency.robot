*** Settings ***
Documentation       Many users talk to the gateway at once. No request may see another's prompt,
...                 token limit or tokens, no count may be lost, and one user leaving must not
...                 disturb another: state shared between requests shows up only under
...                 concurrency, so these tests keep several requests in flight together.

Library             OperatingSystem
Resource            resources/gateway.resource

Suite Setup         Open Gateway    ${PATIENT_APP}
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           concurrency


*** Variables ***
${ALPHA}            alpha one two three four five six seven eight nine
${BETA}             beta ten eleven twelve thirteen fourteen fifteen sixteen seventeen


*** Test Cases ***
Fifty Concurrent Chats All Succeed, Each With Its Own Reply
    [Tags]    happy-path
    ${messages}=    Evaluate    [f"user {i} asks" for i in range(50)]
    ${replies}=    Send Chats Concurrently    ${messages}
    Length Should Be    ${replies}    50
    Every Reply Should Have Status    ${replies}    200
    Every Reply Should Echo Its Own Message    ${replies}

Twenty Concurrent Chats Are Each Counted As Served
    [Tags]    unhappy-path    black-box
    ${before}=    Requests Served So Far
    ${messages}=    Evaluate    [f"hi {i}" for i in range(20)]
    ${replies}=    Send Chats Concurrently    ${messages}
    Every Reply Should Have Status    ${replies}    200
    ${after}=    Requests Served So Far
    Should Be Equal As Integers    ${after}    ${before + 20}    Served chats were lost from the count

Two Users Streaming At Once Each Reach The Model With Their Own Prompt And Limit
    [Documentation]    Alice asks for 2 tokens, Bob for 3; the model sends two, then thinks.
    ...    Alice's stream ends at her limit while Bob's is still in flight.
    [Tags]    unhappy-path    stream
    Given A Fake Model Streaming    a    b    c
    And Fake Hangs Until Cancelled    after_tokens=2
    When Start Chat Stream    alpha question    max_tokens=${2}    name=alice
    Then Call 1 To The Model Should Carry    alpha question    2
    When Start Chat Stream    beta question    max_tokens=${3}    name=bob
    Then Call 2 To The Model Should Carry    beta question    3
    And The Stream Should Relay Exactly    a    b    max_tokens=2    stream=alice
    And Expect Events In Order    start    token    token    stream=bob
    And Stream Should Be Open    stream=bob

Two Replies Produced At Once Do Not Mix Their Tokens
    [Documentation]    The gateway's built-in model answers ``Echo: <prompt>``, one word a
    ...    token, here 10 ms apart, so both replies are being produced at the same time.
    [Tags]    unhappy-path    stream
    [Setup]    Open A Gateway Whose Built-In Model Types Slowly
    When Start Chat Stream    ${ALPHA}    name=first
    And Start Chat Stream    ${BETA}    name=second
    Then The Stream Should Echo    ${ALPHA}    stream=first
    And The Stream Should Echo    ${BETA}    stream=second
    [Teardown]    Close Client    typing

One User Leaving Does Not Disturb Another User's Stream
    [Documentation]    Both wait on the model; one leaves; then the model answers the other.
    [Tags]    unhappy-path    stream    disconnect
    Given A Paced Fake Model    a    b
    And Start Chat Stream    hello    name=staying
    And Call 1 To The Model Should Carry    hello    16
    And Start Chat Stream    hi    name=leaving
    And Call 2 To The Model Should Carry    hi    16
    When Disconnect Client    stream=leaving
    Then Fake Should Have Been Cancelled
    When Release Next Token    count=2
    Then The Stream Should Relay Exactly    a    b    stream=staying
    And The Gateway Should Have Cleaned Up    stream=staying

One Deadline Covers The Whole Batch And Nothing Is Left Waiting
    [Documentation]    The keyword's timeout bounds all the requests together. In-process the
    ...    app calls are cancelled with them; over a socket the connections close and the
    ...    gateway's own upstream deadline ends the handlers.
    [Tags]    unhappy-path    cancellation
    [Setup]    Open Gateway    alias=impatient
    Given A Fake Model
    Fake Hangs Until Cancelled
    ${messages}=    Evaluate    ["a", "b", "c"]
    Run Keyword And Expect Error
    ...    3 of 3 concurrent requests got no answer within 0.3 s.
    ...    Send Chats Concurrently    ${messages}    timeout=300ms
    Fake Should Have Been Called Times    3
    # The last call started last, so its end is the end of all three.
    Fake Should Have Been Cancelled    timeout=5s
    [Teardown]    Close Client    impatient


*** Keywords ***
Every Reply Should Have Status
    [Documentation]    Checks the status of every reply, not a sample of them.
    [Arguments]    ${replies}    ${status}
    FOR    ${response}    IN    @{replies}
        Status Should Be    ${status}    ${response}
    END

Every Reply Should Echo Its Own Message
    [Documentation]    Cross-talk check: reply i must echo prompt i.
    [Arguments]    ${replies}
    FOR    ${response}    IN    @{replies}
        Should Be Equal    ${response.json()}[reply]    Echo: ${response.json()}[message]
    END

Open A Gateway Whose Built-In Model Types Slowly
    [Documentation]    A client ``typing`` to the gateway whose built-in model waits 10 ms
    ...    before each token.
    Set Environment Variable    SAMPLE_APP_TOKEN_DELAY    0.01
    TRY
        Open Gateway    ${PATIENT_APP}    alias=typing
    FINALLY
        Remove Environment Variable    SAMPLE_APP_TOKEN_DELAY
    END

The Stream Should Echo
    [Documentation]    The stream relays exactly the built-in model's answer to ``prompt``.
    [Arguments]    ${prompt}    ${stream}
    ${words}=    Evaluate    ("Echo: " + $prompt).split(" ")
    ${tokens}=    Evaluate    [word + " " for word in $words[:-1]] + $words[-1:]
    The Stream Should Relay Exactly    @{tokens}    stream=${stream}

Call ${number} To The Model Should Carry
    [Documentation]    The model's ``number``-th call, the latest, asked for this prompt and limit.
    [Arguments]    ${prompt}    ${max_tokens}
    Wait Until Fake Is Called    count=${number}
    Fake Should Have Been Called Times    ${number}
    Fake Should Have Received    prompt=${prompt}    max_tokens=${max_tokens}

Exactly One Stream And One Upstream Call Should Be Open
    [Documentation]    The gauges count one live stream and one open upstream call.
    Wait Until Json Field Is    /ops/stats    active_streams    1    timeout=1s
    Wait Until Json Field Is    /ops/stats    open_upstream_calls    1    timeout=1s

Requests Served So Far
    [Documentation]    The ``requests_served`` gauge now.
    Send Request    GET    /ops/stats
    ${served}=    Get Json Field    requests_served
    RETURN    ${served}
