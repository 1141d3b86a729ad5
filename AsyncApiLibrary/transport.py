"""A streaming ASGI transport for httpx.

``httpx.ASGITransport`` runs the app to completion before it returns a response, so a
client can neither read chunk 1 before the app produces chunk 2 nor disconnect mid-stream.
This transport runs each request's app call as a task, returns the response as soon as
``http.response.start`` arrives, passes body parts through a bounded memory stream, and
turns ``Response.aclose()`` into ``http.disconnect`` for the app, as a real server would.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import anyio

from .errors import UsageError
from .httpclient import httpx

log = logging.getLogger("AsyncApiLibrary.app")

ARRIVALS = "asyncapi_arrivals"  # the response extension whose ``arrived`` stamps its parts
_BROKEN = "the app failed after the response had started, so the body ended early"
_FALLBACK_HEADERS = ((b"content-type", b"text/plain; charset=utf-8"),)
_FALLBACK_BODY = b"Internal Server Error"
_STOP_WAIT = 1.0  # a task cancelled outright ends at its next await; this only bounds it


class AppCall:
    """What every app call has: its request, whose body the app reads once, and a scope
    that cancels the call."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.request_body_sent = False
        self.scope = anyio.CancelScope()

    def describe(self) -> str:
        """How a log line names the call: ``POST /chat``."""
        return f"{self.request.method} {self.request.url.path}"

    async def _request_body(self) -> dict[str, Any]:
        self.request_body_sent = True
        body = await self.request.aread()
        return {"type": "http.request", "body": body, "more_body": False}

    def app_returned(self) -> None:
        """Called once the app call is over, however it ended."""


class _Exchange(AppCall):
    """The state of one request travelling through the app."""

    def __init__(self, request: httpx.Request, buffer_size: float) -> None:
        super().__init__(request)
        self.body_send, self.body_receive = anyio.create_memory_object_stream[Any](buffer_size)
        # A bounded buffer lets `send` skip the loop trip while there is room: an app that
        # never awaits is still stopped when the buffer fills, as uvicorn's send is when
        # the socket's is. Without a bound, every send yields so such an app cannot starve.
        self.hand_over_directly = buffer_size != math.inf
        self.started = anyio.Event()
        self.disconnected = anyio.Event()
        self.finished = anyio.Event()
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.response_complete = False
        self.fallback_body = b""
        self.broken = False
        self.stamps: deque[float] = deque()  # when each body part was sent, oldest first

    def disconnect(self) -> None:
        self.disconnected.set()
        self.body_receive.close()

    def app_returned(self) -> None:
        """The app call is over: a response it never started becomes the 500 fallback."""
        if not self.started.is_set():
            self.status = 500
            self.headers = list(_FALLBACK_HEADERS)
            self.fallback_body = _FALLBACK_BODY
            self.started.set()
        elif not self.response_complete and not self.disconnected.is_set():
            self.broken = True
        self.body_send.close()
        self.finished.set()

    async def receive(self) -> dict[str, Any]:
        if not self.request_body_sent:
            return await self._request_body()
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.started.is_set():
                raise RuntimeError("The app sent 'http.response.start' twice.")
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.started.set()
        elif kind == "http.response.body":
            if not self.started.is_set():
                raise RuntimeError("The app sent a body before 'http.response.start'.")
            if self.disconnected.is_set() or self.response_complete:
                return  # uvicorn drops writes after the client left
            body = message.get("body", b"")
            try:
                if body:
                    # Its arrival: in process there is no wire, the app handing the part
                    # over is the moment a client would see it. Kept beside the part, in order.
                    self.stamps.append(time.perf_counter())
                    if not self.hand_over_directly:
                        await self.body_send.send(body)
                    else:
                        try:  # room in the buffer: no trip through the loop, as uvicorn's send
                            self.body_send.send_nowait(body)
                        except anyio.WouldBlock:
                            await self.body_send.send(body)  # a slow client: wait for room
                if not message.get("more_body", False):
                    self.response_complete = True
                    self.body_send.close()
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                return


