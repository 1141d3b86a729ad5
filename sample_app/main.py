"""The sample LLM gateway: chat, streamed chat, background jobs and ops gauges.

Run it alone with ``uvicorn sample_app.main:app``; the suites import it in-process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import anyio
import anyio.from_thread
import anyio.lowlevel
import httpx2 as httpx
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field

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
from .llm import EchoModel, LLMClient, OpenAICompatibleClient
from .ops import Gauges

LIFECYCLE: list[str] = []
_SHARED: dict[str, str] = {}  # only used by the 'shared-state' bug


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=4000)
    max_tokens: int = Field(16, ge=1, le=256)


class JobRequest(BaseModel):
    kind: str = Field("report", min_length=1, max_length=40)
    steps: int = Field(3, ge=1, le=100)
    fail_at_step: int | None = Field(None, ge=1)


class UpstreamFailure(Exception):
    def __init__(self, status: int, kind: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.headers = headers or {}


def map_upstream_error(exc: BaseException, settings: Settings) -> UpstreamFailure:
    """Translate what the upstream did into the HTTP answer the gateway gives."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        status = 500 if settings.has_bug("timeout-as-500") else 504
        return UpstreamFailure(status, "upstream_timeout",
                               f"The model did not answer within {settings.upstream_timeout:g} s.")
    if isinstance(exc, httpx.HTTPStatusError):
        upstream = exc.response.status_code
        if upstream == 429 and not settings.has_bug("rate-limit-as-500"):
            headers = {}
            retry = exc.response.headers.get("retry-after")
            if retry and not settings.has_bug("no-retry-after"):
                headers["Retry-After"] = retry
            return UpstreamFailure(429, "upstream_rate_limited",
                                   "The model is rate limited; retry later.", headers)
        status = 500 if upstream == 429 else 502
        return UpstreamFailure(status, "upstream_error",
                               f"The model failed with status {upstream}.")
    return UpstreamFailure(502, "upstream_unavailable",
                           f"The model could not be reached ({type(exc).__name__}).")


# What the streams carry. FastAPI reads a stream route's item type from its return
# annotation (``AsyncIterator[Item]``) and writes it into the OpenAPI document as the
# ``itemSchema`` of ``text/event-stream`` or ``application/jsonl``.


class StartData(BaseModel):
    """The data of the ``start`` event."""
    max_tokens: int


class TokenData(BaseModel):
    """The data of a ``token`` event: the token's 1-based position and its text."""
    index: int
    text: str


class DoneData(BaseModel):
    """The data of the ``done`` event: how many tokens were sent."""
    tokens: int


class ErrorData(BaseModel):
    """The data of the ``error`` event that ends a stream whose model failed."""
    kind: str
    message: str
    after_tokens: int


ChatEvent = Annotated[StartData | TokenData | DoneData | ErrorData, Field(
    description="The data of a chat event; the SSE event name says which.")]

CHAT_EVENTS: dict[str, type[BaseModel]] = {
    "start": StartData, "token": TokenData, "done": DoneData, "error": ErrorData}


class StartLine(BaseModel):
    """The ``start`` event as a JSON line."""
    type: Literal["start"]
    max_tokens: int


class TokenLine(BaseModel):
    """A ``token`` event as a JSON line."""
    type: Literal["token"]
    index: int
    text: str


class DoneLine(BaseModel):
    """The ``done`` event as a JSON line."""
    type: Literal["done"]
    tokens: int


class ErrorLine(BaseModel):
    """The ``error`` event as a JSON line."""
    type: Literal["error"]
    kind: str
    message: str
    after_tokens: int


ChatLine = Annotated[StartLine | TokenLine | DoneLine | ErrorLine, Field(
    discriminator="type",
    description="A chat event as a JSON line: its name in type, then its data's fields.")]


class JobStatusData(BaseModel):
    """The data of a job's ``status`` event."""
    state: str
    id: str


class JobData(BaseModel):
    """A job as ``GET /jobs/{id}`` shows it; the data of its ``done`` event."""
    id: str
    kind: str
    state: str
    history: list[str]
    error: str | None


JobEvent = Annotated[JobStatusData | JobData, Field(
    description="The data of a job event: status events, then done.")]

JOB_EVENTS: dict[str, type[BaseModel]] = {"status": JobStatusData, "done": JobData}

Renderer = Callable[[str, dict[str, Any]], Any]


