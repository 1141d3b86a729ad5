# robocop: off=LEN08
*** Settings ***
Documentation       An app whose startup goes wrong is reported at once, in one sentence, in
...                 both modes, and a startup is bounded by the client's timeout.
...                 tests/integration/suites/startup_cut.robot shows that a start cut by
...                 Robot's own timeout leaves nothing running.
Library             AsyncApiLibrary    timeout=5s
Test Teardown       Close All Clients
Test Tags           library-errors    startup


*** Test Cases ***
A Lifespan That Raises, In Process
    [Template]    Open App Fails With
    in-process    sample_app.main:create_broken_app()
    ...    The app 'sample_app.main:create_broken_app()' failed during startup: RuntimeError: the model configuration is missing.

A Lifespan That Raises, Over A Socket
    [Template]    Open App Fails With
    server    sample_app.main:create_broken_app()
    ...    The app 'sample_app.main:create_broken_app()' failed during startup: RuntimeError: the model configuration is missing.

A Startup That Says It Failed, In Process
    [Template]    Open App Fails With
    in-process    tests.acceptance.apps.startups:says_failed
    ...    The app 'tests.acceptance.apps.startups:says_failed' failed during startup: database is down.

A Startup That Says It Failed, Over A Socket
    [Template]    Open App Fails With
    server    tests.acceptance.apps.startups:says_failed
    ...    The app 'tests.acceptance.apps.startups:says_failed' failed during startup: database is down.

A Module That Takes The Event Loop At Import Gets The One It Runs On, In Process
    [Documentation]    ``asyncio.get_event_loop()`` at import: the library's loop, as under uvicorn.
    Open App    tests.acceptance.apps.loop_at_import:app    mode=in-process
    Send Request    GET    /loop
    ${same} =    Get Json Field    same
    Should Be True    ${same}

A Module That Takes The Event Loop At Import Gets The One It Runs On, Over A Socket
    Open App    tests.acceptance.apps.loop_at_import:app    mode=server
    Send Request    GET    /loop
    ${same} =    Get Json Field    same
    Should Be True    ${same}

A Module That Needs The Running Loop At Import
    [Template]    Open App Fails With
    in-process    tests.acceptance.apps.needs_loop_at_import:app
    ...    Could not import module 'tests.acceptance.apps.needs_loop_at_import' for app 'tests.acceptance.apps.needs_loop_at_import:app': RuntimeError: no running event loop (the library imports an app in a thread of its own, where no event loop runs: start that work in the app's lifespan).

A Startup That Never Ends Is Bounded By The Timeout, In Process
    [Template]    Open App Fails With
    in-process    tests.acceptance.apps.startups:hanging
    ...    The app 'tests.acceptance.apps.startups:hanging' did not finish its startup within 0.3 s.
    ...    timeout=300ms

A Startup That Never Ends Is Bounded By The Timeout, Over A Socket
    [Template]    Open App Fails With
    server    tests.acceptance.apps.startups:hanging
    ...    The app 'tests.acceptance.apps.startups:hanging' did not finish its startup within 0.3 s.
    ...    timeout=300ms


*** Keywords ***
Open App Fails With
    [Documentation]    ``Open App`` of ``app`` in ``mode`` fails with exactly ``message``.
    [Arguments]    ${mode}    ${app}    ${message}    ${timeout}=5s
    Run Keyword And Expect Error    EQUALS:${message}
    ...    Open App    ${app}    mode=${mode}    timeout=${timeout}
