*** Settings ***
Documentation    The gateway opens its model client at startup and must close it at shutdown;
...              a startup failure must be reported, not swallowed.

Resource         resources/gateway.resource

Test Teardown    Close All Clients

Test Tags        lifecycle


*** Test Cases ***
Startup Runs Before The First Request
    [Tags]    happy-path
    Open Gateway
    Lifecycle Should End With    startup
    Send Request    GET    /health
    Json Field Should Be    status    ok

Shutdown Runs When The Client Is Closed
    [Tags]    happy-path
    Open Gateway
    Close Client    gateway
    Lifecycle Should End With    startup    shutdown

Closing With A Stream Still Open Still Shuts Down
    [Tags]    unhappy-path
    Open Gateway
    Install Fake Upstream    ${UPSTREAM}
    Fake Hangs Until Cancelled
    Start Chat Stream    hi
    Expect Event    start
    Close Client    gateway
    Lifecycle Should End With    startup    shutdown

An App That Fails At Startup Is Reported
    [Tags]    unhappy-path
    Run Keyword And Expect Error    *app 'sample_app.main:create_broken_app()' failed during startup*
    ...    Open App    sample_app.main:create_broken_app()    mode=${MODE}

The Gauges Count A Live Stream And Return To Rest
    [Documentation]    The black-box cleanup signal must move: it counts the stream while it
    ...    is live, and is back at zero once the client has gone.
    [Tags]    happy-path    black-box
    Open Gateway
    Install Fake Upstream    ${UPSTREAM}
    Fake Waits For Release
    Start Chat Stream    hi
    Expect Event    start
    Wait Until Json Field Is    /ops/stats    active_streams    1    timeout=2s
    Wait Until Json Field Is    /ops/stats    open_upstream_calls    1    timeout=2s
    Disconnect Client
    Gauges Should Be At Rest
