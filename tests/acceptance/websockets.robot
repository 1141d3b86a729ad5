# robocop: off=LEN08
*** Settings ***
Documentation       WebSockets through the same keywords in every mode: the handshake, messages
...                 in order, the close code each side sends, a disconnect mid-answer with its
...                 cleanup observed, and a handler that leaks caught. ``MODE`` is in-process
...                 (the default), server or url: in url mode the app runs in a uvicorn of its
...                 own and cleanup is observed through what it exposes on ``/stats``.
Library             Process
Library             AsyncApiLibrary    timeout=2s
Library             ../../suites/resources/SampleAppHooks.py
Suite Setup         Start The App If It Runs On Its Own
Suite Teardown      Stop The App If It Runs On Its Own
Test Setup          Open The Socket App
Test Teardown       Close All Clients
Test Tags           websockets


*** Variables ***
${MODE}         in-process
${APP}          tests.acceptance.apps.sockets:app
&{AUTH}         Authorization=Bearer s3cr3t-token
${URL}          ${EMPTY}


*** Test Cases ***
Messages Arrive In Order And The Done Message Ends The Answer
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "tokens": 3}
    Expect Messages In Order    token    token    token    done
    WebSocket Should Be Open

A Socket Carries One Reply After Another
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "tokens": 2}
    ${first} =    Read Until Done
    Send Json Message    {"message": "again", "tokens": 3}
    ${second} =    Read Until Done
    Length Should Be    ${first}    2
    Length Should Be    ${second}    3

A Done Message Ends A Bulk Read At Once
    [Documentation]    The reply is read to its done message while the socket stays open:
    ...    the read must not wait for its deadline (an hour here; the test's own is 30 s).
    [Timeout]    30s
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "tokens": 3}
    ${items} =    Read Until Done    timeout=1h
    Length Should Be    ${items}    3
    WebSocket Should Be Open

A Reply Longer Than The Buffer Is Read To Done
    [Documentation]    More messages than the socket's buffer holds (64) wait for the reader.
    Open WebSocket    /burst?n=150&done=true
    ${count} =    Count Until Done
    Should Be Equal As Integers    ${count}    150
    WebSocket Should Be Open

A Reply After A Failed One Is Read To Its Own Done
    [Documentation]    A done that closes a failed reply (vLLM and OpenAI send one after the
    ...    error) belongs to that reply, not to the next one.
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "fail": true}
    Run Keyword And Expect Error    GLOB:*an error event arrived after 0 items*    Read Until Done
    Send Json Message    {"message": "again", "tokens": 3}
    ${items} =    Read Until Done
    Length Should Be    ${items}    3

Every Reading To Done Takes The Closing Done Right After The Error
    [Documentation]    With no message sent since the error, the done is the failed reply's.
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "fail": true}
    Expect Error Event
    ${items} =    Expect Done Event
    Should Be Equal As Integers    ${items.done.json}[tokens]    0
    Send Json Message    {"message": "hi", "fail": true}
    Expect Error Event
    ${items} =    Read Until Done
    Should Be Empty    ${items}

An Empty Reply After A Failed One Without A Closing Done Is Read
    [Documentation]    A done that arrives after the test's next message is that message's.
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "fail": true, "closing_done": false}
    Expect Error Event
    Send Json Message    {"message": "again", "tokens": 0}
    ${items} =    Expect Done Event
    Should Be Empty    ${items}
    Send Json Message    {"message": "hi", "fail": true, "closing_done": false}
    Run Keyword And Expect Error    *error event arrived*    Read Until Done
    Send Json Message    {"message": "again", "tokens": 0}
    Read Until Done

After A Failed Reply The Next Message's Done Is Expected
    [Documentation]    Once another message was sent, the failed reply's closing done is
    ...    passed over: the test waits for its new reply's done.
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "fail": true}
    Expect Error Event
    Send Json Message    {"message": "again", "tokens": 3}
    ${items} =    Expect Done Event
    Length Should Be    ${items}    3
    Should Be Equal As Integers    ${items.done.json}[tokens]    3

