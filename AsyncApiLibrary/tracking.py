"""Server-side evidence of cleanup: an ASGI wrapper that knows when each request ended.

The library wraps the app it serves (in-process or under its own uvicorn) in a
:class:`RequestTracker`. A stream request (or a WebSocket handshake) carries the header ``x-asyncapi-request-id``;
the tracker records when the app call for it started and when it returned (after the
stream generator's ``finally`` and the dependency teardowns). ``Expect Cleanup`` waits on
that record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import anyio

from .tasks import STARTER, Starter

REQUEST_ID_HEADER = "x-asyncapi-request-id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()


@dataclass
class RequestRecord:
    """What the server side did with one tracked request."""

    request_id: str
    method: str
    path: str
    started_at: float = field(default_factory=time.perf_counter)
    ended_at: float | None = None
    outcome: str = "running"  # running | returned | raised | cancelled
    error: str = ""  # the type of what the handler raised, when it did
    client_gone: bool = False  # ...and it was only the client having left (see below)
    reported: bool = False  # already blamed on the test that made it: never again
    ended: anyio.Event = field(default_factory=anyio.Event)
    starter: Starter | None = None  # the free tasks the request started

    @property
    def running(self) -> bool:
        return self.ended_at is None


class RequestTracker:
    """ASGI middleware that records the life of tracked requests."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.records: dict[str, RequestRecord] = {}
        self.started: list[Starter] = []  # requests that started free tasks

    def __getattr__(self, name: str) -> Any:
        # Let callers reach the wrapped app's attributes (``dependency_overrides`` etc.).
        return getattr(self.app, name)

    @property
    def running(self) -> list[RequestRecord]:
        return [r for r in self.records.values() if r.running]

    def forget(self, request_id: str) -> None:
        self.records.pop(request_id, None)

    def work_left(self) -> list[str]:
        """Free tasks requests started that are still running; they are cancelled, and
        forgotten once told."""
        told = [phrase for starter in self.started for phrase in starter.running()]
        for starter in self.started:
            starter.cancel_running()
        self.started.clear()
        return told

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        starter = Starter(f"{_method(scope)} {scope['path']}")
        token = STARTER.set(starter)
        try:
            request_id = _request_id(scope)
            if request_id is None:
                await self.app(scope, receive, send)
            else:
                await self._tracked(request_id, starter, scope, receive, send)
        finally:
            STARTER.reset(token)
            if starter.tasks:
                self.started.append(starter)

    async def _tracked(self, request_id: str, starter: Starter, scope: dict[str, Any],
                       receive: Any, send: Any) -> None:
        record = RequestRecord(request_id, _method(scope), scope["path"], starter=starter)
        self.records[request_id] = record
        try:
            await self.app(scope, receive, send)
            record.outcome = "returned"
        except anyio.get_cancelled_exc_class():
            record.outcome = "cancelled"
            raise
        except BaseException as exc:
            record.outcome = "raised"
            record.error = type(exc).__name__
            record.client_gone = client_gone(exc)
            raise
        finally:
            record.ended_at = time.perf_counter()
            record.ended.set()


_GONE_NAMES = ("ClientDisconnect", "ClientDisconnected", "WebSocketDisconnect")


def client_gone(exc: BaseException) -> bool:
    """Whether ``exc`` only says the client had left: a send into a closed connection
    (anyio's broken or closed stream, a reset or broken pipe, uvicorn's and Starlette's
    disconnect errors), alone or all of an exception group. Frameworks raise these as a
    client leaves (FastAPI's SSE keep-alive task does); they are not the handler failing."""
    if isinstance(exc, BaseExceptionGroup):
        return all(client_gone(inner) for inner in exc.exceptions)
    gone = (anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError)
    return isinstance(exc, gone) or type(exc).__name__ in _GONE_NAMES


def _method(scope: dict[str, Any]) -> str:
    return scope.get("method", "WebSocket")


def _request_id(scope: dict[str, Any]) -> str | None:
    for name, value in scope["headers"]:
        if name == _HEADER_BYTES:
            return value.decode("latin-1")
    return None
