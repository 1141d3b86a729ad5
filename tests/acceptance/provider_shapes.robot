# robocop: off=LEN08
*** Settings ***
Documentation       Streams in the shapes other LLM servers send, read without workarounds: a
...                 failed stream that vLLM closes with ``[DONE]``, an older vLLM error object,
...                 legacy text completions, a long stream read to done before its figures,
...                 and Ollama's JSON lines, done at a field's value. ``MODE`` is in-process (the
...                 default) or server.
Library             AsyncApiLibrary    timeout=2s    done=openai    error=openai    leak_check=fail
Suite Setup         Open App    tests.acceptance.apps.provider_shapes:app    mode=${MODE}
Suite Teardown      Close All Clients
Test Tags           openai


*** Variables ***
${MODE}     in-process


*** Test Cases ***
The DONE That Closes A Failed Stream Need Not Be Read
    [Documentation]    The end-of-test check allows that one done after the error.
    Start Stream    POST    /failing
    ${error} =    Expect Error Event
    Should Be Equal    ${error.json}[error][message]    The model crashed.

A Server That Promises Nothing After Its Error Is Held To It
    Start Stream    POST    /old-error
    Expect Error Event
    Stream Should Have Ended With Nothing Unread
    Start Stream    POST    /failing
    Expect Error Event
    Run Keyword And Expect Error
    ...    GLOB:Expected nothing unread on stream 'stream*' when it ended, but 1 item arrived after the last one read: event 3 'message': '[[]DONE]'.
    ...    Stream Should Have Ended With Nothing Unread