After A Failed Reply The Next Message's Error Is Expected
    [Documentation]    Nor is that done taken for the next reply's answer when an error is expected.
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "fail": true}
    Expect Error Event
    Send Json Message    {"message": "and again", "fail": true}
    ${error} =    Expect Error Event
    Should Be Equal    ${error.json}[message]    upstream failed
    Expect Done Event

The First Answer To A Sent Message Is Timed From The Send
    Open WebSocket    /echo
    Send Text Message    hello
    ${took} =    First Message Should Arrive Within    2s
    Should Be True    ${took} >= 0

An Answer That Does Not Come Fails The Time To First Message
    Open WebSocket    /silent    name=w
    Send Json Message    {"message": "hi"}
    Run Keyword And Expect Error
    ...    EQUALS:Expected a message on WebSocket 'w' within 50 ms of sending '{"message":"hi"}', but none arrived.
    ...    First Message Should Arrive Within    50ms

A Disconnect Mid-Answer Is Followed By The Handler's Cleanup
    Open WebSocket    /chat    headers=${AUTH}
    Send Json Message    {"message": "hi", "tokens": 40}
    Expect Message    token
    Disconnect WebSocket    code=1001
    The Handler Should Have Cleaned Up

A Handler That Never Closes Its Upstream Is Caught
    Open WebSocket    /leaky-chat
    Send Json Message    {"message": "hi", "tokens": 40}
    Expect Message    token
    Disconnect WebSocket
    Run Keyword And Expect Error
    ...    GLOB:JSON field 'open_upstreams' of GET /stats did not become 0 within 1 s; last value: *.
    ...    The Handler Should Have Cleaned Up

The Client's Close Code Reaches The App
    Open WebSocket    /echo
    Send Text Message    hello
    Expect Message    hello
    Disconnect WebSocket    code=4001    reason=done here
    Wait Until Json Field Is    /stats    last_close_code    4001

A Close Before Accepting Refuses The Handshake With 403
    ${status} =    WebSocket Should Be Refused    /chat    status=403
    Should Be Equal As Integers    ${status}    403

Opening A Refused WebSocket Fails With The Status
    Run Keyword And Expect Error
    ...    EQUALS:Expected the server to accept WebSocket 'ws1' (WebSocket /chat), but the server refused the handshake with HTTP status 403.
    ...    Open WebSocket    /chat    name=ws1

Accepting And Then Closing Is Not A Refused Handshake
    Run Keyword And Expect Error
    ...    EQUALS:Expected the server to refuse the WebSocket handshake of /accepts-then-closes, but it accepted it.
    ...    WebSocket Should Be Refused    /accepts-then-closes

The Server's Close Code And Reason Are Checked
    Open WebSocket    /closes?code=4000&reason=upstream%20down    name=c
    Expect Message    bye
    ${code} =    Expect WebSocket Closed    code=4000    reason=upstream down
    Should Be Equal As Integers    ${code}    4000

A Different Close Code Fails With Both Codes
    Open WebSocket    /closes?code=1000    name=c
    Run Keyword And Expect Error
    ...    EQUALS:Expected the server to close WebSocket 'c' with code 1011, but the server closed it with code 1000 (normal closure).
    ...    Expect WebSocket Closed    code=1011

Reading After The Server Closed Names The Close Code
    Open WebSocket    /closes?code=1011&reason=upstream%20failed    name=c
    Expect Message    bye
    Run Keyword And Expect Error
    ...    EQUALS:WebSocket 'c' (WebSocket /closes) has nothing more to read: the server closed it with code 1011 (internal error) 'upstream failed' after 1 message (last 1 read: message 0: 'bye').
    ...    Read Next Message

A Handler That Fails After Accepting Drops The Connection
    Open WebSocket    /drops    name=d
    Expect Message    one
    Expect WebSocket Closed    code=1006

