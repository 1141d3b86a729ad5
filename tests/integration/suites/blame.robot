*** Settings ***
Documentation       The strict leak check blames a test only for what that test left behind,
...                 once: not a handler that finishes a moment after its stream, and not
...                 another test's leftovers.
Library             AsyncApiLibrary    timeout=2s    leak_check=fail
Suite Setup         Open App    tests.integration.slow_cleanup_app:app    mode=${MODE}
Suite Teardown      Close All Clients


*** Variables ***
${MODE}     in-process


*** Test Cases ***
Reads A Stream To Done Whose Handler Closes A Moment Later
    Start Stream    GET    /done-then-close
    Expect Done Event

Abandons A Stream That Does Not Start In Time
    Run Keyword And Expect Error    GET * got no answer within 0.2 s.
    ...    Start Stream    GET    /slow-start    timeout=200ms

Runs After The Abandoned Stream
    No Operation

Leaves A Stream Open
    Start Stream    GET    /endless    name=left-open
    Read Next Event

Runs After The Open Stream
    No Operation
