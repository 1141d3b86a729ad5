"""The sample LLM gateway: chat, streamed chat, background jobs and ops gauges.

Run it alone with ``uvicorn sample_app.main:app``; the suites import it in-process.

Every route but ``/health`` and ``/ops/stats`` (probes) needs ``Authorization: Bearer
<token>``. ``/chat`` and ``/jobs`` check the token before the body (401, then 422); the
stream routes validate the body first (422 whatever the token), then the token, before
the stream starts. Upstream failures are mapped as :mod:`sample_app.upstream` says.

The OpenAPI document declares every answer a route gives, errors included (the
``responses=`` dicts of :mod:`sample_app.models`), and every item of its streams, so that
a client can check each exchange against it; the suites do (``contract=openapi``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
import anyio.lowlevel
import httpx2 as httpx
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse

from .chat import StreamCall, chat_events, sync_chat_events
from .config import Settings
from .deps import (
    StreamCloser,
    check_token,
    get_gauges,
    get_llm_client,
    get_settings,
    require_token,
    stream_closer,
)
from .jobs import TERMINAL, Job, JobRunner
from .llm import EchoModel, LLMClient, OpenAICompatibleClient, Reply
from .models import (
    JOB_EVENTS,
    REFUSED,
    UNKNOWN_JOB,
    UPSTREAM_FAILED,
    ChatEvent,
    ChatLine,
    ChatReply,
    ChatRequest,
    Health,
    JobData,
    JobEvent,
    JobRequest,
    Stats,
    json_line,
    sse_event,
)
from .openai_compat import add_openai_routes
from .ops import Gauges
from .upstream import UpstreamFailure, map_upstream_error, upstream_status
from .ws_chat import add_ws_routes

LIFECYCLE: list[str] = []
_SHARED: dict[str, str] = {}  # only used by the 'shared-state' bug


async def stream_call(request: Request, body: ChatRequest,
                      settings: Settings = Depends(get_settings)) -> StreamCall:
    """The stream routes' body and token check; the token is checked before the stream
    starts (401).

    The body is declared here, not on the routes, so FastAPI validates it first and skips
    this when it is invalid: an invalid body is answered 422 whatever the token, as the
    stream routes always did (``/chat`` checks the token first).
    """
    authorization = request.headers.get("authorization")
    if not settings.has_bug("auth-after-stream-start"):
        check_token(authorization, settings)
    return StreamCall(body, authorization)


def no_cache(response: Response) -> None:
    response.headers["Cache-Control"] = "no-cache"  # SSE responses get it from FastAPI


ChatStreamCall = Annotated[StreamCall, Depends(stream_call)]
LLMDep = Annotated[LLMClient, Depends(get_llm_client)]
GaugesDep = Annotated[Gauges, Depends(get_gauges)]
CloserDep = Annotated[StreamCloser, Depends(stream_closer)]
Authorized = [Depends(require_token)]


def _make_llm(settings: Settings) -> LLMClient:
    if settings.llm_url:
        return OpenAICompatibleClient(settings.llm_url, settings.llm_key,
                                      timeout=settings.upstream_timeout,
                                      max_connections=settings.llm_max_connections,
                                      bug=settings.bug)
    return EchoModel(settings.token_delay, bug=settings.bug)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings come from the environment unless given."""
    settings = settings or Settings.from_env()
    bug = settings.has_bug

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.llm = _make_llm(settings)
        try:
            async with anyio.create_task_group() as jobs_group:
                runner = JobRunner(jobs_group, settings)
                app.state.jobs = runner
                LIFECYCLE.append("startup")
                try:
                    yield
                finally:
                    jobs_group.cancel_scope.cancel()
            LIFECYCLE.extend(f"cancelled {job}" for job in runner.cancelled_at_shutdown())
        finally:
            if not bug("llm-client-not-closed-at-shutdown"):
                with anyio.CancelScope(shield=True):
                    await app.state.llm.aclose()
            LIFECYCLE.append("shutdown")

    app = FastAPI(title="Sample LLM gateway", lifespan=lifespan)
    app.state.settings = settings
    app.state.gauges = Gauges()

    @app.exception_handler(UpstreamFailure)
    async def upstream_failed(request: Request, exc: UpstreamFailure) -> JSONResponse:
        return JSONResponse({"error": {"kind": exc.kind, "message": exc.message}},
                            status_code=exc.status, headers=exc.headers)

    @app.get("/health")
    async def health() -> Health:
        return Health(status="ok", bug=settings.bug)

    @app.get("/ops/stats")
    async def stats(gauges: Gauges = Depends(get_gauges)) -> Stats:
        return Stats(**gauges.snapshot())

    @app.post("/chat", responses={**REFUSED, **UPSTREAM_FAILED})
    async def chat(body: ChatRequest, _: str = Depends(require_token),
                   llm: LLMClient = Depends(get_llm_client),
                   gauges: Gauges = Depends(get_gauges)) -> ChatReply:
        prompt = body.message
        max_tokens = 16 if bug("max-tokens-ignored") else body.max_tokens
        if bug("shared-state"):
            _SHARED["prompt"] = body.message
            await anyio.lowlevel.checkpoint()  # any await lets another request overwrite the slot
            prompt = _SHARED["prompt"]
        served = gauges.requests_served
        try:
            reply = await _complete(llm, prompt, max_tokens, settings)
        except (TimeoutError, httpx.HTTPError) as exc:
            if bug("blocking-backoff-on-rate-limit") and upstream_status(exc) == 429:
                time.sleep(0.5)  # noqa: ASYNC251 -- back off a little before answering
            raise map_upstream_error(exc, settings) from None
        if bug("lost-update-counter"):
            gauges.requests_served = served + 1
        else:
            gauges.requests_served += 1
        return ChatReply(reply=reply, message=body.message)

    if bug("sync-stream-generator"):
        # Sync path operations: FastAPI iterates them in a worker thread.

        @app.post("/chat/stream", response_class=EventSourceResponse, responses=REFUSED)
        def chat_stream(call: ChatStreamCall, llm: LLMDep,
                        gauges: GaugesDep) -> Iterator[ChatEvent]:
            """The reply as Server-Sent Events: start, token..., done (or error)."""
            yield from sync_chat_events(call.body, llm, gauges, sse_event)

        @app.post("/chat/ndjson", dependencies=[Depends(no_cache)], responses=REFUSED)
        def chat_ndjson(call: ChatStreamCall, llm: LLMDep,
                        gauges: GaugesDep) -> Iterator[ChatLine]:
            """The same reply as JSON lines: one object a line, its kind in ``type``."""
            yield from sync_chat_events(call.body, llm, gauges, json_line)

    else:

        @app.post("/chat/stream", response_class=EventSourceResponse, responses=REFUSED)
        async def chat_stream(call: ChatStreamCall, llm: LLMDep, gauges: GaugesDep,
                              closer: CloserDep) -> AsyncIterator[ChatEvent]:
            """The reply as Server-Sent Events: start, token..., done (or error)."""
            async for event in closer.track(chat_events(call, llm, gauges, settings, sse_event)):
                yield event

        ndjson_headers = [] if bug("ndjson-no-cache-header") else [Depends(no_cache)]

        @app.post("/chat/ndjson", dependencies=ndjson_headers, responses=REFUSED)
        async def chat_ndjson(call: ChatStreamCall, llm: LLMDep, gauges: GaugesDep,
                              closer: CloserDep) -> AsyncIterator[ChatLine]:
            """The same reply as JSON lines: one object a line, its kind in ``type``."""
            lines = chat_events(call, llm, gauges, settings, json_line)
            if not bug("ndjson-generator-not-tracked"):
                lines = closer.track(lines)
            async for line in lines:
                yield line

    add_openai_routes(app, settings, _complete)
    add_ws_routes(app)

    @app.post("/jobs", status_code=202, responses=REFUSED)
    async def submit_job(body: JobRequest, request: Request,
                         _: str = Depends(require_token)) -> JobData:
        job = request.app.state.jobs.submit(body.kind, body.steps, body.fail_at_step)
        return JobData(**job.public())

    job_reads = [] if bug("job-routes-no-auth") else Authorized

    @app.get("/jobs/{job_id}", dependencies=job_reads, responses={**REFUSED, **UNKNOWN_JOB})
    async def get_job(job_id: str, request: Request, wait_for: str | None = None,
                      timeout: float = Query(2.0, gt=0, le=30)) -> JobData:
        """The job; with ``wait_for``, once it is in that state (or ended), or at ``timeout``
        as it is then (a long-poll)."""
        runner: JobRunner = request.app.state.jobs
        job = _job_or_404(runner, job_id)
        if wait_for is not None:
            await runner.wait_for(job, wait_for, float(timeout))
        return JobData(**job.public())

    @app.get("/jobs/{job_id}/events", response_class=EventSourceResponse,
             dependencies=job_reads, responses={**REFUSED, **UNKNOWN_JOB})
    async def job_events(job: Annotated[Job, Depends(find_job)]) -> AsyncIterator[JobEvent]:
        """The job's status and progress events from its start, in order, then done with
        the whole job; a reader that is slow or late misses nothing."""
        if bug("job-stream-current-state-only"):
            while True:
                yield sse_event("status", {"state": job.state, "id": job.id}, JOB_EVENTS)
                if job.state in TERMINAL:
                    yield sse_event("done", job.public(), JOB_EVENTS)
                    return
                await job.changed.wait()
        seen = 0
        while True:
            changed = job.changed
            if bug("job-stream-skips-on-slow-reader"):
                for event, data in job.log[seen:]:
                    yield sse_event(event, data, JOB_EVENTS)
                seen = len(job.log)  # what was logged while a yield waited is skipped
            while seen < len(job.log):
                event, data = job.log[seen]
                seen += 1
                yield sse_event(event, data, JOB_EVENTS)
            if job.state in TERMINAL:
                yield sse_event("done", job.public(), JOB_EVENTS)
                return
            await changed.wait()

    return app


