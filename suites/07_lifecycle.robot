*** Settings ***
Documentation    The gateway opens its model client and its job runner at startup and must
...              close them at shutdown: a job still running then ends cancelled (not stuck in
...              running), and no work of the app outlives it. A startup failure must be
...              reported, not swallowed.

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
    Open Gateway    ${PATIENT_APP}
    Install Fake Upstream    ${UPSTREAM}
    Fake Hangs Until Cancelled
    Start Chat Stream    hi
    Expect Event    start
    Close Client    gateway
    Lifecycle Should End With    startup    shutdown

A Job Still Running At Shutdown Ends Cancelled
    [Documentation]    The shutdown cancels the job and says so; the job does not linger.
    [Tags]    unhappy-path    jobs
    Given Open Gateway
    ${job}=    And A Job Of 100 Steps Is Running
    When Close Client    gateway
    Then Lifecycle Should End With    cancelled ${job}    shutdown

A Job That Ended Before Shutdown Is Left As It Was
    [Tags]    happy-path    jobs
    Given Open Gateway
    And Send Request    POST    /jobs    json={"steps": 1}
    And Send Request    GET    /jobs/job-1    params={"wait_for": "done", "timeout": "5"}
    And Json Field Should Be    state    done
    When Close Client    gateway
    Then Lifecycle Should End With    startup    shutdown

An App That Fails At Startup Is Reported
    [Tags]    unhappy-path
    Run Keyword And Expect Error    *app 'sample_app.main:create_broken_app()' failed during startup*
    ...    Open App    sample_app.main:create_broken_app()    mode=${MODE}

The Gauges Count A Live Stream And Return To Rest
    [Documentation]    The black-box cleanup signal must move: it counts the stream while it
    ...    is live, and is back at zero once the client has gone.
    [Tags]    happy-path    black-box
    Open Gateway    ${PATIENT_APP}
    Install Fake Upstream    ${UPSTREAM}
    Fake Waits For Release
    Start Chat Stream    hi
    Expect Event    start
    Wait Until Json Field Is    /ops/stats    active_streams    1    timeout=2s
    Wait Until Json Field Is    /ops/stats    open_upstream_calls    1    timeout=2s
    Disconnect Client
    Gauges Should Be At Rest


*** Keywords ***
A Job Of 100 Steps Is Running
    [Documentation]    Submits a job of 100 steps, waits until it runs, and returns its id.
    Send Request    POST    /jobs    json={"steps": 100}
    ${job}=    Get Json Field    id
    Send Request    GET    /jobs/${job}    params={"wait_for": "running", "timeout": "5"}
    Json Field Should Be    state    running
    RETURN    ${job}
