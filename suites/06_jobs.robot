*** Settings ***
Documentation     Background jobs move queued, running, then done or failed. Tests follow the
...               job's own status stream or long-poll with a deadline; they never sleep.

Resource          resources/gateway.resource

Suite Setup       Open Gateway
Suite Teardown    Close All Clients
Test Teardown     Remove Fakes And Streams

Test Tags         jobs


*** Test Cases ***
A Job Moves From Queued Through Running To Done
    [Tags]    happy-path
    ${job}=    Submit Job    steps=${3}
    Start Stream    GET    /jobs/${job}/events
    ${events}=    Expect Done Event    timeout=2s
    States Should Be    ${events}    queued    running    done

A Failing Job Ends As Failed With Its Reason
    [Tags]    unhappy-path
    ${job}=    Submit Job    steps=${3}    fail_at_step=${2}
    Start Stream    GET    /jobs/${job}/events
    ${events}=    Expect Done Event    timeout=2s
    States Should Be    ${events}    queued    running    failed
    Send Request    GET    /jobs/${job}
    Json Field Should Be    error    step 2 of 3 failed

Long-Polling Returns As Soon As The Job Is Done
    [Tags]    happy-path
    ${job}=    Submit Job    steps=${2}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "2"}
    Json Field Should Be    state    done

A Long-Poll That Times Out Answers With The Job As It Is Then
    [Documentation]    100 steps take at least half a second; the long-poll gives up after
    ...    50 ms and says where the job stands, and the job goes on to done.
    [Tags]    unhappy-path    timeout
    ${job}=    Submit Job    steps=${100}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "0.05"}
    Status Should Be    200
    Json Field Should Be    state    running
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "5"}
    Json Field Should Be    state    done
    Json Field Should Be    history    ${{ ["queued", "running", "done"] }}

An Unknown Job Is 404
    [Tags]    unhappy-path
    Send Request    GET    /jobs/job-999
    Status Should Be    404
    Json Field Should Be    detail    No job has the id 'job-999'.

A Job With Zero Steps Is Rejected With 422
    [Tags]    unhappy-path    validation
    Send Request    POST    /jobs    json={"steps": 0}
    Status Should Be    422
    Json Field Should Be    detail.0.loc.1    steps


*** Keywords ***
Submit Job
    [Documentation]    Posts a job and returns its id; the gateway answers 202 at once.
    [Arguments]    &{fields}
    Send Request    POST    /jobs    json=${fields}
    Status Should Be    202
    Json Field Should Be    state    queued
    ${id}=    Get Json Field    id
    RETURN    ${id}

States Should Be
    [Documentation]    The status events' states, in order.
    [Arguments]    ${events}    @{expected}
    ${states}=    Evaluate    [e.json["state"] for e in $events]
    Should Be Equal    ${states}    ${expected}
