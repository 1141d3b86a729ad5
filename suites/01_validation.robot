*** Settings ***
Documentation     Bad input is refused before the gateway spends anything on it: 422 naming
...               the field and the rule it breaks, on every route that takes a body, streams
...               included (they validate the body before anything else, the token too). Bad
...               input never reaches the model or moves a gauge; input at the limits is served.

Resource          resources/gateway.resource

Suite Setup       Open Gateway And An Anonymous Client
Suite Teardown    Close All Clients
Test Setup        Given A Fake Model
Test Teardown     Remove Fakes And Streams


*** Test Cases ***
A Bad Streamed Chat Is Rejected With 422 Whatever The Token
    [Documentation]    The stream routes validate the body before anything else.
    [Tags]    unhappy-path    auth    validation    stream
    Send Request    POST    /chat/stream    json={"text": "hi"}    alias=anonymous
    Status Should Be    422
    Json Field Should Be    detail.0.type    missing
    Fake Should Not Have Been Called

An Empty Message Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": ""}    ${{ ["body", "message"] }}    string_too_short

A Message Of Only Spaces Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": "${SPACE * 3}"}    ${{ ["body", "message"] }}    value_error

A Missing Message Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"text": "hi"}    ${{ ["body", "message"] }}    missing

A Message Over 4000 Characters Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": "${{ "x" * 4001 }}"}    ${{ ["body", "message"] }}    string_too_long

A Message That Is Not Text Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": 42}    ${{ ["body", "message"] }}    string_type

Zero Max Tokens Are Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": "hi", "max_tokens": 0}    ${{ ["body", "max_tokens"] }}    greater_than_equal

More Than 256 Max Tokens Are Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    {"message": "hi", "max_tokens": 257}    ${{ ["body", "max_tokens"] }}    less_than_equal

A Body That Is Not A JSON Object Is Rejected With 422
    [Tags]    unhappy-path    validation
    [Template]    The Body Is Rejected With 422
    /chat    [1]    ${{ ["body"] }}    model_attributes_type

A Streamed Chat With An Empty Message Is Rejected With 422
    [Tags]    unhappy-path    validation    stream
    [Template]    The Body Is Rejected With 422
    /chat/stream    {"message": ""}    ${{ ["body", "message"] }}    string_too_short

A Streamed Chat With A Message Of Only Spaces Is Rejected With 422
    [Tags]    unhappy-path    validation    stream
    [Template]    The Body Is Rejected With 422
    /chat/stream    {"message": "${SPACE * 3}"}    ${{ ["body", "message"] }}    value_error

A Streamed Chat With More Than 256 Max Tokens Is Rejected With 422
    [Tags]    unhappy-path    validation    stream
    [Template]    The Body Is Rejected With 422
    /chat/stream    {"message": "hi", "max_tokens": 257}    ${{ ["body", "max_tokens"] }}    less_than_equal

A JSON Lines Chat With A Message Of Only Spaces Is Rejected With 422
    [Tags]    unhappy-path    validation    stream    ndjson
    [Template]    The Body Is Rejected With 422
    /chat/ndjson    {"message": "${SPACE * 3}"}    ${{ ["body", "message"] }}    value_error

A JSON Lines Chat With A Missing Message Is Rejected With 422
    [Tags]    unhappy-path    validation    stream    ndjson
    [Template]    The Body Is Rejected With 422
    /chat/ndjson    {"text": "hi"}    ${{ ["body", "message"] }}    missing

An OpenAI-Compatible Completion Without Messages Is Rejected With 422
    [Tags]    unhappy-path    validation    openai
    [Template]    The Body Is Rejected With 422
    /v1/chat/completions    {"messages": []}    ${{ ["body", "messages"] }}    too_short

A Job With Zero Steps Is Rejected With 422
    [Tags]    unhappy-path    validation    jobs
    [Template]    The Body Is Rejected With 422
    /jobs    {"steps": 0}    ${{ ["body", "steps"] }}    greater_than_equal

A Job With More Than 100 Steps Is Rejected With 422
    [Tags]    unhappy-path    validation    jobs
    [Template]    The Body Is Rejected With 422
    /jobs    {"steps": 101}    ${{ ["body", "steps"] }}    less_than_equal

A Job With An Empty Kind Is Rejected With 422
    [Tags]    unhappy-path    validation    jobs
    [Template]    The Body Is Rejected With 422
    /jobs    {"kind": ""}    ${{ ["body", "kind"] }}    string_too_short

A Job Failing At Step Zero Is Rejected With 422
    [Tags]    unhappy-path    validation    jobs
    [Template]    The Body Is Rejected With 422
    /jobs    {"fail_at_step": 0}    ${{ ["body", "fail_at_step"] }}    greater_than_equal

A Message Of 4000 Characters And 256 Max Tokens Is Accepted
    [Tags]    happy-path    validation
    ${message}=    Evaluate    "x" * 4000
    Send Chat    ${message}    max_tokens=${256}
    Status Should Be    200
    Fake Should Have Received    prompt=${message}    max_tokens=256

A Valid Chat Is Answered By The Model
    [Tags]    happy-path
    Remove Fake Upstream
    Send Chat    hello world
    Status Should Be    200
    Json Field Should Be    reply    Echo: hello world
    Json Field Should Be    message    hello world


*** Keywords ***
Open Gateway And An Anonymous Client
    [Documentation]    The gateway with a valid token, and a second client that sends none.
    Open Gateway
    Open Gateway Without Token
    Switch Client    gateway

The Body Is Rejected With 422
    [Documentation]    The request with a valid token and ``body`` is rejected with 422,
    ...    its first error at ``location`` with ``type``; the model is never called.
    [Arguments]    ${path}    ${body}    ${location}    ${type}
    Send Request    POST    ${path}    json=${body}
    Status Should Be    422
    Json Field Should Be    detail.0.loc    ${location}
    Json Field Should Be    detail.0.type    ${type}
    Fake Should Not Have Been Called
    Gauges Should Be At Rest
