*** Settings ***
Documentation       Users close the tab mid-answer. Each time, the gateway must stop generating,
...                 close its upstream call (which costs money while open) at once, not when the
...                 upstream's own deadline ends it, and finish its handler, whatever point of
...                 the stream the disconnect hits and whichever format the stream has.

Resource            resources/gateway.resource

Suite Setup         Open Gateway    ${PATIENT_APP}
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           disconnect


*** Test Cases ***
Disconnect At The First Chunk Cleans Up And Closes The Upstream
    [Tags]    unhappy-path
    Given A Paced Fake Model    a    b    c
    And Start Chat Stream    hi
    And Expect Event    start
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnect In The Middle Of The Stream Cleans Up And Closes The Upstream
    [Tags]    unhappy-path
    Given A Paced Fake Model    a    b    c
    And Start Chat Stream    hi
    And Release Next Token
    And Expect Events In Order    start    token
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnect At The Last Token Cleans Up And Closes The Upstream
    [Tags]    unhappy-path
    Given A Paced Fake Model    a    b
    And Start Chat Stream    hi
    And Release Next Token    count=2
    And Expect Events In Order    start    token    token
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnect While The Model Is Thinking Cancels The Upstream Call
    [Tags]    unhappy-path    cancellation
    Given A Fake Model
    And Fake Hangs Until Cancelled
    And Start Chat Stream    hi
    And Expect Event    start
    And Wait Until Fake Is Called
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Have Been Cancelled

The Upstream Call Is Cancelled Right After The Disconnect, Not At Its Deadline
    [Documentation]    The upstream deadline is 5 s: an app that lets the upstream read run
    ...    on after the disconnect (a shielded read) is only stopped by that deadline.
    [Tags]    unhappy-path    cancellation
    Given A Fake Model
    And Fake Hangs Until Cancelled
    And Start Chat Stream    hi
    And Expect Event    start
    And Wait Until Fake Is Called
    When Disconnect Client
    Then Fake Should Have Been Cancelled Within    500ms
    And The Gateway Should Have Cleaned Up

Cleanup Completes Even Though It Runs Under Cancellation
    [Documentation]    The disconnect cancels the handler while it awaits the model; closing the
    ...    upstream then happens inside a cancelled scope and must be shielded to complete.
    [Tags]    unhappy-path    cancellation
    Given A Paced Fake Model    a    b
    And Start Chat Stream    hi
    And Expect Event    start
    And Wait Until Fake Is Called
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnecting Twice Is Harmless
    [Tags]    unhappy-path
    Given A Paced Fake Model    a
    And Start Chat Stream    hi
    And Expect Event    start
    When Disconnect Client
    And Disconnect Client
    Then The Gateway Should Have Cleaned Up

Reading After A Disconnect Fails Clearly
    [Tags]    unhappy-path
    Given A Paced Fake Model    a
    Start Chat Stream    hi
    Disconnect Client
    Run Keyword And Expect Error    Stream * was disconnected by the test; it cannot be read any more.
    ...    Read Next Event

A Stream Read To The End Also Cleans Up
    [Tags]    happy-path
    Given A Fake Model Streaming    a    b
    And Start Chat Stream    hi
    When Expect Done Event
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

Disconnect From A JSON Lines Stream Cleans Up And Closes The Upstream
    [Tags]    unhappy-path    ndjson
    Given A Paced Fake Model    a    b    c
    And Start Chat Stream    hi    path=/chat/ndjson    format=lines
    And Release Next Token
    And Expect Events In Order    start    token
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed

A Slow Client Holds The Gateway Back Instead Of Piling Up Tokens
    [Documentation]    With a small buffer the app can only run ahead of the reader by a few
    ...    items (in-process) or by the socket buffers (server): big tokens fill both.
    [Tags]    unhappy-path    slow-client
    Given A Slow Client Of A Model Streaming 100 Big Tokens
    When Start Chat Stream    hi    max_tokens=${100}    alias=slow
    Then Expect Event    start
    And Run Keyword And Expect Error    Expected stream * to have ended, but it was still open after 0.2 s*
    ...    Stream Should Have Ended    timeout=200ms
    ${count}=    Count Until Done
    Should Be Equal As Integers    ${count}    100
    [Teardown]    Close Client    slow

A Slow Client Leaving A Backed-Up Stream Still Gets Its Upstream Closed
    [Documentation]    The gateway is stuck handing the slow client a token when it leaves;
    ...    the stream's generator must still be closed, and with it the upstream call.
    [Tags]    unhappy-path    slow-client
    Given A Slow Client Of A Model Streaming 100 Big Tokens
    And Start Chat Stream    hi    max_tokens=${100}    alias=slow
    And Expect Event    start
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed
    [Teardown]    Close Client    slow

A Slow Client Leaving A Backed-Up JSON Lines Stream Still Gets Its Upstream Closed
    [Tags]    unhappy-path    slow-client    ndjson
    Given A Slow Client Of A Model Streaming 100 Big Tokens
    And Start Chat Stream    hi    max_tokens=${100}    alias=slow    path=/chat/ndjson    format=lines
    And Expect Event    start
    When Disconnect Client
    Then The Gateway Should Have Cleaned Up
    And Fake Should Be Closed
    [Teardown]    Close Client    slow


*** Keywords ***
A Slow Client Of A Model Streaming 100 Big Tokens
    [Documentation]    A second client, ``slow``, that takes at most two body parts ahead of
    ...    its reader, to an app whose fake model streams 100 tokens of 64 KiB.
    Open Gateway    ${PATIENT_APP}    alias=slow    buffer_size=2
    Given A Fake Model    alias=slow
    ${tokens}=    Evaluate    ['x' * 65536] * 100
    Fake Streams Tokens    @{tokens}
