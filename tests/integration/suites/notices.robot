*** Settings ***
Documentation       Mistakes Python notices on its own (a coroutine never awaited, a task
...                 exception never retrieved, a socket never closed, a finalizer that
...                 raises), and a stream that goes on after its done event, are reported
...                 against the test in which they happened.
Library             AsyncApiLibrary    timeout=5s    leak_check=${LEAK_CHECK}
Suite Setup         Open App    tests.integration.careless_app:app    mode=${MODE}
Suite Teardown      Close All Clients


*** Variables ***
${MODE}             in-process
${LEAK_CHECK}       fail


*** Test Cases ***
Forgets An Await
    Send Request    GET    /forgot-await

Leaves A Task Exception Unretrieved
    Send Request    GET    /unretrieved

Leaves A Socket Unclosed
    Send Request    GET    /unclosed

Has A Finalizer That Raises
    Send Request    GET    /finalizer-raises

Leaves A Task Running After Its Request
    Send Request    GET    /fire-and-forget

Reads To A Done Event That Is Not The End
    Start Stream    GET    /after-done    name=sloppy
    Expect Done Event

Imports An App That Forgets An Await
    Open App    tests.integration.careless_import:app    mode=${MODE}    alias=careless-import
    [Teardown]    Close Client    careless-import

Is Careful
    Send Request    GET    /careful