async def _complete(llm: LLMClient, prompt: str, max_tokens: int, settings: Settings,
                    offered: dict[str, Any] | None = None) -> Reply:
    """The model's whole reply, within the upstream deadline; ``offered``: what the model
    is given beside its prompt (see :class:`sample_app.chat.StreamCall`)."""
    offered = offered or {}
    bug = settings.has_bug
    attempts = 2 if bug("retry-on-rate-limit") or bug("retry-after-timeout") else 1
    for attempt in range(1, attempts + 1):
        try:
            with anyio.fail_after(settings.upstream_timeout):
                return await llm.complete(prompt=prompt, max_tokens=max_tokens, **offered)
        except (TimeoutError, httpx.HTTPError) as exc:
            retry = (bug("retry-on-rate-limit") and upstream_status(exc) == 429
                     or bug("retry-after-timeout")
                     and isinstance(exc, (TimeoutError, httpx.TimeoutException)))
            if attempt == attempts or not retry:
                raise
    raise AssertionError("unreachable")


def _job_or_404(runner: JobRunner, job_id: str) -> Job:
    job = runner.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"No job has the id '{job_id}'.")
    return job


def find_job(job_id: str, request: Request) -> Job:
    """The job named in the path, or 404 before its event stream starts."""
    return _job_or_404(request.app.state.jobs, job_id)


def create_test_app() -> FastAPI:
    """The app as configured by the environment, but with a short upstream timeout (0.3 s)."""
    return create_app(dataclasses.replace(Settings.from_env(), upstream_timeout=0.3))


def create_long_deadline_app() -> FastAPI:
    """The app with a 5 s upstream deadline: long enough that a test can tell an upstream
    call cancelled when its caller left from one that ran until its deadline."""
    return create_app(dataclasses.replace(Settings.from_env(), upstream_timeout=5.0))


def create_broken_app() -> FastAPI:
    """An app whose startup fails, for testing how a startup failure is reported."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("the model configuration is missing")
        yield

    return FastAPI(lifespan=lifespan)


app = create_app()
