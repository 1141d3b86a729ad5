*** Settings ***
Documentation     A gateway that pays for every upstream call must refuse bad callers before
...               it spends anything: the token is checked first in the request path, on
...               every route but the probes, streams included, before any stream starts. A
...               refusal is always 401 with ``WWW-Authenticate: Bearer`` and a sentence saying
...               what is wrong; it never reaches the model or moves a gauge.

Resource          resources/gateway.resource

Suite Setup       Open Gateway And An Anonymous Client
Suite Teardown    Close All Clients
Test Setup        Given A Fake Model
Test Teardown     Remove Fakes And Streams

Test Tags         auth


*** Variables ***
${MISSING}         ${NONE}
${NOT_BEARER}      Basic dGVzdDp0ZXN0
${NO_TOKEN}        Bearer
${EXTENDED}        Bearer ${{ getattr($TOKEN, "value", $TOKEN) }}x
${EXPIRED}         Bearer expired-token
${UNKNOWN}         Bearer not-a-token
${SAID_MISSING}    Missing bearer token.
${SAID_SHAPE}      The Authorization header must be 'Bearer <token>'.
${SAID_EXPIRED}    The bearer token has expired.
${SAID_INVALID}    Invalid bearer token.
${CHAT}            {"message": "hi"}
${JOB}             {"steps": 1}
${COMPLETION}      {"messages": [{"role": "user", "content": "hi"}]}
# The valid token in lowercase ``bearer``: the token may be a Secret, whose text is
# never logged (nor is this variable).
${LOWERCASE}       bearer ${{ getattr($TOKEN, "value", $TOKEN) }}


*** Test Cases ***
Chat Without A Token Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${MISSING}    ${SAID_MISSING}

Chat With Another Scheme Than Bearer Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${NOT_BEARER}    ${SAID_SHAPE}

Chat With An Empty Bearer Token Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${NO_TOKEN}    ${SAID_SHAPE}

Chat With A Token That Extends A Valid One Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${EXTENDED}    ${SAID_INVALID}

Chat With An Expired Token Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${EXPIRED}    ${SAID_EXPIRED}

Chat With An Unknown Token Is Refused
    [Tags]    unhappy-path
    [Template]    The Request Is Refused With 401
    POST    /chat    ${CHAT}    ${UNKNOWN}    ${SAID_INVALID}

Streamed Chat Without A Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${MISSING}    ${SAID_MISSING}

Streamed Chat With Another Scheme Than Bearer Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${NOT_BEARER}    ${SAID_SHAPE}

Streamed Chat With An Empty Bearer Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${NO_TOKEN}    ${SAID_SHAPE}

Streamed Chat With A Token That Extends A Valid One Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${EXTENDED}    ${SAID_INVALID}

Streamed Chat With An Expired Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${EXPIRED}    ${SAID_EXPIRED}

Streamed Chat With An Unknown Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream
    [Template]    The Request Is Refused With 401
    POST    /chat/stream    ${CHAT}    ${UNKNOWN}    ${SAID_INVALID}

JSON Lines Chat Without A Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream    ndjson
    [Template]    The Request Is Refused With 401
    POST    /chat/ndjson    ${CHAT}    ${MISSING}    ${SAID_MISSING}

JSON Lines Chat With Another Scheme Than Bearer Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream    ndjson
    [Template]    The Request Is Refused With 401
    POST    /chat/ndjson    ${CHAT}    ${NOT_BEARER}    ${SAID_SHAPE}

JSON Lines Chat With A Token That Extends A Valid One Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream    ndjson
    [Template]    The Request Is Refused With 401
    POST    /chat/ndjson    ${CHAT}    ${EXTENDED}    ${SAID_INVALID}

JSON Lines Chat With An Expired Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream    ndjson
    [Template]    The Request Is Refused With 401
    POST    /chat/ndjson    ${CHAT}    ${EXPIRED}    ${SAID_EXPIRED}

JSON Lines Chat With An Unknown Token Is Refused Before The Stream Starts
    [Tags]    unhappy-path    stream    ndjson
    [Template]    The Request Is Refused With 401
    POST    /chat/ndjson    ${CHAT}    ${UNKNOWN}    ${SAID_INVALID}

OpenAI-Compatible Completion With A Token That Extends A Valid One Is Refused
    [Tags]    unhappy-path    openai
    [Template]    The Request Is Refused With 401
    POST    /v1/chat/completions    ${COMPLETION}    ${EXTENDED}    ${SAID_INVALID}

