"""Host an ASGI app under uvicorn on 127.0.0.1 with an ephemeral port."""

from __future__ import annotations

import logging
import socket
from typing import Any

import anyio
import uvicorn

from .errors import AppLoadError
from .lifespan import Lifespan

_STARTUP_POLL = 0.005


class HostedServer:
    """An async context manager that serves ``app`` with uvicorn on the running loop.

    The socket is bound before uvicorn starts (port 0), so the port is known at once and
    two processes on one machine never collide. The app's lifespan runs here, as in
    process (:class:`Lifespan`), and uvicorn serves ``Lifespan.app`` with its own lifespan
    off: startup is bounded and cancellable, a startup failure is one sentence rather
    than uvicorn's traceback, and a start interrupted by the test leaves no task behind
    (uvicorn's lifespan task is one nobody could cancel). Shutdown is bounded by
    ``graceful_timeout``: open streams are cut after it, so a teardown cannot hang.
    """

    def __init__(
        self,
        app: Any,
        *,
        name: str = "app",
        startup_timeout: float = 10.0,
        graceful_timeout: float = 1.0,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.lifespan = Lifespan(app, name=name, startup_timeout=startup_timeout,
                                 shutdown_timeout=shutdown_timeout)
        self.name = name
        self.startup_timeout = startup_timeout
        self.graceful_timeout = graceful_timeout
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._task_group: Any = None
        self._stopped = anyio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def uvicorn(self) -> uvicorn.Server | None:
        """The uvicorn server, while it runs (its ``server_state`` counts connections)."""
        return self._server

    async def __aenter__(self) -> HostedServer:
        await self.lifespan.__aenter__()
        try:
            await self._start_uvicorn()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.lifespan.__aexit__(None, None, None)
            raise
        return self

    async def _start_uvicorn(self) -> None:
        # proto must say TCP: asyncio turns Nagle off (TCP_NODELAY) only for sockets
        # whose proto is IPPROTO_TCP, and accepted connections inherit it. With proto 0,
        # every small response waits ~40 ms on the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.lifespan.app,
            lifespan="off",
            interface="asgi3",
            log_config=None,
            log_level="warning",
            access_log=False,
            ws="wsproto",  # httpx2[ws] brings it; uvicorn's 'websockets' protocol is deprecated
            timeout_graceful_shutdown=self.graceful_timeout,
        )
        self._server = uvicorn.Server(config)
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._serve, sock)
        try:
            await self._wait_started()
        except BaseException:
            self._server.should_exit = True
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
            sock.close()
            raise

    async def _serve(self, sock: socket.socket) -> None:
        try:
            await self._server.serve(sockets=[sock])
        except SystemExit:
            pass  # uvicorn exits this way when it cannot start; reported by the waiter
        finally:
            sock.close()
            self._stopped.set()

    async def _wait_started(self) -> None:
        with anyio.move_on_after(self.startup_timeout):
            while not self._server.started:
                if self._stopped.is_set():
                    raise AppLoadError(
                        f"uvicorn could not start serving the app '{self.name}'; its reason "
                        "is in the log."
                    )
                await anyio.sleep(_STARTUP_POLL)
            return
        raise AppLoadError(
            f"uvicorn did not start serving the app '{self.name}' within "
            f"{self.startup_timeout:g} s."
        )

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            self._server.should_exit = True
            with anyio.move_on_after(self.graceful_timeout + 2.0):
                await self._stopped.wait()
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
            if not self._stopped.is_set():
                logging.getLogger("AsyncApiLibrary").warning(
                    "uvicorn for '%s' did not stop in time and was cancelled.", self.name
                )
        finally:
            await self.lifespan.__aexit__(*exc_info)
