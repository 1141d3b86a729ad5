*** Settings ***
Documentation       Robot's own timeout interrupts ``Open App`` while the app starts: the
...                 app's startup must be cancelled then, not left running unknown to
...                 ``Close All Clients`` and the leak check.
Library             Collections
Library             AsyncApiLibrary    timeout=10s
# Imported first, so that the test's timeout cuts the app's startup, not its import.
Suite Setup         Evaluate    __import__("tests.acceptance.apps.startups")
Suite Teardown      Close All Clients


*** Variables ***
${MODE}     in-process


*** Test Cases ***
A Start Cut By The Test Timeout
    [Timeout]    300ms
    Open App    tests.acceptance.apps.startups:hanging    mode=${MODE}

The Cut Start Was Cancelled
    Wait Until Keyword Succeeds    2s    10ms
    ...    Startup Events Should Be    startup began    startup cancelled


*** Keywords ***
Startup Events Should Be
    [Documentation]    What the hanging app recorded of its startup.
    [Arguments]    @{expected}
    ${events} =    Evaluate    __import__("tests.acceptance.apps.startups").acceptance.apps.startups.EVENTS
    Lists Should Be Equal    ${events}    ${expected}
