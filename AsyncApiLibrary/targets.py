"""A *target* is one opened way to reach an app: in-process, hosted server, or URL.

Each target is an async context manager that owns an ``httpx.AsyncClient`` and, where
the library serves the app itself, the app's lifespan (or uvicorn) and a
:class:`~AsyncApiLibrary.tracking.RequestTracker`. It also owns a task group in which
stream pumps run, so everything it started ends when it closes.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio

from .apps import IMPORT_LIMIT, load_app, unwrap_app
from .asgi_websocket import WebSocketASGITransport
from .errors import UsageError
from .httpclient import httpx, tls_context
from .lifespan import Lifespan
from .server import HostedServer
from .tracking import RequestTracker

Mode = Literal["in-process", "server", "url"]
MODES: tuple[str, ...] = ("in-process", "server", "url")
# httpx's own pool defaults, spelled out because `Send Chats Concurrently` sizes by them.
CONNECTIONS = 100
KEEP_ALIVE = 20
_MERGED_URLS = 1000


@dataclass
class TargetOptions:
    """How a target is opened and how its requests behave by default."""

    mode: Mode = "in-process"
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    buffer_size: int = 64
    disconnect_grace: float = 5.0
    startup_timeout: float = 10.0
    shutdown_timeout: float = 5.0
    check_requests: bool = False  # with a contract: JSON request bodies are checked too
    done: Any = None  # the client's done convention (a DoneRule), if it has its own
    error: Any = None  # and its error convention (an ErrorRule)


class Target:
    """One opened app or service and the client that talks to it."""

    def __init__(self, alias: str, app_ref: Any, options: TargetOptions) -> None:
        self.alias = alias
        self.app_ref = app_ref
        self.options = options
        self.mode: Mode = options.mode
        self.client: httpx.AsyncClient | None = None
        self.tracker: RequestTracker | None = None
        self.app: Any = None
        self.base_url = ""
        self.task_group: Any = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._asgi: WebSocketASGITransport | None = None
        self.lifespan: Lifespan | None = None
        self.contract: Any = None  # a Contract every exchange is checked against, if set
        self._urls: dict[str, httpx.URL] = {}

    @property
    def asgi(self) -> WebSocketASGITransport | None:
        """The in-process transport (it also carries WebSocket sessions); None otherwise."""
        return self._asgi

    @property
    def user_app(self) -> Any:
        """The app object itself (for ``dependency_overrides``); None in URL mode."""
        return unwrap_app(self.app) if self.app is not None else None

    def shown(self, url: Any) -> str:
        """A URL as a log shows it: in process, only its path and query, since
        ``http://testserver`` leads nowhere for the reader of a report."""
        if self.mode != "in-process":
            return str(url)
        raw = getattr(url, "raw_path", None)
        return raw.decode("ascii", "replace") if raw is not None else str(url)

    def describe(self) -> str:
        where = self.app_ref if self.mode != "url" else self.base_url
        return f"'{self.alias}' ({self.mode}, {where})"

    def url_for(self, path: str) -> httpx.URL:
        """The absolute URL of ``path`` under the client's base URL, as httpx merges it.

        Merging parses both URLs, half the cost of building a request; a suite uses few
        paths, so each is merged once (up to a bound, for suites that make up paths).
        """
        url = self._urls.get(path)
        if url is None:
            url = self.client.build_request("GET", path).url
            if len(self._urls) < _MERGED_URLS:
                self._urls[path] = url
        return url

    async def send_whole(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and return the response with its whole body read.

        In-process, the transport is called directly: for a request that is answered
        whole in the same loop, the client's send chain (auth, redirects, timeouts, all
        unused here) costs more than the transport, so only what it would add is kept:
        the request on the response, the elapsed time, and cookies the app set.
        """
        if self._asgi is None:
            return await self.client.send(request)
        started = time.perf_counter()
        response = await self._asgi.answer_whole(request)
        response.request = request
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        if "set-cookie" in response.headers:
            self.client.cookies.extract_cookies(response)
        return response

    async def __aenter__(self) -> Target:
        async with contextlib.AsyncExitStack() as stack:
            await self._open(stack)
            self.task_group = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(self.task_group.cancel_scope.cancel)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def work_left(self) -> list[str]:
        """After the app's shutdown: the free tasks its requests or its lifespan started
        that are still running. They are cancelled, so nothing of the app runs on."""
        told = self.tracker.work_left() if self.tracker is not None else []
        if self.lifespan is not None:
            told += self.lifespan.starter.running()
            self.lifespan.starter.cancel_running()
        return told

    async def _open(self, stack: contextlib.AsyncExitStack) -> None:
        opts = self.options
        client_args: dict[str, Any] = {"headers": opts.headers, "timeout": opts.timeout,
                                       "limits": httpx.Limits(max_connections=CONNECTIONS,
                                                             max_keepalive_connections=KEEP_ALIVE)}
        if self.mode == "url":
            self.base_url = _check_url(self.app_ref)
            client = httpx.AsyncClient(base_url=self.base_url, verify=tls_context(),
                                       **client_args)
        else:
            self.app = await load_app(self.app_ref, max(opts.startup_timeout, IMPORT_LIMIT))
            self.tracker = RequestTracker(self.app)
            if self.mode == "in-process":
                lifespan = Lifespan(
                    self.tracker,
                    name=str(self.app_ref),
                    startup_timeout=opts.startup_timeout,
                    shutdown_timeout=opts.shutdown_timeout,
                )
                await stack.enter_async_context(lifespan)
                self.lifespan = lifespan
                self._asgi = WebSocketASGITransport(
                    lifespan.app,
                    buffer_size=opts.buffer_size,
                    disconnect_grace=opts.disconnect_grace,
                    close_grace=min(opts.shutdown_timeout, 1.0),  # as uvicorn's, below
                )
                self.base_url = "http://testserver"
                client = httpx.AsyncClient(transport=self._asgi, base_url=self.base_url,
                                           **client_args)
            elif self.mode == "server":
                server = HostedServer(
                    self.tracker,
                    name=str(self.app_ref),
                    startup_timeout=opts.startup_timeout,
                    graceful_timeout=min(opts.shutdown_timeout, 1.0),
                    shutdown_timeout=opts.shutdown_timeout,
                )
                await stack.enter_async_context(server)
                self.lifespan = server.lifespan
                self.base_url = server.base_url
                client = httpx.AsyncClient(base_url=self.base_url, verify=tls_context(),
                                           **client_args)
            else:
                raise UsageError(f"Mode '{self.mode}' is unknown; use one of {', '.join(MODES)}.")
        self.client = await stack.enter_async_context(client)


def _check_url(url: Any) -> str:
    text = str(url).strip()
    example = "expected something like 'http://127.0.0.1:8000'"
    try:
        parts = urlsplit(text)
        port = parts.port  # parsing the port is what finds an out-of-range one
    except ValueError as exc:
        raise UsageError(f"URL '{text}' is malformed ({exc}); {example}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"URL '{text}' is malformed; {example}.")
    if port == 0:
        raise UsageError(f"URL '{text}' is malformed (port 0 cannot be reached); {example}.")
    try:
        httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise UsageError(f"URL '{text}' is malformed ({exc}); {example}.") from None
    return text.rstrip("/")
