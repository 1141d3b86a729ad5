# robocop: off=LEN08
*** Settings ***
Documentation       The OpenAI chunk format as clients rely on it, tool calls assembled from
...                 their deltas, and contracts given by hand: a JSON Schema file or a
...                 Pydantic model, for services without an OpenAPI document.
Library             AsyncApiLibrary    timeout=2s    done=openai    error=openai
Test Setup          Open App    tests.acceptance.apps.openai_shapes:app    alias=llm
Test Teardown       Run Keywords    Disconnect All Streams    AND    Close All Clients
Test Tags           openai    contracts


*** Test Cases ***
A Well-Formed Stream With A Tool Call And Usage
    Start Stream    POST    /good    json={"stream_options": {"include_usage": true}}
    Stream Should Follow The OpenAI Chunk Format
    Tool Call Should Be    get_weather    {"city": "Paris"}
    Streamed Text Should Be    Hi
    ${figures} =    Get Stream Metrics
    Should Be Equal As Integers    ${figures.output_tokens}    3

A Stream That Breaks The Rules Names Each Rule
    Start Stream    POST    /bad    json={"stream_options": {"include_usage": true}}
    Run Keyword And Expect Error
    ...    GLOB:Expected stream 'stream*' to follow the OpenAI chunk format, but chunk 1 follows the finish_reason of chunk 0; chunk 2 follows the finish_reason of chunk 0; chunk 2 has a tool-call delta without an index; the chunks carry 2 different ids; stream_options.include_usage was asked and no usage chunk came.
    ...    Stream Should Follow The OpenAI Chunk Format

The Finish Reason Is The Last One Given
    Start Stream    POST    /good    json={"stream_options": {"include_usage": true}}    name=good
    Finish Reason Should Be    tool_calls
    Run Keyword And Expect Error
    ...    EQUALS:Expected the finish reason 'stop' on stream 'good', got 'tool_calls'.
    ...    Finish Reason Should Be    stop

A Missing Usage Chunk Counts Only When Asked For
    Start Stream    POST    /good    json={}
    Stream Should Follow The OpenAI Chunk Format

A Tool Call Other Than Expected
    Start Stream    POST    /good    json={}    name=s
    Run Keyword And Expect Error
    ...    EQUALS:Expected tool call 0 ('get_weather') on stream 's' to have the arguments {"city": "Rome"}, got {"city": "Paris"}.
    ...    Tool Call Should Be    get_weather    {"city": "Rome"}

Every Chunk Matches A Schema File
    Start Stream    POST    /good    json={}
    Stream Should Match Schema    tests/acceptance/schemas/chunk.json

Every Chunk Matches A Pydantic Model
    Start Stream    POST    /good    json={}
    Stream Should Match Schema    tests.acceptance.apps.openai_shapes:Chunk

A Chunk That Does Not Match The Model
    Start Stream    POST    /good    json={}    name=s
    Run Keyword And Expect Error
    ...    GLOB:Item 0 of stream 's' does not match tests.acceptance.apps.openai_shapes:ChunkWithModel: the document: "model" is a required property (event 0 'message': *).
    ...    Stream Should Match Schema    tests.acceptance.apps.openai_shapes:ChunkWithModel