Unread Items That Hold A Stream Open Are Named
    Start Stream    POST    /flood
    Run Keyword And Expect Error
    ...    GLOB:Expected stream 'stream*' to have ended with nothing unread, but it was still open after 0.2 s, and * items arrived after the last one read: event 0 'message': '"t0"' (unread items *
    ...    Stream Should Have Ended With Nothing Unread    timeout=200ms
    [Teardown]    Disconnect All Streams

A Stream Silent Longer Than The Client's Timeout Is Judged By The Keyword's
    [Documentation]    Between two parts only the reading keyword's deadline counts, in every
    ...    mode (over a socket httpx's read timeout, the client's, broke the stream first).
    [Setup]    Open App    tests.acceptance.apps.provider_shapes:app    mode=${MODE}    alias=short
    ...    timeout=200ms
    Start Stream    POST    /flood    alias=short    timeout=2s
    Run Keyword And Expect Error
    ...    GLOB:Stream 'stream*' did not reach its done event within 0.6 s; 500 items read*
    ...    Count Until Done    timeout=600ms
    [Teardown]    Run Keywords    Disconnect All Streams    AND    Close Client    short

The Text Before An Error Is The Streamed Text
    Start Stream    POST    /failing
    Expect Error Event
    ${text} =    Read Streamed Text
    Should Be Equal    ${text}    This answer${SPACE}
    ${figures} =    Get Stream Metrics
    Should Be Equal As Integers    ${figures.output_items}    2

The Chunks Before An Expected Error Follow The Format
    [Documentation]    A failed reply owes no [DONE]: the chunks before its error are checked.
    Start Stream    POST    /failing
    Expect Error Event
    Stream Should Follow The OpenAI Chunk Format

An Error Read By A Keyword That Failed On It Is Still Expected
    Start Stream    POST    /failing
    Run Keyword And Expect Error    *an error event arrived after 2 items*    Read Streamed Text
    ${error} =    Expect Error Event
    Should Be Equal    ${error.json}[error][type]    server_error

An Error No Keyword Expected Fails The Text Checks
    [Documentation]    Read one by one, the error is read but not expected: the reply failed.
    Start Stream    POST    /failing
    FOR    ${_}    IN RANGE    3
        Read Next Event
    END
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event on stream 'stream*', but an error event arrived after 2 items: event 2 *
    ...    Streamed Text Should Be    This answer${SPACE}

An Error Expected Once Is Not Expected Again After The Stream Went On
    Start Stream    POST    /failing
    Expect Error Event
    Expect Done Event
    Run Keyword And Expect Error    GLOB:*ended after 4 items*    Expect Error Event

An Older vLLM Error Object Is An Error Under The OpenAI Convention
    Start Stream    POST    /old-error
    ${error} =    Expect Error Event
    Should Be Equal    ${error.json}[message]    Out of memory.
    Streamed Text Should Be    Hi

A Legacy Text Completion Streams Its Text In Choices
    Start Stream    POST    /v1/completions
    Streamed Text Should Be    the quick brown

The Figures Of A Long Stream Follow Read Until Done
    Start Stream    POST    /long?n=250
    ${items} =    Read Until Done
    Length Should Be    ${items}    250
    ${figures} =    Get Stream Metrics
    Should Be Equal As Integers    ${figures.output_items}    250
    Streamed Text Should Contain    t249

JSON Lines Are Done At A Field's Value
    Start Stream    POST    /api/chat    format=lines    done=json:done=true
    ${items} =    Expect Done Event
    Length Should Be    ${items}    2
    Should Be Equal As Integers    ${items.done.json}[eval_count]    2
    Streamed Text Should Be    Hello there    field=message.content

JSON Lines That End Without Their Done Line Fail
    Start Stream    POST    /api/chat?last=false    format=lines    done=json:done=true
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event (json:done=true), but: Stream * ended after 2 items*
    ...    Expect Done Event

The Text Of A Stream Cut Before Its Done Line Says What Was Awaited
    Start Stream    POST    /api/chat?last=false    format=lines    done=json:done=true
    Run Keyword And Expect Error
    ...    GLOB:Expected the done event (json:done=true), but: Stream * ended after 2 items; nothing more will arrive (last 2 read: line 0: '"Hello"'; line 1: '" there"').
    ...    Streamed Text Should Be    Hello there    field=message.content

Ollama's Done Line Carries Its Usage And Finish Reason
    Start Stream    POST    /api/chat    format=lines    done=json:done=true
    ${figures} =    Get Stream Metrics    field=message.content
    Should Be Equal As Integers    ${figures.output_tokens}    2
    Should Be Equal As Integers    ${figures.output_items}    2
    Finish Reason Should Be    stop

A Done Line's Own Text Is Not Streamed Text
    Start Stream    POST    /whole-at-done    format=lines    done=json:done=true
    Streamed Text Should Be    Hello there    field=text

Gemini's Stream Ends With Its Last Text, Usage And Finish Reason
    [Documentation]    Its last event carries text: the stream's end is its done (``end``).
    Start Stream    POST    /gemini    done=end
    Streamed Text Should Be    Hi there, you    field=candidates.0.content.parts.0.text
    ${figures} =    Get Stream Metrics    field=candidates.0.content.parts.0.text
    Should Be Equal As Integers    ${figures.output_items}    3
    Should Be Equal As Integers    ${figures.output_tokens}    3
    Finish Reason Should Be    STOP

An Error Line Is Told By A Field's Value
    Start Stream    POST    /api/chat?failed=true    format=lines    done=json:done=true
    ...    error=json:status=error
    ${error} =    Expect Error Event
    Should Be Equal    ${error.json}[error]    model unloaded

Every Failed Stream Of Many Is Counted, And The First In The List Named
    ${streams} =    Start Streams Concurrently    POST    /failing    count=3
    Run Keyword And Expect Error
    ...    GLOB:3 of 3 streams did not reach their done event; the first: Expected the done event on stream 'stream-1', but an error event arrived after 2 items: event 2 'message': *
    ...    Get Metrics Of Streams    ${streams}

The Streams Read To Done Keep Their Figures When Another Fails
    VAR    @{bodies} =    ${{ {} }}    ${{ {"fail": True} }}    ${{ {} }}
    ${streams} =    Start Streams Concurrently    POST    /maybe    bodies=${bodies}
    Run Keyword And Expect Error    GLOB:*stream 'stream-2', but an error event arrived*
    ...    Get Metrics Of Streams    ${streams}
    ${figures} =    Get Metrics Of Streams    ${{ [$streams[0], $streams[2]] }}
    Should Be Equal As Integers    ${{ $figures.per_stream[1].output_items }}    2

A Stream Without Content Fails The Time To First Token Of Streams
    VAR    @{bodies} =    ${{ {} }}    ${{ {"silent": True} }}
    ${streams} =    Start Streams Concurrently    POST    /maybe    bodies=${bodies}
    Run Keyword And Expect Error
    ...    GLOB:Expected the 95th percentile time to first token of 2 streams, but 1 of them carried no content: 'stream-2'.
    ...    Time To First Token P95 Of Streams Should Be Below    ${streams}    10s

Each Reply On A Socket Has Its Own Text
    Open WebSocket    /ws/replies    done=event:done    error=event:error
    Send Json Message    {"n": 2, "tag": "a"}
    Streamed Text Should Be    a0 a1${SPACE}    field=text
    Send Json Message    {"n": 3, "tag": "b"}
    Streamed Text Should Be    b0 b1 b2${SPACE}    field=text
    Send Json Message    {"n": 1, "tag": "c"}
    ${items} =    Read Until Done
    Length Should Be    ${items}    1
    ${figures} =    Get Stream Metrics    field=text
    Should Be Equal As Integers    ${figures.output_items}    1
    [Teardown]    Disconnect WebSocket

A Socket Reply's Figures Count From The Message It Answers
    Open WebSocket    /ws/replies    done=event:done    error=event:error    name=w
    Send Json Message    {"n": 2, "tag": "a"}
    ${figures} =    Get Metrics Of Streams    ${{ ["w"] }}
    Should Be Equal As Integers    ${{ $figures.per_stream[0].output_items }}    2
    Send Json Message    {"n": 3, "tag": "b"}
    ${figures} =    Get Metrics Of Streams    ${{ ["w"] }}
    Should Be Equal As Integers    ${{ $figures.per_stream[0].output_items }}    3
    ${items} =    Read Until Done
    Length Should Be    ${items}    3
    Should Be True    $figures.per_stream[0].time_to_first_token_ms < $items[0].offset_ms
    [Teardown]    Disconnect WebSocket