OpenAI-Compatible Completion With An Expired Token Is Refused
    [Tags]    unhappy-path    openai
    [Template]    The Request Is Refused With 401
    POST    /v1/chat/completions    ${COMPLETION}    ${EXPIRED}    ${SAID_EXPIRED}

Job Submission Without A Token Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    POST    /jobs    ${JOB}    ${MISSING}    ${SAID_MISSING}

Job Submission With Another Scheme Than Bearer Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    POST    /jobs    ${JOB}    ${NOT_BEARER}    ${SAID_SHAPE}

Job Submission With A Token That Extends A Valid One Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    POST    /jobs    ${JOB}    ${EXTENDED}    ${SAID_INVALID}

Job Submission With An Expired Token Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    POST    /jobs    ${JOB}    ${EXPIRED}    ${SAID_EXPIRED}

Job Status Without A Token Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    GET    /jobs/job-1    ${NONE}    ${MISSING}    ${SAID_MISSING}

Job Status With A Token That Extends A Valid One Is Refused
    [Tags]    unhappy-path    jobs
    [Template]    The Request Is Refused With 401
    GET    /jobs/job-1    ${NONE}    ${EXTENDED}    ${SAID_INVALID}

Job Events Without A Token Are Refused Before The Stream Starts
    [Tags]    unhappy-path    jobs    stream
    [Template]    The Request Is Refused With 401
    GET    /jobs/job-1/events    ${NONE}    ${MISSING}    ${SAID_MISSING}

Job Events With An Expired Token Are Refused Before The Stream Starts
    [Tags]    unhappy-path    jobs    stream
    [Template]    The Request Is Refused With 401
    GET    /jobs/job-1/events    ${NONE}    ${EXPIRED}    ${SAID_EXPIRED}

The Health And Ops Probes Answer Without A Token
    [Documentation]    Probes are for load balancers and dashboards, which hold no token.
    [Tags]    happy-path
    Send Request    GET    /health    alias=anonymous
    Status Should Be    200
    Json Field Should Be    status    ok
    Send Request    GET    /ops/stats    alias=anonymous
    Status Should Be    200
    Json Field Should Be    active_streams    0

A Lowercase Bearer Scheme Is Accepted
    [Tags]    happy-path
    Send Request    POST    /chat    json=${CHAT}    headers={"Authorization": "${LOWERCASE}"}
    Status Should Be    200
    Fake Should Have Been Awaited Once

A Bad Chat Without A Token Is Refused Before Its Body Is Read
    [Documentation]    ``/chat`` and ``/jobs`` check the token first: a stranger learns
    ...    nothing about what a valid body looks like.
    [Tags]    unhappy-path    validation
    Send Request    POST    /chat    json={"text": "hi"}    alias=anonymous
    Status Should Be    401
    Json Field Should Be    detail    ${SAID_MISSING}


*** Keywords ***
Open Gateway And An Anonymous Client
    [Documentation]    The gateway with a valid token, and a second client that sends none.
    Open Gateway
    Open Gateway Without Token
    Switch Client    gateway

The Request Is Refused With 401
    [Documentation]    The request, sent with ``authorization`` (``${NONE}``: without the
    ...    header), is refused with 401 and ``detail``, before the model or a gauge moves.
    [Arguments]    ${method}    ${path}    ${body}    ${authorization}    ${detail}
    # Arguments are not logged at INFO or DEBUG, so the header (which may extend the
    # valid token) stays out of the log; assigned variables would not.
    VAR    ${alias}=    ${{ "anonymous" if $authorization is None else "gateway" }}
    IF    $path.endswith(("/stream", "/ndjson", "/events"))
        # Only the opening response is looked at: the stream must not have started.
        Start Stream    ${method}    ${path}    json=${body}    alias=${alias}
        ...    headers=${{ {} if $authorization is None else {"Authorization": $authorization} }}
        Status Should Be    401
        Header Should Be    WWW-Authenticate    Bearer
    END
    Send Request    ${method}    ${path}    json=${body}    alias=${alias}
    ...    headers=${{ {} if $authorization is None else {"Authorization": $authorization} }}
    Status Should Be    401
    Json Field Should Be    detail    ${detail}
    Header Should Be    WWW-Authenticate    Bearer
    Fake Should Not Have Been Called
    Gauges Should Be At Rest
