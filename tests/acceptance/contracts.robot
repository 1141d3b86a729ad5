# robocop: off=LEN08
*** Settings ***
Documentation       Every exchange checked against the app's own OpenAPI document: statuses,
...                 JSON bodies, and each streamed event as it arrives, the JSON in its data
...                 against the contentSchema too. A drift is named at the event it happens.
Library             AsyncApiLibrary    timeout=2s    leak_check=fail
Test Setup          Open App    tests.acceptance.apps.contracted:app    alias=api    contract=openapi
Test Teardown       Run Keywords    Disconnect All Streams    AND    Close All Clients
Test Tags           contracts


*** Test Cases ***
A Stream That Keeps Its Contract
    Start Stream    GET    /tokens    name=s
    Expect Events In Order    token    token    token
    Stream Should Have Ended

JSON Lines That Keep Their Contract
    [Setup]    Open App    tests.acceptance.apps.contracted:app    alias=api    contract=openapi    done=end
    Start Stream    GET    /lines    format=lines    name=l
    ${items} =    Read Until Done    timeout=1s
    Length Should Be    ${items}    2

Raw Chunks Of A Contracted Stream Are Not Checked As Its Events
    [Documentation]    Read as raw chunks, a chunk can hold half an event or three: the
    ...    contract's item schema applies to events, which raw reading does not decode.
    Start Stream    GET    /tokens    format=raw    done=end    name=s
    Read Until Done

A Done Event Is Checked Like Any Other
    Start Stream    GET    /finished    name=s
    Expect Done Event
    Start Stream    GET    /finished    params={"drift": "rename"}    name=d
    Run Keyword And Expect Error
    ...    EQUALS:Event 2 of stream 'd' breaks the contract of GET /finished: /data: "tokens" is a required property (a 'done' event's data is a Done) (event: '{"token_count": 2}').
    ...    Expect Done Event

An Event Carrying Another Event Kind's Data Is Caught By Its Name
    [Documentation]    FastAPI writes the data as an anyOf of the models; an event whose name
    ...    names one of them (done -> Done, token -> TokenData) is checked against that one.
    Start Stream    GET    /finished    params={"drift": "swap"}    name=d
    Run Keyword And Expect Error
    ...    EQUALS:Event 2 of stream 'd' breaks the contract of GET /finished: /data: "tokens" is a required property (a 'done' event's data is a Done) (event: '{"index": 2, "text": "t"}').
    ...    Expect Done Event

An API Served Under A Path Is Checked By Its Own Paths
    [Documentation]    The document's paths are relative to where the API is served: a
    ...    client opened at http://host/api checks GET /api/reply as GET /reply.
    [Setup]    Open App    tests.acceptance.apps.contracted:mounted    alias=host    mode=server
    ${base} =    Get Base Url    host
    Open Url    ${base}/api    alias=api    contract=${base}/api/openapi.json
    Send Request    GET    /reply
    Json Field Should Be    tokens    2
    Run Keyword And Expect Error
    ...    EQUALS:GET /api/reply -> 200 breaks the contract: GET /reply (200) /tokens: "two" is not of type "integer".
    ...    Send Request    GET    /reply    params={"drift": "true"}

A Renamed Field In One Event
    Start Stream    GET    /tokens    params={"drift_at": "1"}    name=s
    Expect Event    token
    Run Keyword And Expect Error
    ...    EQUALS:Event 1 of stream 's' breaks the contract of GET /tokens: /data: "text" is a required property (event: '{"index": 1, "txt": "t"}').
    ...    Expect Event    token

A Wrong Type In One Event
    Start Stream    GET    /tokens    params={"drift_at": "2", "drift": "type"}    name=s
    Expect Events In Order    token    token
    Run Keyword And Expect Error
    ...    GLOB:Event 2 of stream 's' breaks the contract of GET /tokens: /data/index: "x" is not of type "integer"*
    ...    Read Next Event

A JSON Body That Drifts
    Run Keyword And Expect Error
    ...    EQUALS:GET /reply -> 200 breaks the contract: GET /reply (200) /tokens: "two" is not of type "integer".
    ...    Send Request    GET    /reply    params={"drift": "true"}

A Status The Operation Does Not Declare
    Run Keyword And Expect Error
    ...    EQUALS:GET /reply -> 418 breaks the contract: GET /reply does not declare status 418.
    ...    Send Request    GET    /reply    params={"teapot": "true"}

A Path The Contract Does Not Have
    Run Keyword And Expect Error
    ...    GLOB:GET /nowhere -> 404 breaks the contract: GET /nowhere is not an operation of the contract*
    ...    Send Request    GET    /nowhere

A Request The Contract Forbids
    [Setup]    Open App    tests.acceptance.apps.contracted:app    alias=api    contract=openapi    check_requests=${True}
    Run Keyword And Expect Error
    ...    EQUALS:The request breaks the contract: the request body of POST /echo: /tokens: "two" is not of type "integer".
    ...    Send Request    POST    /echo    json={"reply": "hi", "tokens": "two"}

A Contract File That Does Not Exist
    [Setup]    No Operation
    Run Keyword And Expect Error
    ...    EQUALS:Contract 'no/such/openapi.json' is neither 'openapi', a URL, nor a file that exists.
    ...    Open App    tests.acceptance.apps.contracted:app    contract=no/such/openapi.json
