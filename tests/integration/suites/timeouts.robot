*** Settings ***
Documentation       Robot's own [Timeout] interrupts a keyword that waits on the library's loop;
...                 the in-flight work must be cancelled, and the fake upstream must record it.
Library             OperatingSystem
Library             AsyncApiLibrary    timeout=60s    leak_check=off
Suite Setup         Open App And A Hanging Fake
Suite Teardown      Close All Clients


*** Variables ***
${MODE}             in-process


*** Test Cases ***
A Hanging Request Is Cut By The Test Timeout
    [Timeout]    1s
    Send Chat    hi

The Upstream Call Of The Request Was Cancelled
    [Documentation]    In process the library runs the app call and cancels it when its
    ...    caller gives up. Over a socket it closes the connection, but uvicorn does not
    ...    cancel a plain (not streaming) handler when its client leaves: there the upstream
    ...    call ends by the app's own deadline, so this test runs in process only.
    [Tags]    in-process-only
    Fake Should Have Been Cancelled    timeout=1s

A Hanging Read Is Cut By The Test Timeout
    [Timeout]    1s
    Reset Fake
    Fake Hangs Until Cancelled
    Start Chat Stream    hi    name=slow
    Expect Event    start
    Read Next Event

The Upstream Call Of The Stream Was Cancelled
    [Documentation]    The interrupted read was cancelled at once; the stream it read was
    ...    released when its test ended, which cancelled the handler and the upstream call.
    Fake Should Have Been Cancelled    timeout=1s


*** Keywords ***
Open App And A Hanging Fake
    [Documentation]    The app's own upstream timeout (60 s) is far longer than the test
    ...    timeouts and the cancellation bounds: only the library's cancelling can end the
    ...    upstream calls in time.
    Set Environment Variable    SAMPLE_APP_UPSTREAM_TIMEOUT    60
    Open App    sample_app.main:create_app()    mode=${MODE}    disconnect_grace=200ms
    ...    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Hangs Until Cancelled
