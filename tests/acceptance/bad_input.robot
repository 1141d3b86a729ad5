*** Comments ***
# robocop: off=LEN08


*** Settings ***
Documentation     Bad input gets one sentence that says what is wrong, never a Python error,
...               and what a real HTTP client would refuse is refused in every mode.

Library           AsyncApiLibrary    timeout=2s

Suite Setup       Open App    sample_app.main:create_test_app()    alias=gateway    token=test-token
Suite Teardown    Close All Clients

Test Tags         library-errors    bad-input


*** Test Cases ***
Infinite Timeout
    [Template]    Request Fails With
    Timeout must be at most a week (604800 s), got inf.    timeout=inf

Huge Timeout
    [Template]    Request Fails With
    Timeout must be at most a week (604800 s), got 1e+300.    timeout=1e300

Negative Timeout
    [Template]    Request Fails With
    Timeout must be positive, got -1 seconds.    timeout=-1s

Non-ASCII Method
    [Template]    Request Fails With
    HTTP method 'GÉT' is not valid; use e.g. GET or POST.    method=GÉT

Method With A Space
    [Template]    Request Fails With
    HTTP method 'GET X' is not valid; use e.g. GET or POST.    method=GET X

Header Value With A Line Break
    [Template]    Request Fails With
    The value of header 'X-Trace' holds a line break or NUL, which no HTTP client sends (it would smuggle in another header).
    ...    headers=${{ {"X-Trace": "a\r\nInjected: yes"} }}

Header Name With A Space
    [Template]    Request Fails With
    Header name 'X Trace' is not valid: a name is letters, digits and !#$%&'*+-.^_`|~, without spaces.
    ...    headers=${{ {"X Trace": "1"} }}

Body That Is Not JSON-Serialisable
    [Template]    Request Fails With
    The JSON body cannot be sent as JSON: Object of type object is not JSON serializable.
    ...    json=${{ {"when": object()} }}

Body With A Number That JSON Cannot Hold
    [Template]    Request Fails With
    The JSON body cannot be sent as JSON: Out of range float values are not JSON compliant*
    ...    json=${{ {"score": float("nan")} }}

A Path Of One Mebibyte
    [Template]    Request Fails With
    Path '/aaaaa*...' cannot be sent: URL too long.    path=/${{ "a" * 1048576 }}

Out-Of-Range Port
    [Template]    Open Url Fails With
    URL 'http://127.0.0.1:99999' is malformed (Port out of range 0-65535); expected something like 'http://127.0.0.1:8000'.
    ...    http://127.0.0.1:99999

Unclosed IPv6 Address
    [Template]    Open Url Fails With
    URL 'http://[::1' is malformed (Invalid IPv6 URL); expected something like 'http://127.0.0.1:8000'.
    ...    http://[::1

Port Zero
    [Template]    Open Url Fails With
    URL 'http://127.0.0.1:0' is malformed (port 0 cannot be reached); expected something like 'http://127.0.0.1:8000'.
    ...    http://127.0.0.1:0

No Host
    [Template]    Open Url Fails With
    URL 'http://:8000' is malformed; expected something like 'http://127.0.0.1:8000'.
    ...    http://:8000

Regular Expression That Does Not Compile
    Start Chat Stream    hello
    Run Keyword And Expect Error
    ...    EQUALS:Pattern 'regexp:[' is not a valid regular expression: unterminated character set at position 0.
    ...    Expect Event    regexp:[
    [Teardown]    Disconnect All Streams

App Module That Exits While Imported
    Run Keyword And Expect Error
    ...    EQUALS:Could not import module 'tests.acceptance.apps.exits_at_import' for app 'tests.acceptance.apps.exits_at_import:app': SystemExit: configuration missing.
    ...    Open App
    ...    tests.acceptance.apps.exits_at_import:app

A JSON String Is Sent As A String
    ${response} =    Send Request    POST    /chat    json="hello"
    Should Be Equal    ${response.request.content}    ${{ b'"hello"' }}
    Status Should Be    422

JSON Text With true, false And null Is Sent As JSON
    ${response} =    Send Request
    ...    POST
    ...    /chat
    ...    json={"message": "hi", "max_tokens": 2, "stream": true, "x": null}
    Status Should Be    200
    Should Be Equal    ${response.request.content}    ${{ b'{"message":"hi","max_tokens":2,"stream":true,"x":null}' }}

A Robot Dictionary Is Sent As JSON
    VAR    &{body} =    message=hi
    Send Request    POST    /chat    json=${body}
    Json Field Should Be    reply    Echo: hi

A Token Too Short To Hide
    Run Keyword And Expect Error
    ...    EQUALS:A token must have at least 4 characters, so that the log can hide it without hiding ordinary words; this one has 3.
    ...    Set Bearer Token    abc


*** Keywords ***
Request Fails With
    [Documentation]    ``Send Request`` with the given arguments fails with ``message``.
    [Arguments]    ${message}    ${method}=GET    ${path}=/health    &{arguments}
    Run Keyword And Expect Error    GLOB:${message}
    ...    Send Request    ${method}    ${path}    &{arguments}

Open Url Fails With
    [Documentation]    ``Open Url`` of ``url`` fails with ``message``.
    [Arguments]    ${message}    ${url}
    Run Keyword And Expect Error    EQUALS:${message}    Open Url    ${url}    alias=bad