Sending After The Server Closed Fails With A Sentence
    Open WebSocket    /closes    name=c
    Expect WebSocket Closed
    Run Keyword And Expect Error
    ...    EQUALS:Could not send 'again' on WebSocket 'c' (WebSocket /closes): the server closed it with code 1000 (normal closure).
    ...    Send Text Message    again

A Read That Times Out Leaves The Socket Usable
    Open WebSocket    /echo    name=e
    Run Keyword And Expect Error
    ...    EQUALS:No message arrived on WebSocket 'e' (WebSocket /echo) within 0.05 s; the WebSocket is still open (nothing was read yet).
    ...    Read Next Message    timeout=50ms
    Send Text Message    still here
    Expect Message    still here

Text, JSON And Binary Messages Round-Trip
    Open WebSocket    /echo
    Send Json Message    {"type": "ping", "n": 1}
    Expect Message    ping    field=n    value=1
    Send Binary Message    ${{b"\x00\x01\xff"}}
    ${message} =    Read Next Message
    Should Be Equal    ${message.raw}    ${{b"\x00\x01\xff"}}

A Message With Another Field Value Fails With Both Values
    Open WebSocket    /echo    name=e
    Send Json Message    {"type": "ping", "n": 2}
    Run Keyword And Expect Error
    ...    EQUALS:Expected message 'ping' on WebSocket 'e' to have n 1, got 2 (message 0 'ping': '{"type":"ping","n":2}').
    ...    Expect Message    ping    field=n    value=1

Messages Out Of Order Fail At The First Wrong One
    Open WebSocket    /chat    headers=${AUTH}    name=w
    Send Json Message    {"message": "hi", "tokens": 1}
    Run Keyword And Expect Error
    ...    EQUALS:Expected message 2 of 3 on WebSocket 'w' to be 'token', got message 1 'done': '{"type":"done","tokens":1}' (order so far: token, done).
    ...    Expect Messages In Order    token    token    done

The Offered Subprotocol Is Chosen
    Open WebSocket    /chat    headers=${AUTH}    subprotocols=${{["chat.v2", "chat.v1"]}}
    WebSocket Subprotocol Should Be    chat.v1
    Send Json Message    {"message": "hi", "tokens": 1}
    ${items} =    Read Until Done
    Length Should Be    ${items}    1

A Subprotocol The Server Did Not Choose Fails With What Was Offered
    Open WebSocket    /chat    headers=${AUTH}    subprotocols=${{["chat.v2"]}}    name=w
    Run Keyword And Expect Error
    ...    EQUALS:Expected the server to choose subprotocol 'chat.v2' for WebSocket 'w', but it chose none (offered: chat.v2).
    ...    WebSocket Subprotocol Should Be    chat.v2

An Unknown WebSocket Name Fails With The Known Ones
    Open WebSocket    /echo    name=e
    Run Keyword And Expect Error
    ...    EQUALS:No stream is named 'nope'; known streams: e.
    ...    Read Next Message    websocket=nope

Opening A Second Socket Under An Open One's Name Fails
    Open WebSocket    /echo    name=e
    Run Keyword And Expect Error
    ...    EQUALS:A WebSocket named 'e' is already open; disconnect it first.
    ...    Open WebSocket    /echo    name=e

A Token Echoed Back Is Masked Even Where A Message Is Cut Short
    [Documentation]    Summaries cut a message to 60 characters; the token straddles that
    ...    cut, so masking after cutting would show its first half.
    Set Bearer Token    tok-0123456789abcdef0123456789
    Open WebSocket    /echo    name=e
    Send Text Message    {"type": "x", "pad": "aaaaaaaaaaaaaaaaa", "auth": "tok-0123456789abcdef0123456789"}
    ${message} =    Run Keyword And Expect Error    *    Expect Message    y
    Should Not Contain    ${message}    tok-0
    Should Contain    ${message}    ***

