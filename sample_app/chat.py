"""The streamed chat, as one async generator the SSE and JSON-lines routes both render.

A stream is ``start``, one ``token`` per model token (at most ``max_tokens``: a model that
sends more is cut off), then ``done``; or, when the model fails, ``start``, the tokens so
far and one ``error`` event (see :mod:`sample_app.upstream`). A model offered tools
(``StreamCall.tools``: the OpenAI-compatible route's, when its caller offers some) may send
pieces of tool calls among its tokens: each is a ``tool_call`` event carrying the piece,
and counts as a token. Nothing follows ``done`` or ``error``. Whatever ends the stream (its end, an error, a client that left), the upstream
call is closed and the gauges go back down.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel

from .config import Settings
from .deps import check_token
from .llm import LLMClient, httpx
from .models import ChatRequest, Renderer
from .ops import Gauges
from .upstream import map_upstream_error

MAX_STREAM_SECONDS = 600.0


@dataclasses.dataclass(frozen=True)
class StreamCall:
    """What a stream route needs of its request: the body, the caller's credentials, and
    what the model is given beside its prompt (the keyword arguments ``tools``,
    ``tool_choice``, ``messages`` of its calls, each only when the request has it)."""
    body: ChatRequest
    authorization: str | None
    offered: dict[str, Any] = dataclasses.field(default_factory=dict)


async def chat_events(call: StreamCall, llm: LLMClient, gauges: Gauges, settings: Settings,
                      render: Renderer) -> AsyncGenerator[Any, None]:
    """The streamed chat: start, token..., done; or an error event if the upstream fails."""
    bug = settings.has_bug
    body = call.body
    max_tokens = 16 if bug("max-tokens-ignored") else body.max_tokens
    offered = call.offered
    gauges.active_streams += 1
    upstream = llm.stream(prompt=body.message, max_tokens=max_tokens, **offered)
    gauges.open_upstream_calls += 1
    if bug("stream-deadline-task-forgotten"):
        asyncio.get_running_loop().create_task(_cut_off_later(upstream))
    count = 0
    retried = False
    try:
        if not bug("start-after-first-token"):
            yield render("start", {"max_tokens": body.max_tokens})
        if bug("auth-after-stream-start"):
            check_token(call.authorization, settings)
        while True:
            try:
                token = await _next_token(upstream, settings)
            except StopAsyncIteration:
                break
            except (TimeoutError, httpx.HTTPError) as exc:
                if bug("retry-mid-stream") and not retried:
                    retried = True  # reconnect once; the model starts its reply again
                    await upstream.aclose()
                    upstream = llm.stream(prompt=body.message, max_tokens=max_tokens, **offered)
                    continue
                if bug("no-error-event"):
                    return
                if bug("error-as-done") or (bug("hang-up-as-end")
                                            and isinstance(exc, httpx.RemoteProtocolError)):
                    break
                failure = map_upstream_error(exc, settings)
                message = str(exc) if bug("error-message-leaks-exception") else failure.message
                yield render("error", {"kind": failure.kind, "message": message,
                                       "after_tokens": count})
                if bug("error-then-done"):
                    break
                return
            if count == 0 and bug("start-after-first-token"):
                yield render("start", {"max_tokens": body.max_tokens})
            count += 1
            if "tools" in offered and not isinstance(token, str):
                yield render("tool_call", token)
            else:
                yield render("token", {"index": count, "text": token})
            if count == body.max_tokens:  # a model that ignores max_tokens is cut off here
                if bug("done-without-stop"):
                    yield render("done", {"tokens": count})
                    continue
                break
        if not bug("no-done-event"):
            yield render("done", {"tokens": count})
        if bug("gauge-leak-on-error"):
            gauges.active_streams -= 1
    finally:
        if not bug("gauge-leak-on-error"):
            gauges.active_streams -= 1
        await _close_upstream(upstream, settings, gauges)
        if bug("usage-report-task-fails"):
            asyncio.get_running_loop().create_task(_report_usage(gauges, count))


async def _next_token(upstream: Any, settings: Settings) -> str:
    """The upstream's next token, within the upstream deadline."""
    if settings.has_bug("shielded-upstream-read"):
        with anyio.CancelScope(shield=True):  # never drop a token half-read
            with anyio.fail_after(settings.upstream_timeout):
                return await upstream.__anext__()
    with anyio.fail_after(settings.upstream_timeout):
        return await upstream.__anext__()


async def _close_upstream(upstream: Any, settings: Settings, gauges: Gauges) -> None:
    if settings.has_bug("leak-upstream-on-disconnect"):
        return
    if settings.has_bug("unshielded-cleanup"):
        await upstream.aclose()
    elif settings.has_bug("close-not-awaited"):
        upstream.aclose()
    else:
        with anyio.CancelScope(shield=True):  # cleanup must finish even while being cancelled
            await upstream.aclose()
    gauges.open_upstream_calls -= 1


async def _cut_off_later(upstream: Any) -> None:
    """The 'stream-deadline-task-forgotten' bug: a stream's overall deadline, as a timer task
    that nobody cancels when the stream ends."""
    await anyio.sleep(MAX_STREAM_SECONDS)
    await upstream.aclose()


async def _report_usage(gauges: Gauges, tokens: int) -> None:
    """The 'usage-report-task-fails' bug: usage sent to billing from a task fired and forgotten."""
    await anyio.lowlevel.checkpoint()
    raise RuntimeError(f"could not report {tokens} tokens: no billing endpoint is configured")


def sync_chat_events(body: ChatRequest, llm: LLMClient, gauges: Gauges,
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