class _BufferedExchange(AppCall):
    """One request whose response is collected whole: plain lists, no memory stream. The
    caller reads status and parts once the call is over."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request)
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.parts: list[bytes] = []
        self.complete = False
        self._completed: anyio.Event | None = None  # made only if the app waits on receive

    async def receive(self) -> dict[str, Any]:
        if not self.request_body_sent:
            return await self._request_body()
        if not self.complete:
            if self._completed is None:
                self._completed = anyio.Event()
            await self._completed.wait()
        return {"type": "http.disconnect"}  # the client leaves once it has the whole answer

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("The app sent 'http.response.start' twice.")
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("The app sent a body before 'http.response.start'.")
            if self.complete:
                return
            self.parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
                if self._completed is not None:
                    self._completed.set()


class _ResponseStream(httpx.AsyncByteStream):
    """The body as the app sends it; ``arrived`` is the send time of the part last given."""

    def __init__(self, exchange: _Exchange, transport: StreamingASGITransport) -> None:
        self._exchange = exchange
        self._transport = transport
        self.arrived: float | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self._exchange
        if exchange.fallback_body:
            self.arrived = time.perf_counter()
            yield exchange.fallback_body
        parts = exchange.body_receive
        stamps = exchange.stamps
        while True:
            try:
                try:
                    part = parts.receive_nowait()  # already here: no trip through the loop
                except anyio.WouldBlock:
                    part = await parts.receive()
            except anyio.EndOfStream:
                break
            except anyio.ClosedResourceError:
                return
            self.arrived = stamps.popleft() if stamps else time.perf_counter()
            yield part
        if exchange.broken:
            raise httpx.RemoteProtocolError(_BROKEN)

    async def aclose(self) -> None:
        self._transport._disconnect(self._exchange)


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Serve an ASGI app to ``httpx.AsyncClient`` in the same event loop, incrementally.

    Use it inside ``async with httpx.AsyncClient(transport=...)``: the client enters the
    transport, which then runs each app call in a task of its own. Closing the client cancels
    any app call still running and waits up to ``close_grace`` seconds for them to end; a
    call that cannot take the cancellation (blocked in a worker thread) then has its task
    stopped, with a warning, as uvicorn does after its graceful shutdown timeout.

    ``buffer_size`` bounds how many body parts wait between app and client (0 hands each
    part over directly), so a slow reader slows the app as a socket would.
    ``disconnect_grace`` is how long an app may take to finish after a disconnect before
    it is cancelled.
    """

    def __init__(
        self,
        app: Any,
        *,
        buffer_size: float = 64,
        disconnect_grace: float = 5.0,
        close_grace: float = 5.0,
        client: tuple[str, int] = ("127.0.0.1", 50000),
        root_path: str = "",
    ) -> None:
        if buffer_size < 0:
            raise UsageError(f"Buffer size must be 0 or more, got {buffer_size}.")
        self.app = app
        self.buffer_size = math.inf if buffer_size == math.inf else int(buffer_size)
        self.disconnect_grace = disconnect_grace
        self.client = client
        self.root_path = root_path
        self.close_grace = close_grace
        self._loop: asyncio.AbstractEventLoop | None = None  # set while the transport is open
        # Every task the transport runs, with the exchange of the app call it runs, if any.
        self._tasks: dict[asyncio.Task[None], AppCall | None] = {}
        self.forced_cancellations = 0

    async def __aenter__(self) -> StreamingASGITransport:
        self._loop = asyncio.get_running_loop()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        """Cancel the app calls still running and wait up to ``close_grace`` for them.

        A call that ignores the cancellation that long (blocked in a worker thread, which
        cannot be interrupted) has its task cancelled outright, as uvicorn does after its
        graceful shutdown timeout, and its thread is left to finish on its own.
        """
        if self._loop is None:
            return
        self._loop = None
        for task, exchange in list(self._tasks.items()):
            if exchange is not None:
                exchange.scope.cancel()  # an anyio cancellation: shielded cleanup runs
            else:
                task.cancel()
        if not self._tasks:
            return
        with anyio.CancelScope(shield=True):
            _, pending = await asyncio.wait(list(self._tasks), timeout=self.close_grace)
            if not pending:
                return
            stuck = sorted(exchange.describe() for task, exchange in self._tasks.items()
                           if task in pending and exchange is not None)
            log.warning(
                "The app was still handling %s %.1f s after the client closed (blocked in "
                "a worker thread?); its task was stopped and any thread it waits on was "
                "left to finish on its own.", ", ".join(stuck) or "a request", self.close_grace)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=_STOP_WAIT)

    async def aclose(self) -> None:
        """Nothing to release here; app calls end in ``__aexit__``."""

    def _spawn(self, work: Coroutine[Any, Any, None],
               exchange: AppCall | None = None) -> asyncio.Task[None]:
        """Run ``work`` in a task of its own, as a server runs each request.

        Plain asyncio tasks, as uvicorn's, rather than a task group: a task group cannot
        be left while a task in it ignores its cancellation, and closing must not hang on
        an app call blocked in a worker thread. The transport keeps and ends them itself.
        """
        task = self._loop.create_task(work)
        self._tasks[task] = exchange
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        del self._tasks[task]
        if not task.cancelled() and task.exception() is not None:
            log.error("An app call of the transport failed.", exc_info=task.exception())

    def _scope(self, request: httpx.Request) -> dict[str, Any]:
        url = request.url
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "client": self.client,
            "root_path": self.root_path,
            "state": {},
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._check_open()
        exchange = _Exchange(request, self.buffer_size)
        self._spawn(self._run_app(exchange, self._scope(request)), exchange)
        try:
            await exchange.started.wait()
        except BaseException:
            self._disconnect(exchange)
            raise
        body = _ResponseStream(exchange, self)
        return httpx.Response(
            exchange.status,
            headers=exchange.headers,
            stream=body,
            extensions={"http_version": b"HTTP/1.1", ARRIVALS: body},
        )

    def _check_open(self) -> None:
        if self._loop is None:
            raise UsageError(
                "The streaming ASGI transport is not open; use it inside "
                "'async with httpx.AsyncClient(transport=...)'."
            )

    async def answer_whole(self, request: httpx.Request) -> httpx.Response:
        """The response to ``request`` with its whole body, collected without a memory stream.

        The app runs in a task of its own, as it would behind a real server: a caller that
        gives up (its deadline, a Robot timeout) returns at once and cancels the app call,
        even when the app cannot take the cancellation yet (a sync endpoint blocked in a
        worker thread); the app call then ends whenever it can.
        """
        self._check_open()
        exchange = _BufferedExchange(request)
        call = self._spawn(self._run_app(exchange, self._scope(request)), exchange)
        try:
            await asyncio.shield(call)  # a caller that gives up does not wait for the app
        except BaseException:
            exchange.scope.cancel()
            raise
        if exchange.status is None:
            return httpx.Response(500, headers=_FALLBACK_HEADERS, content=_FALLBACK_BODY,
                                  extensions={"http_version": b"HTTP/1.1"})
        if not exchange.complete:
            raise httpx.RemoteProtocolError(_BROKEN)
        return httpx.Response(exchange.status, headers=exchange.headers,
                              content=b"".join(exchange.parts),
                              extensions={"http_version": b"HTTP/1.1"})

    async def _run_app(self, exchange: AppCall, scope: dict[str, Any]) -> None:
        """One app call, cancellable through the exchange's scope."""
        with exchange.scope:
            try:
                await self.app(scope, exchange.receive, exchange.send)
            except Exception as exc:  # an app bug: answer as a server would
                log.error("The app raised %s while handling %s.", type(exc).__name__,
                          exchange.describe(), exc_info=exc)
            finally:
                exchange.app_returned()

    def _disconnect(self, exchange: _Exchange) -> None:
        if exchange.disconnected.is_set():
            return
        exchange.disconnect()
        if not exchange.finished.is_set() and self._loop is not None:
            self._spawn(self._cancel_after_grace(exchange))

    async def _cancel_after_grace(self, exchange: _Exchange) -> None:
        with anyio.move_on_after(self.disconnect_grace):
            await exchange.finished.wait()
            return
        self.forced_cancellations += 1
        log.warning(
            "The app was still handling %s %.1f s after the client disconnected; "
            "it was cancelled.", exchange.describe(), self.disconnect_grace,
        )
        exchange.scope.cancel()