def sse_event(event: str, data: dict[str, Any],
              models: dict[str, type[BaseModel]] = CHAT_EVENTS) -> ServerSentEvent:
    """A named event. FastAPI passes ``ServerSentEvent`` items through unvalidated, so the
    data is checked here against the model its event name documents; it goes on as a dict,
    which FastAPI writes with ``json.dumps`` as before (a model would be written compact)."""
    return ServerSentEvent(event=event, data=models[event].model_validate(data).model_dump())


def json_line(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """A JSON line; FastAPI validates it against ``ChatLine`` and serializes it."""
    return {"type": event, **data}


@dataclasses.dataclass(frozen=True)
class StreamCall:
    """What a stream route needs of its request: the body, and the caller's credentials."""
    body: ChatRequest
    authorization: str | None


def stream_call(request: Request, body: ChatRequest,
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


def _make_llm(settings: Settings) -> LLMClient:
    if settings.llm_url:
        return OpenAICompatibleClient(settings.llm_url, settings.llm_key,
                                      timeout=settings.upstream_timeout)
    return EchoModel(settings.token_delay)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings come from the environment unless given."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.llm = _make_llm(settings)
        async with anyio.create_task_group() as jobs_group:
            app.state.jobs = JobRunner(jobs_group, settings.job_step_delay,
                                       settings.has_bug("job-stuck-running"))
            LIFECYCLE.append("startup")
            try:
                yield
            finally:
                jobs_group.cancel_scope.cancel()
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
    async def health() -> dict[str, Any]:
        return {"status": "ok", "bug": settings.bug}

    @app.get("/ops/stats")
    async def stats(gauges: Gauges = Depends(get_gauges)) -> dict[str, int]:
        return gauges.snapshot()

    @app.post("/chat")
    async def chat(body: ChatRequest, _: str = Depends(require_token),
                   llm: LLMClient = Depends(get_llm_client),
                   gauges: Gauges = Depends(get_gauges)) -> dict[str, Any]:
        prompt = body.message
        if settings.has_bug("shared-state"):
            _SHARED["prompt"] = body.message
            await anyio.lowlevel.checkpoint()  # any await lets another request overwrite the slot
            prompt = _SHARED["prompt"]
        try:
            with anyio.fail_after(settings.upstream_timeout):
                reply = await llm.complete(prompt=prompt, max_tokens=body.max_tokens)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise map_upstream_error(exc, settings) from None
        gauges.requests_served += 1
        return {"reply": reply, "message": body.message}

    if settings.has_bug("sync-stream-generator"):
        # Sync path operations: FastAPI iterates them in a worker thread.

        @app.post("/chat/stream", response_class=EventSourceResponse)
        def chat_stream(call: ChatStreamCall, llm: LLMDep,
                        gauges: GaugesDep) -> Iterator[ChatEvent]:
            """The reply as Server-Sent Events: start, token..., done (or error)."""
            yield from _sync_events(call.body, llm, gauges, sse_event)

        @app.post("/chat/ndjson", dependencies=[Depends(no_cache)])
        def chat_ndjson(call: ChatStreamCall, llm: LLMDep,
                        gauges: GaugesDep) -> Iterator[ChatLine]:
            """The same reply as JSON lines: one object a line, its kind in ``type``."""
            yield from _sync_events(call.body, llm, gauges, json_line)

    else:

        @app.post("/chat/stream", response_class=EventSourceResponse)
        async def chat_stream(call: ChatStreamCall, llm: LLMDep, gauges: GaugesDep,
                              closer: CloserDep) -> AsyncIterator[ChatEvent]:
            """The reply as Server-Sent Events: start, token..., done (or error)."""
            async for event in closer.track(_events(call, llm, gauges, settings, sse_event)):
                yield event

        @app.post("/chat/ndjson", dependencies=[Depends(no_cache)])
        async def chat_ndjson(call: ChatStreamCall, llm: LLMDep, gauges: GaugesDep,
                              closer: CloserDep) -> AsyncIterator[ChatLine]:
            """The same reply as JSON lines: one object a line, its kind in ``type``."""
            async for line in closer.track(_events(call, llm, gauges, settings, json_line)):
                yield line

    @app.post("/jobs", status_code=202)
    async def submit_job(body: JobRequest, request: Request,
                         _: str = Depends(require_token)) -> dict[str, Any]:
        job = request.app.state.jobs.submit(body.kind, body.steps, body.fail_at_step)
        return job.public()

    @app.get("/jobs/{job_id}")
    async def get_job(job_id: str, request: Request, wait_for: str | None = None,
                      timeout: float = Query(2.0, gt=0, le=30)) -> dict[str, Any]:
        runner: JobRunner = request.app.state.jobs
        job = _job_or_404(runner, job_id)
        if wait_for is not None:
            await runner.wait_for(job, wait_for, min(float(timeout), 30.0))
        return job.public()

    @app.get("/jobs/{job_id}/events", response_class=EventSourceResponse)
    async def job_events(job: Annotated[Job, Depends(find_job)]) -> AsyncIterator[JobEvent]:
        """The job's states as Server-Sent Events: status..., then done with the whole job."""
        seen = 0
        while True:
            changed = job.changed
            for state in job.history[seen:]:
                yield sse_event("status", {"state": state, "id": job.id}, JOB_EVENTS)
            seen = len(job.history)
            if job.state in TERMINAL:
                yield sse_event("done", job.public(), JOB_EVENTS)
                return
            await changed.wait()

    return app


def _job_or_404(runner: JobRunner, job_id: str) -> Job:
    job = runner.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"No job has the id '{job_id}'.")
    return job


def find_job(job_id: str, request: Request) -> Job:
    """The job named in the path, or 404 before its event stream starts."""
    return _job_or_404(request.app.state.jobs, job_id)


async def _events(call: StreamCall, llm: LLMClient, gauges: Gauges, settings: Settings,
                  render: Renderer) -> AsyncGenerator[Any, None]:
    """The streamed chat: start, token..., done; or an error event if the upstream fails."""
    body = call.body
    gauges.active_streams += 1
    upstream = llm.stream(prompt=body.message, max_tokens=body.max_tokens)
    gauges.open_upstream_calls += 1
    count = 0
    try:
        yield render("start", {"max_tokens": body.max_tokens})
        if settings.has_bug("auth-after-stream-start"):
            check_token(call.authorization, settings)
        while True:
            try:
                with anyio.fail_after(settings.upstream_timeout):
                    token = await upstream.__anext__()
            except StopAsyncIteration:
                break
            except (TimeoutError, httpx.HTTPError) as exc:
                if settings.has_bug("no-error-event"):
                    return
                failure = map_upstream_error(exc, settings)
                yield render("error", {"kind": failure.kind, "message": failure.message,
                                    "after_tokens": count})
                return
            count += 1
            yield render("token", {"index": count, "text": token})
        if not settings.has_bug("no-done-event"):
            yield render("done", {"tokens": count})
    finally:
        gauges.active_streams -= 1
        await _close_upstream(upstream, settings, gauges)


async def _close_upstream(upstream: Any, settings: Settings, gauges: Gauges) -> None:
    if settings.has_bug("leak-upstream-on-disconnect"):
        return
    if settings.has_bug("unshielded-cleanup"):
        await upstream.aclose()
    else:
        with anyio.CancelScope(shield=True):  # cleanup must finish even while being cancelled
            await upstream.aclose()
    gauges.open_upstream_calls -= 1


def _sync_events(body: ChatRequest, llm: LLMClient, gauges: Gauges,
                 render: Renderer) -> Iterator[Any]:
    """The 'sync-stream-generator' bug: same events, from a thread; never cancelled."""
    gauges.active_streams += 1
    upstream = llm.stream(prompt=body.message, max_tokens=body.max_tokens)
    gauges.open_upstream_calls += 1
    count = 0
    try:
        yield render("start", {"max_tokens": body.max_tokens})
        while True:
            try:
                token = anyio.from_thread.run(upstream.__anext__)
            except StopAsyncIteration:
                break
            count += 1
            yield render("token", {"index": count, "text": token})
        yield render("done", {"tokens": count})
    finally:
        anyio.from_thread.run(upstream.aclose)
        gauges.open_upstream_calls -= 1
        gauges.active_streams -= 1


def create_test_app() -> FastAPI:
    """The app as configured by the environment, but with a short upstream timeout (0.3 s)."""
    return create_app(dataclasses.replace(Settings.from_env(), upstream_timeout=0.3))


def create_broken_app() -> FastAPI:
    """An app whose startup fails, for testing how a startup failure is reported."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("the model configuration is missing")
        yield

    return FastAPI(lifespan=lifespan)


app = create_app()
