*** Settings ***
Documentation     Users close the tab mid-answer. Each time, the gateway must stop generating,
...               close its upstream call (which costs money while open) and finish its
...               handler, whatever point of the stream the disconnect hits.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Teardown     Remove Fakes And Streams


*** Test Cases ***
Disconnect At The First Chunk Cleans Up And Closes The Upstream
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model    a    b    c
    Start Chat Stream    hi
    Expect Event    start
    When Disconnect Client
    Then Expect Cleanup
    And Fake Should Be Closed

Disconnect In The Middle Of The Stream Cleans Up
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model    a    b    c
    Start Chat Stream    hi
    Release Next Token
    Expect Events In Order    start    token
    When Disconnect Client
    Then Expect Cleanup
    And Fake Should Be Closed

Disconnect At The Last Token Cleans Up
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model    a    b
    Start Chat Stream    hi
    Release Next Token    count=2
    Expect Events In Order    start    token    token
    When Disconnect Client
    Then Expect Cleanup
    And Fake Should Be Closed

Disconnect While The Model Is Still Thinking Cancels The Upstream Call
    [Tags]    unhappy-path    disconnect    cancellation
    Given A Fake Model
    Fake Hangs Until Cancelled
    Start Chat Stream    hi
    Expect Event    start
    Wait Until Fake Is Called
    When Disconnect Client
    Then Expect Cleanup
    And Fake Should Have Been Cancelled

Cleanup Completes Even Though It Runs Under Cancellation
    [Documentation]    The disconnect cancels the handler while it awaits the model; closing the
    ...    upstream then happens inside a cancelled scope and must be shielded to complete.
    [Tags]    unhappy-path    disconnect    cancellation
    Given A Paced Fake Model    a    b
    Start Chat Stream    hi
    Expect Event    start
    Wait Until Fake Is Called
    When Disconnect Client
    Then Expect Cleanup
    And Fake Should Be Closed

Disconnecting Twice Is Harmless
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model    a
    Start Chat Stream    hi
    Expect Event    start
    Disconnect Client
    Disconnect Client
    Expect Cleanup

Reading After A Disconnect Fails Clearly
    [Tags]    unhappy-path    disconnect
    Given A Paced Fake Model    a
    Start Chat Stream    hi
    Disconnect Client
    Run Keyword And Expect Error    Stream * was disconnected by the test; it cannot be read any more.
    ...    Read Next Event

After A Disconnect The Gateway's Gauges Return To Rest
    [Tags]    unhappy-path    disconnect    black-box
    Given A Paced Fake Model    a    b
    Start Chat Stream    hi
    Expect Event    start
    Disconnect Client
    Gauges Should Be At Rest

A Stream Read To The End Also Cleans Up
    [Tags]    happy-path    disconnect
    Given A Fake Model Streaming    a    b
    Start Chat Stream    hi
    Expect Done Event
    Expect Cleanup
    Fake Should Be Closed

A Slow Client Holds The Gateway Back Instead Of Piling Up Tokens
    [Documentation]    With a small buffer the app can only run ahead of the reader by a few
    ...    items (in-process) or by the socket buffers (server): big tokens fill both.
    [Tags]    unhappy-path    slow-client
    Open App    ${APP}    mode=${MODE}    alias=slow    token=${TOKEN}    buffer_size=2
    Install Fake Upstream    ${UPSTREAM}    name=big    alias=slow
    ${tokens}=    Evaluate    ['x' * 65536] * 100
    Fake Streams Tokens    @{tokens}    fake=big
    Start Chat Stream    hi    alias=slow
    Expect Event    start
    Run Keyword And Expect Error    Expected stream * to have ended, but it was still open after 0.2 s*
    ...    Stream Should Have Ended    timeout=200ms
    ${count}=    Count Until Done
    Should Be Equal As Integers    ${count}    100
    [Teardown]    Close Client    slow
