*** Settings ***
Documentation       A sync endpoint blocked in a worker thread cannot be cancelled. The
...                 keyword's deadline and the closing of the client must hold all the same,
...                 as they do against a real server.
Library             AsyncApiLibrary    leak_check=off
Library             tests.integration.blocking_app.Gate
Suite Setup         Open App    tests.integration.blocking_app:app    mode=${MODE}
Suite Teardown      Open Gate


*** Variables ***
${MODE}             in-process


*** Test Cases ***
The Deadline Holds While The Handler Blocks A Thread
    Close Gate
    Run Keyword And Expect Error    GET http://*/blocking got no answer within 0.3 s.
    ...    Send Request    GET    /blocking    timeout=0.3s

Closing Does Not Wait For The Blocked Handler
    Close All Clients
