# robocop: off=VAR05
*** Settings ***
Documentation       A fake HTTP upstream for any service, scripted route by route: replies,
...                 statuses with headers, streams, a stall, a cut and a malformed body; what
...                 it received; and connections the service leaves open after its shutdown.
Library             AsyncApiLibrary    timeout=2s    leak_check=fail
Suite Setup         Start The Upstream
Suite Teardown      Run Keywords    Close All Clients    AND    Stop Fake OpenAI Server    http
Test Setup          Open App    tests.acceptance.apps.relay:create_app("${UPSTREAM}")    alias=relay
Test Teardown       Run Keywords    Disconnect All Streams    AND    Close All Clients
Test Tags           fakes    http-upstream


*** Test Cases ***
A Reply Is Passed On And The Request Was As Sent
    Fake Route    POST    /v1/search    json={"hits": [1, 2]}
    Send Request    POST    /search    json={"query": "cats", "limit": 2}
    Json Field Should Be    hits    ${{ [1, 2] }}
    Fake Upstream Should Have Received    POST    /v1/search    json={"query": "cats"}

A Rate Limit Keeps Its Retry-After
    Fake Route    POST    /v1/search    status=429    json={"error": "slow down"}    headers={"Retry-After": "3"}
    Send Request    POST    /search    json={"query": "cats"}
    Status Should Be    429
    Header Should Be    Retry-After    3

A Stalled Upstream Becomes A Gateway Timeout
    Fake Route    POST    /v1/search    behaviour=stall
    Send Request    POST    /search    json={"query": "cats"}
    Status Should Be    504

A Malformed Reply Becomes A Bad Gateway
    Fake Route    POST    /v1/search    behaviour=malformed
    Send Request    POST    /search    json={"query": "cats"}
    Status Should Be    502
    Json Field Should Be    error    malformed upstream reply

A Streamed Upstream Is Relayed Item By Item
    Fake Route    GET    /v1/events    behaviour=stream    items=${{ ["a", "b"] }}
    Start Stream    GET    /relay
    Expect Exactly These Events    token    token    done

An Upstream Cut Mid-Stream Becomes An Error Event
    Fake Route    GET    /v1/events    behaviour=hang_up    items=${{ ["a"] }}
    Start Stream    GET    /relay
    Expect Event    token
    ${error} =    Expect Error Event
    Should Be Equal    ${error.data}    RemoteProtocolError

A Reset Fake Forgets Its Routes And Calls
    Fake Route    POST    /v1/search    json={"hits": [1, 2]}
    Send Request    POST    /search    json={"query": "cats"}
    Reset Fake    http
    Fake Should Not Have Been Called    http
    Send Request    POST    /search    json={"query": "cats"}
    Status Should Be    404

A Service That Closes Its Client Leaves No Connection Open
    Fake Route    POST    /v1/search    json={"hits": []}
    Send Request    POST    /search    json={"query": "cats"}
    Close Client    relay
    Fake Upstream Connections Should Be Closed

A Service That Never Closes Its Client Is Caught
    [Setup]    Open App    tests.acceptance.apps.relay:create_app("${UPSTREAM}", close_client=False)    alias=relay
    Fake Route    POST    /v1/search    json={"hits": []}
    Send Request    POST    /search    json={"query": "cats"}
    Close Client    relay
    Run Keyword And Expect Error
    ...    EQUALS:Expected every connection to the fake upstream 'http' to be closed within 0.3 s, but 1 is still open.
    ...    Fake Upstream Connections Should Be Closed    timeout=300ms


*** Keywords ***
Start The Upstream
    [Documentation]    One fake upstream for the suite; each test scripts its routes.
    ${url} =    Start Fake Http Upstream
    VAR    ${UPSTREAM} =    ${url}    scope=SUITE
