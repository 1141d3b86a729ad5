# robocop: off=LEN08
*** Settings ***
Documentation       What keywords return, and which response the checks look at. A check that
...                 passes on another test's response, or that crashes on a stream's response,
...                 gives a verdict nobody can trust.
Library             AsyncApiLibrary    timeout=2s
Suite Setup         Open App    sample_app.main:create_test_app()    alias=gateway    token=test-token
Suite Teardown      Close All Clients
Test Tags           results


*** Test Cases ***
A Response Is Left By This Test
    Send Request    GET    /health
    Status Should Be    200

No Response In A Test That Sent None
    Run Keyword And Expect Error
    ...    EQUALS:No response has been received in this test; send a request first.
    ...    Status Should Be    200

No Response After Its Client Closed
    [Setup]    Open App    sample_app.main:app    alias=short-lived
    Send Request    GET    /health    alias=short-lived
    Close Client    short-lived
    Run Keyword And Expect Error
    ...    EQUALS:No response has been received in this test; send a request first.
    ...    Status Should Be    200

Status And Headers Of A Stream's Response
    Start Chat Stream    hello
    Status Should Be    200
    Header Should Be    cache-control    no-cache
    [Teardown]    Disconnect All Streams

Wrong Status Of A Stream's Response
    ${name} =    Start Chat Stream    hello
    Run Keyword And Expect Error
    ...    EQUALS:Expected status 201 from POST /chat/stream (stream '${name}'), got 200 OK.
    ...    Status Should Be    201
    [Teardown]    Disconnect All Streams

Wrong Status Of A Refused Stream Shows Its Body
    ${name} =    Start Chat Stream    ${SPACE}
    Run Keyword And Expect Error
    ...    GLOB:Expected status 200 from POST /chat/stream (stream '${name}'), got 422 Unprocessable Content: {"detail":*The message must not be blank*
    ...    Status Should Be    200

Body Checks On A Stream's Response Say To Read The Stream
    ${name} =    Start Chat Stream    hello
    Run Keyword And Expect Error
    ...    EQUALS:The response of POST /chat/stream (stream '${name}') is a stream; read its body with 'Read Next Event', 'Read Next Chunk' or 'Read Until Done'.
    ...    Response Should Contain    Echo
    Run Keyword And Expect Error
    ...    EQUALS:The response of POST /chat/stream (stream '${name}') is a stream; read its body with 'Read Next Event', 'Read Next Chunk' or 'Read Until Done'.
    ...    Get Json Field    reply
    [Teardown]    Disconnect All Streams

A Refused Stream's Error Body Is Checked Like Any Response
    [Documentation]    A stream route that answers 401 or 422 sends an error body, not a
    ...    stream: the response checks read it.
    Start Stream    POST    /chat/stream    json={"message": ""}
    Status Should Be    422
    Json Field Should Be    detail.0.loc.1    message
    Response Should Contain    message
    Start Stream    POST    /chat/stream    json={"message": "hi"}    headers={"Authorization": "Bearer wrong-token"}
    Status Should Be    401
    ${detail} =    Get Json Field    detail
    Should Not Be Empty    ${detail}

A Response Prints As Its Status And Request
    ${response} =    Send Chat    hello
    Should Be Equal    ${{ str($response) }}    200 OK from POST /chat
    Should Be Equal    ${response.json()}[reply]    Echo: hello

A Text Where A Response Is Expected
    Run Keyword And Expect Error
    ...    EQUALS:Expected a response returned by a keyword such as 'Send Request', got str '200 OK'.
    ...    Status Should Be    200    response=200 OK

A Text Where An Event Is Expected
    Run Keyword And Expect Error
    ...    EQUALS:Expected an event returned by a keyword such as 'Read Next Event', got str.
    ...    Get Json From Event    not an event

Read Until Done Returns The Items And Count Until Done Their Number
    Start Chat Stream    one two three
    ${items} =    Read Until Done
    Length Should Be    ${items}    5
    Start Chat Stream    one two three
    ${count} =    Count Until Done
    Should Be Equal    ${count}    ${5}

Expect Cleanup Returns What It Observed, Also When Asked Twice
    Start Chat Stream    hello
    Expect Event    start
    Disconnect Client
    ${first} =    Expect Cleanup
    Should Be Equal    ${first.outcome}    returned
    Should Be True    ${first.after_disconnect_ms} >= 0
    ${second} =    Expect Cleanup
    Should Be Equal    ${second}    ${first}
