*** Settings ***
Documentation       The gateway's chat over a WebSocket (``/ws/chat``), for clients that keep one
...                 connection open: the token is checked before the socket is accepted, a reply
...                 streams token by token and ends with ``done``, the client can cancel a reply,
...                 and a model that fails closes the socket with a code the client can act on.
...                 Whenever the client leaves, mid-answer or idle, the gateway must stop the
...                 reply, close its upstream call and let its handler end.

Resource            resources/gateway.resource

Suite Setup         Open Gateways For Sockets
Suite Teardown      Close All Clients
Test Setup          Switch Client    gateway
Test Teardown       Remove Fakes And Streams

Test Tags           websocket


*** Variables ***
${CHAT}     {"type": "chat", "message": "hi", "max_tokens": 16}


*** Test Cases ***
A Connection Without A Token Is Refused At The Handshake
    [Tags]    unhappy-path    auth
    WebSocket Should Be Refused    /ws/chat    status=403    alias=anonymous

A Connection With An Unknown Token Is Refused At The Handshake
    [Tags]    unhappy-path    auth
    WebSocket Should Be Refused    /ws/chat    status=403    params=${{ {"token": "not-issued"} }}
    ...    alias=anonymous

An Upstream Failure Closes The Socket With Code 1011
    [Tags]    unhappy-path    upstream
    Given A Fake Model
    And Fake Fails With Status    500
    When Open WebSocket    /ws/chat
    And Send Json Message    ${CHAT}
    Then Expect WebSocket Closed    code=1011    reason=upstream failed
    And The Gateway Should Be Back At Rest

A Model That Never Answers Closes The Socket With Code 1013
    [Tags]    unhappy-path    upstream    timeout
    Given A Fake Model
    And Fake Hangs Until Cancelled
    When Open WebSocket    /ws/chat
    And Send Json Message    ${CHAT}
    Then Expect WebSocket Closed    code=1013    reason=upstream timeout
    And Fake Should Have Been Cancelled
    And The Gateway Should Be Back At Rest

Disconnect Mid-Answer Closes The Upstream And Ends The Handler
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model In The Patient Gateway    a    b    c
    And Open WebSocket    /ws/chat
    And Send Json Message    ${CHAT}
    And Release Next Token
    And Expect Message    token    field=text    value="a"
    When Disconnect WebSocket    code=1001
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnect While The Model Is Thinking Cancels The Upstream Call
    [Tags]    unhappy-path    disconnect    cancellation
    Given The Patient Gateway
    Given A Fake Model
    And Fake Hangs Until Cancelled
    And Open WebSocket    /ws/chat
    And Send Json Message    ${CHAT}
    And Wait Until Fake Is Called
    When Disconnect WebSocket
    Then The Gateway Should Have Cleaned Up
    And Fake Should Have Been Cancelled

Disconnect While Idle Ends The Handler
    [Tags]    unhappy-path    disconnect
    Given Open WebSocket    /ws/chat
    When Disconnect WebSocket
    Then The Gateway Should Have Cleaned Up

Cancel Stops Generation And Nothing Follows It
    [Tags]    unhappy-path    cancellation
    Given A Paced Fake Model In The Patient Gateway    a    b    c
    And Open WebSocket    /ws/chat
    And Send Json Message    ${CHAT}
    And Release Next Token
    And Expect Message    token
    When Send Json Message    {"type": "cancel"}
    Then Expect Message    cancelled    field=tokens    value=1
    And Fake Should Be Closed
    And Nothing More Should Arrive
    And WebSocket Should Be Open

An Invalid Message Gets An Error And The Socket Stays Open
    [Tags]    unhappy-path    validation
    Given A Fake Model Streaming    ok
    And Open WebSocket    /ws/chat
    When Send Text Message    this is not JSON
    Then Expect Message    error
    And Send Json Message    ${CHAT}
    And Expect Messages In Order    token    done

A Cancel Without A Reply In Progress Gets An Error
    [Tags]    unhappy-path    validation
    Given Open WebSocket    /ws/chat
    When Send Json Message    {"type": "cancel"}
    Then Expect Message    error
    And WebSocket Should Be Open

A Chat Streams Its Tokens In Order And Ends With Done
    Given A Fake Model Streaming    Hello    world
    And Open WebSocket    /ws/chat
    When Send Json Message    ${CHAT}
    Then Expect Message    token    field=text    value="Hello"
    And Expect Message    token    field=text    value="world"
    And Expect Message    done    field=tokens    value=2
    And Fake Should Be Closed

The Socket Serves A Second Chat After The First
    Given A Fake Model Streaming    one
    And Open WebSocket    /ws/chat
    When Send Json Message    ${CHAT}
    And Expect Messages In Order    token    done
    And Send Json Message    ${CHAT}
    Then Expect Messages In Order    token    done

A Token In The Query Is Accepted For Clients That Cannot Set Headers
    [Tags]    auth
    Given Open WebSocket    /ws/chat    params=${{ {"token": $TOKEN} }}    alias=anonymous
    When Send Json Message    {"type": "cancel"}
    Then Expect Message    error

The Server Sends Heartbeats While Idle
    Given Open WebSocket    /ws/chat    params=${{ {"heartbeat": "0.05"} }}
    Then Expect Messages In Order    heartbeat    heartbeat


*** Keywords ***
Open Gateways For Sockets
    [Documentation]    The gateway (0.3 s upstream deadline), the same with a 5 s deadline for
    ...    tests whose model waits for the test, and a client without credentials.
    Open Gateway
    Open Gateway    ${PATIENT_APP}    alias=patient
    Open Gateway Without Token

A Paced Fake Model In The Patient Gateway
    [Documentation]    A fake model in the 5 s gateway whose tokens appear only when released.
    [Arguments]    @{tokens}
    The Patient Gateway
    Given A Paced Fake Model    @{tokens}

The Patient Gateway
    [Documentation]    The gateway with a 5 s upstream deadline, for a model that waits for the test.
    Switch Client    patient

Nothing More Should Arrive
    [Documentation]    No message follows within 200 ms (a reply that was cancelled sends nothing).
    Run Keyword And Expect Error    No message arrived on WebSocket*
    ...    Read Next Message    timeout=200ms

The Gateway Should Be Back At Rest
    [Documentation]    The socket's handler returned and the gauges are back at zero.
    Expect Cleanup
    Gauges Should Be At Rest
