"""An ASGI app's lifespan (startup and shutdown) run in process, as a server runs it.

Startup is bounded by the client's timeout, and its failure is reported at once, whether
the app raises or sends ``lifespan.startup.failed``; the app's own traceback goes to the
exception's cause, which Robot logs at DEBUG. An app without lifespan support is served
as uvicorn serves it by default. A shutdown that hangs is cut after its bound, with a
warning. Requests see the state the lifespan set up (``scope["state"]``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio

from .errors import AppLoadError
from .tasks import STARTER, Starter

log = logging.getLogger("AsyncApiLibrary.app")
STOP_GRACE = 1.0  # seconds a cancelled lifespan may take to end, as the transport's calls


class Lifespan:
    """An async context manager that starts ``app`` on entry and shuts it down on exit."""

    def __init__(self, app: Any, *, name: str, startup_timeout: float,
                 shutdown_timeout: float) -> None:
        self._app = app
        self.name = name
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.state: dict[str, Any] = {}
        self._to_app, self._from_test = anyio.create_memory_object_stream[dict](2)
        self._started = anyio.Event()
        self._stopped = anyio.Event()
        self._receive_called = False
        self._failure: str | None = None
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.starter = Starter(f"the startup of '{name}'")  # free tasks its lifespan starts

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The app as requests reach it: with a copy of the lifespan state, as Starlette
        expects from a server."""
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "state": self.state.copy()}
        await self._app(scope, receive, send)

    async def __aenter__(self) -> Lifespan:
        self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            await self._to_app.send({"type": "lifespan.startup"})
            with anyio.fail_after(self.startup_timeout):
                await self._started.wait()
            self._raise_if_failed()
        except TimeoutError:
            await self._stop()
            raise AppLoadError(
                f"The app '{self.name}' did not finish its startup within "
                f"{self.startup_timeout:g} s."
            ) from None
        except BaseException:  # a start cut by the test leaves nothing behind either
            await self._stop()
            raise
        return self

    def _raise_if_failed(self) -> None:
        if self._error is not None and self._receive_called:
            error = self._error
            raise AppLoadError(
                f"The app '{self.name}' failed during startup: {type(error).__name__}: {error}."
            ) from error
        if self._failure is not None:
            raise AppLoadError(f"The app '{self.name}' failed during startup: {self._failure}.")

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            if not self._stopped.is_set():
                await self._to_app.send({"type": "lifespan.shutdown"})
                with anyio.move_on_after(self.shutdown_timeout):
                    await self._stopped.wait()
                if not self._stopped.is_set():
                    log.warning("The app '%s' did not finish its shutdown within %g s; it "
                                "was cancelled.", self.name, self.shutdown_timeout)
        finally:
            await self._stop()

    async def _stop(self) -> None:
        """Close the app's channel and cancel its task, waiting for it at most
        ``STOP_GRACE`` seconds: a task that cannot take the cancellation yet (blocked in a
        worker thread) is left to end on its own, with a warning, as uvicorn does."""
        self._stopping = True
        self._to_app.close()
        self._from_test.close()
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.wait([task], timeout=STOP_GRACE)
        if not task.done():
            log.warning("The lifespan of the app '%s' did not stop within %g s of being "
                        "cancelled (blocked in a worker thread?); it was left to end on "
                        "its own.", self.name, STOP_GRACE)

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": self.state}
        STARTER.set(self.starter)  # this task's own context: what it starts is counted
        try:
            await self._app(scope, self._receive, self._send)
        except Exception as exc:  # before its first receive: no lifespan support, as uvicorn
            self._error = exc
        finally:
            self._started.set()
            self._stopped.set()

    async def _receive(self) -> dict[str, Any]:
        self._receive_called = True
        return await self._from_test.receive()

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self._started.set()
        elif kind == "lifespan.startup.failed":
            self._failure = _last_line(message.get("message")) or "it sent lifespan.startup.failed"
            self._started.set()
        elif kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            if kind.endswith("failed") and not self._stopping:  # not our own cancellation
                log.warning("The app '%s' failed during shutdown: %s", self.name,
                            _last_line(message.get("message")) or "no reason given")
            self._stopped.set()


def _last_line(text: Any) -> str:
    """The last line of a message: for a traceback, the exception and its text."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[-1].rstrip(".") if lines else ""
