*** Settings ***
Documentation       A test that leaves a stream, a fake and a client behind, then one that must
...                 start clean. Run with LEAK_CHECK set to warn or fail.
Library             AsyncApiLibrary    timeout=2s    leak_check=${LEAK_CHECK}


*** Variables ***
${LEAK_CHECK}       warn
${MODE}             in-process


*** Test Cases ***
Leaves Things Behind
    Open App    sample_app.main:create_test_app()    alias=leaky    mode=${MODE}    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client
    Fake Waits For Release
    Start Chat Stream    hi    name=left-open
    Expect Event    start

Starts Clean
    Open App    sample_app.main:create_test_app()    alias=leaky    mode=${MODE}    token=test-token
    Install Fake Upstream    sample_app.deps:get_llm_client
    Remove Fake Upstream
    Close Client    leaky
