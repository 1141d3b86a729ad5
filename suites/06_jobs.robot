*** Settings ***
Documentation       Background jobs move queued, running, then done or failed, one step at a
...                 time. A job's event stream replays everything from its start: each state and
...                 each step in order, then done with the whole job, to a reader that is late or
...                 too slow to keep up. Tests follow that stream or long-poll with a deadline;
...                 they never sleep.

Library             resources/JobEvents.py
Resource            resources/gateway.resource

Suite Setup         Open Gateway
Suite Teardown      Close All Clients
Test Teardown       Remove Fakes And Streams

Test Tags           jobs


*** Test Cases ***
A Submitted Job Is Answered 202 With Its Id And Queued State
    [Tags]    happy-path
    ${reply}=    When Send Request    POST    /jobs    json={"kind": "summary", "steps": 4}
    Then Status Should Be    202
    And Should Match Regexp    ${reply.json()}[id]    ^job-[0-9]+$
    VAR    &{expected}=    kind=summary    state=queued    step=${0}    steps=${4}
    ...    history=${{ ["queued"] }}    error=${NONE}
    And Should Be Equal    ${{ {k: v for k, v in $reply.json().items() if k != "id"} }}    ${expected}

A Job Moves From Queued Through Running To Done, Reporting Each Step
    [Tags]    happy-path
    ${job}=    Submit Job    steps=${3}
    When Start Stream    GET    /jobs/${job}/events
    Then The Job Stream Should Report    ${job}    steps=3

A Failing Job Ends As Failed With Its Reason
    [Tags]    unhappy-path
    ${job}=    Submit Job    steps=${3}    fail_at_step=${2}
    When Start Stream    GET    /jobs/${job}/events
    Then The Job Stream Should Report    ${job}    steps=3    failed_at=2
    And Send Request    GET    /jobs/${job}
    And Json Field Should Be    state    failed
    And Json Field Should Be    error    step 2 of 3 failed

A Slow Reader Still Gets Every State And Every Step In Order
    [Documentation]    The reader takes nothing until the job is over: with no buffer
    ...    in-process, the gateway waits on the reader at every event while the job goes on.
    [Tags]    unhappy-path    slow-client
    Given Open Gateway    alias=slow    buffer_size=0
    ${job}=    Submit Job    steps=${20}
    And Start Stream    GET    /jobs/${job}/events
    When The Job Is Done    ${job}
    Then The Job Stream Should Report    ${job}    steps=20
    [Teardown]    Close Client    slow

A Reader Who Comes After The End Still Gets The Whole History
    [Tags]    unhappy-path
    ${job}=    Submit Job    steps=${2}
    Given The Job Is Done    ${job}
    When Start Stream    GET    /jobs/${job}/events
    Then The Job Stream Should Report    ${job}    steps=2

Two Jobs At Once Each Report Their Own Progress
    [Tags]    unhappy-path    concurrency
    ${first}=    Submit Job    steps=${3}
    ${second}=    Submit Job    steps=${5}    kind=summary
    When Start Stream    GET    /jobs/${first}/events    name=first
    And Start Stream    GET    /jobs/${second}/events    name=second
    Then The Job Stream Should Report    ${second}    steps=5    kind=summary    stream=second
    And The Job Stream Should Report    ${first}    steps=3    stream=first

A Reader Leaving A Job's Stream Does Not Stop The Job
    [Tags]    unhappy-path    disconnect
    ${job}=    Submit Job    steps=${20}
    Given Start Stream    GET    /jobs/${job}/events
    And Expect Event    status    data={"state": "queued", "id": "${job}"}
    When Disconnect Client
    Then Expect Cleanup
    And The Job Is Done    ${job}

Long-Polling Returns As Soon As The Job Is Done
    [Tags]    happy-path
    ${job}=    Submit Job    steps=${2}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "2"}
    Status Should Be    200
    Json Field Should Be    state    done
    Json Field Should Be    step    2

Long-Polling For Running Returns While The Job Runs
    [Documentation]    100 steps take at least half a second; the job is running long before.
    [Tags]    happy-path
    ${job}=    Submit Job    steps=${100}
    Send Request    GET    /jobs/${job}    params={"wait_for": "running", "timeout": "2"}
    Status Should Be    200
    Json Field Should Be    state    running
    Json Field Should Be    history    ${{ ["queued", "running"] }}

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

A Long-Poll Of Zero Or Over 30 Seconds Is Rejected With 422
    [Tags]    unhappy-path    validation
    ${job}=    Submit Job    steps=${1}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "0"}
    Status Should Be    422
    Json Field Should Be    detail.0.loc    ${{ ["query", "timeout"] }}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "31"}
    Status Should Be    422
    Json Field Should Be    detail.0.loc    ${{ ["query", "timeout"] }}

An Unknown Job Is 404
    [Tags]    unhappy-path
    Send Request    GET    /jobs/job-999
    Status Should Be    404
    Json Field Should Be    detail    No job has the id 'job-999'.

The Events Of An Unknown Job Are 404 Before The Stream Starts
    [Tags]    unhappy-path
    Start Stream    GET    /jobs/job-999/events
    Status Should Be    404
    Send Request    GET    /jobs/job-999/events
    Json Field Should Be    detail    No job has the id 'job-999'.


*** Keywords ***
Submit Job
    [Documentation]    Posts a job and returns its id; the gateway answers 202 at once.
    [Arguments]    &{fields}
    Send Request    POST    /jobs    json=${fields}
    Status Should Be    202
    Json Field Should Be    state    queued
    ${id}=    Get Json Field    id
    RETURN    ${id}

The Job Is Done
    [Documentation]    Long-polls until the job is done.
    [Arguments]    ${job}
    Send Request    GET    /jobs/${job}    params={"wait_for": "done", "timeout": "5"}
    Json Field Should Be    state    done

The Job Stream Should Report
    [Documentation]    The job's whole stream and nothing after it, as the job was asked to
    ...    run (``steps``, ``failed_at``): see `Expected Job Events`.
    [Arguments]    ${job}    ${steps}    ${failed_at}=${NONE}    ${kind}=report    ${stream}=${NONE}
    ${expected}=    Expected Job Events    ${job}    ${steps}    failed_at=${failed_at}    kind=${kind}
    ${names}=    Evaluate    [name for name, _ in $expected]
    ${events}=    Expect Exactly These Events    @{names}    timeout=5s    stream=${stream}
    ${seen}=    Evaluate    [(event.event, event.json) for event in $events]
    Should Be Equal    ${seen}    ${expected}    Job ${job} reported the wrong events