A Close Behind More Unread Messages Than The Buffer Holds Is Seen
    Open WebSocket    /burst?n=300    name=b
    Expect WebSocket Closed    code=1000    reason=all sent    timeout=2s
    ${first} =    Read Next Message
    Should Be Equal As Integers    ${first.json}[index]    0

A Heartbeat Is Not Taken For The Answer When The Answer Is Named
    Open WebSocket    /heartbeats    name=h
    Send Json Message    {"type": "chat"}
    First Message Should Arrive Within    1s
    Run Keyword And Expect Error
    ...    EQUALS:Expected a message 'token' on WebSocket 'h' within 100 ms of sending '{"type":"chat"}', but none arrived.
    ...    First Message Should Arrive Within    100ms    name=token

Heartbeats Do Not Stretch The Deadline Of The Done Message
    Open WebSocket    /heartbeats    name=h
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event (event:done) on WebSocket 'h' (WebSocket /heartbeats) within 0.2 s, but it had not arrived by then; the WebSocket is still open (last 5 read: message * 'heartbeat'*
    ...    Expect Done Event    timeout=200ms

A Value Without A Field Is Refused, Not Ignored
    Open WebSocket    /echo
    Run Keyword And Expect Error
    ...    EQUALS:'value' is checked in a field of the message: give 'field' too (a JSON path such as text or usage.tokens).
    ...    Expect Message    token    value="never checked"

A Query In The Path And Params Are Both Sent
    Open WebSocket    /closes?code=4000    params={"reason": "both"}    name=c
    Expect WebSocket Closed    code=4000    reason=both

A Header Outside ASCII Fails With A Sentence
    Run Keyword And Expect Error
    ...    EQUALS:The value of header 'x-user' holds characters outside ASCII, which HTTP headers cannot carry as they are; percent-encode it (or send it in the body).
    ...    Open WebSocket    /echo    headers={"x-user": "Zoë"}

Subprotocols Must Be Tokens
    Run Keyword And Expect Error
    ...    EQUALS:Subprotocol 'a,b' is not valid: a subprotocol is a token (letters, digits and !#$%&'*+-.^_`|~), without spaces or commas.
    ...    Open WebSocket    /echo    subprotocols=${{["chat", "a,b"]}}
    Run Keyword And Expect Error
    ...    EQUALS:Subprotocol '' is not valid: a subprotocol is a token (letters, digits and !#$%&'*+-.^_`|~), without spaces or commas.
    ...    Open WebSocket    /echo    subprotocols=${{[""]}}

A Subprotocol The Client Never Offered Drops The Handshake
    Run Keyword And Expect Error
    ...    EQUALS:The server dropped the WebSocket handshake of /unoffered-subprotocol without answering it; an app that fails while accepting (choosing a subprotocol the client did not offer, say) does that.
    ...    Open WebSocket    /unoffered-subprotocol    subprotocols=${{["chat"]}}

A Secret Put Inside A Text Is Refused, Not Sent As Its Placeholder
    VAR    ${secret} =    ${{ robot.api.types.Secret("tok-abcdefghijklmnop") }}
    Run Keyword And Expect Error
    ...    EQUALS:Path '/echo?access_token=***' holds '<secret>', which is what a Robot Secret turns into inside a text; pass the Secret itself as a value of 'params' (or 'headers').
    ...    Open WebSocket    /echo?access_token=${secret}
    Open WebSocket    /echo    params=${{ {"access_token": $secret} }}
    Run Keyword And Expect Error
    ...    EQUALS:The message holds '<secret>', which is what a Robot Secret turns into inside a text; give the Secret itself as the message or as a value in it.
    ...    Send Json Message    {"type": "init", "token": "${secret}"}

A Secret In A Message Is Sent As Its Text And Masked
    VAR    ${secret} =    ${{ robot.api.types.Secret("tok-abcdefghijklmnop") }}
    Open WebSocket    /echo    subprotocols=${{["chat", $secret]}}
    Send Json Message    ${{ {"type": "init", "token": $secret} }}
    ${echo} =    Read Next Message
    Should Be Equal    ${echo.json}[token]    ${secret.value}
    Send Text Message    ${secret}
    ${echo} =    Read Next Message
    Should Be Equal    ${echo.data}    ${secret.value}

A Server That Does Not Read Fails The Send At Its Deadline
    Open WebSocket    /never-reads    name=n
    Run Keyword And Expect Error
    ...    GLOB:Could not send '<4194304 bytes>' on WebSocket 'n' (WebSocket /never-reads) within 2 s: the server is not reading what it is sent (the connection's buffers are full).
    ...    Send Until The Server Stops Reading

A Client Cannot Send A Reserved Close Code
    Open WebSocket    /echo
    Run Keyword And Expect Error
    ...    EQUALS:Close code 1006 cannot be sent by a client; use 1000, 1001, another code from 1007 to 1014, or 3000-4999.
    ...    Disconnect WebSocket    code=1006

A Handler That Ignores The Disconnect Is Caught
    [Documentation]    Last in the suite: by URL, the handler it leaves behind runs until the
    ...    app's process stops.
    Open WebSocket    /deaf    name=d
    Expect Message    ready
    Disconnect WebSocket
    IF    '${MODE}' == 'url'
        Run Keyword And Expect Error
        ...    GLOB:JSON field 'handlers' of GET /stats did not become 0 within 0.3 s; last value: 1.
        ...    Wait Until Json Field Is    /stats    handlers    0    timeout=300ms
    ELSE
        Run Keyword And Expect Error
        ...    GLOB:The server was still handling 'd' (WebSocket /deaf) * s after the disconnect (0.3 s deadline); its stream did not finish cleaning up.
        ...    Expect Cleanup    timeout=300ms
    END


*** Keywords ***
Send Until The Server Stops Reading
    [Documentation]    4 MB at a time, more than a socket's buffers and the library's hold.
    VAR    ${chunk} =    ${{ b"x" * 4194304 }}
    FOR    ${_}    IN RANGE    80
        Send Binary Message    ${chunk}
    END

Start The App If It Runs On Its Own
    [Documentation]    In url mode: the app in a uvicorn process of its own.
    IF    '${MODE}' != 'url'    RETURN
    ${port} =    Free Loopback Port
    ${python} =    Python Executable
    Start Process    ${python}    -m    uvicorn    ${APP}    --host    127.0.0.1    --port    ${port}
    ...    --ws    wsproto    --log-level    warning    cwd=${CURDIR}/../..    alias=socket-app
    ...    stdout=${OUTPUT DIR}/socket-app.log    stderr=STDOUT
    VAR    ${URL} =    http://127.0.0.1:${port}    scope=SUITE    # robocop: off=VAR05
    Open Url    ${URL}    alias=probe
    Wait Until Service Is Up    /stats    timeout=20s
    Close All Clients

Stop The App If It Runs On Its Own
    [Documentation]    In url mode: stop the app's process.
    IF    '${MODE}' == 'url'    Terminate Process    socket-app

Open The Socket App
    [Documentation]    The app in ``MODE``.
    IF    '${MODE}' == 'url'
        Open Url    ${URL}
    ELSE
        Open App    ${APP}    mode=${MODE}
    END

The Handler Should Have Cleaned Up
    [Documentation]    In this process (or the library's uvicorn): the handler returned by
    ...    itself and its fake upstream was closed. By URL: the app's own gauges are back to zero.
    IF    '${MODE}' == 'url'
        Wait Until Json Field Is    /stats    open_upstreams    0    timeout=1s
        Wait Until Json Field Is    /stats    handlers    0    timeout=1s
    ELSE
        Expect Cleanup    timeout=1s
        Wait Until Json Field Is    /stats    open_upstreams    0    timeout=1s
    END
