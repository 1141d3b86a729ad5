"""Keywords for a fake HTTP upstream of any shape, scripted route by route."""

from __future__ import annotations

import itertools
from typing import Any, Literal

import anyio
from robot.api import logger
from robot.api.deco import keyword

from ..arguments import Duration, json_value, seconds
from ..asgi_helpers import HostedFake
from ..context import InstalledFake
from ..errors import ExpectationFailed, UsageError
from ..fakes import FakeUpstream
from ..http_fake import FakeHttpUpstream, Route
from ..jsonpath import json_matches, shown_json
from .base import LibraryComponent

TAGS = ["fakes", "http upstream"]


class HttpFakeKeywords(LibraryComponent):
    """A fake upstream service on loopback: routes, what they answer, what they received."""

    def _server(self, name: str, kind: type = FakeHttpUpstream) -> Any:
        installed = self.ctx.fakes.get(name)
        server = getattr(installed.closer, "manager", None) if installed.closer else None
        if not isinstance(server, kind):
            what = ("a fake server; start one with 'Start Fake Http Upstream' or 'Start Fake "
                    "OpenAI Server'") if kind is HostedFake else (
                    "a fake HTTP upstream; start one with 'Start Fake Http Upstream'")
            raise UsageError(f"Fake '{name}' is not {what}.")
        return server

    @keyword(tags=TAGS)
    def start_fake_http_upstream(self, name: str = "http") -> str:
        """Serves a fake HTTP upstream on 127.0.0.1 with a free port; returns its base URL.

        Point the service under test at the URL and script each route with `Fake Route`.
        Every request is recorded as a call on the fake named ``name``, its method being
        ``METHOD /path`` and its arguments the JSON body's fields, so `Wait Until Fake Is
        Called`, `Fake Method Should Have Received` and the other fake checks work on it.
        Stop it with `Stop Fake OpenAI Server` (it stops any fake server) or it is stopped
        at the end of the test that started it.

        Example:
        | ${url} = | `Start Fake Http Upstream` | name=search |
        """
        if name in self.ctx.fakes:
            raise UsageError(f"A fake named '{name}' is already installed; remove it first.")
        fake = self.ctx.make(FakeUpstream, name)
        server = self.ctx.make(FakeHttpUpstream, fake, name=name)
        closer = self.ctx.enter(server)
        self.ctx.fakes.add(name, InstalledFake(fake, None, None, server.base_url,
                                               self.ctx.in_test, closer))
        logger.info(f"Started the fake HTTP upstream '{name}' at {server.base_url}.")
        return server.base_url

    @keyword(tags=TAGS)
    def fake_route(self, method: str, path: str,
                   behaviour: Literal["reply", "stream", "stall", "hang_up", "malformed"] = "reply",
                   status: int = 200, json: Any = None, headers: dict[str, str] | None = None,
                   items: list | None = None, format: Literal["sse", "lines"] = "sse",
                   done: str | None = None, fake: str = "http") -> None:
        """Scripts what the fake HTTP upstream answers to ``method`` ``path``.

        | =Argument= | =Meaning= |
        | ``method``, ``path`` | The route; ``*`` matches any method, ``path`` may be a glob (``/v1/*``). A later route wins. |
        | ``behaviour`` | ``reply`` (``status``, ``json``, ``headers``), ``stream`` (``items`` as SSE ``data:`` lines or JSON lines, then ``done`` as a last SSE data line), ``stall`` (nothing is sent: the caller's timeout fires), ``hang_up`` (the connection is cut after the items), ``malformed`` (a body that is not JSON). |
        | ``status``, ``json``, ``headers`` | The reply; ``json`` is a JSON value. |
        | ``items``, ``format``, ``done`` | The streamed items (JSON values or text), ``sse`` or ``lines``, and the closing sentinel. |
        | ``fake`` | The fake HTTP upstream's name. |

        Example:
        | `Fake Route` | POST | /v1/search | json={"hits": []} |
        | `Fake Route` | POST | /v1/search | status=429 | headers={"Retry-After": "1"} |
        | `Fake Route` | POST | /v1/chat/completions | behaviour=stream | items=${chunks} | done=[DONE] |
        """
        server = self._server(fake)
        route = Route(method.upper(), path, behaviour, status, json_value(json),
                      dict(headers or {}), [json_value(i) for i in items or []], format, done)
        server.routes.append(route)

    @keyword(tags=TAGS)
    def fake_upstream_connections_should_be_closed(self, timeout: Duration = 1.0,
                                                   fake: str = "http") -> None:
        """Fails unless every connection the service opened to the fake upstream is closed.

        Waits up to ``timeout``; ``fake`` is the name of the fake HTTP upstream or fake
        OpenAI server. Call it after the service's shutdown (`Close Client`): a pooled
        connection the service never closed, or one it left checked out after an error,
        is still open then.

        Example:
        | `Close Client` | gateway |
        | `Fake Upstream Connections Should Be Closed` |
        """
        server = self._server(fake, HostedFake)
        limit = seconds(timeout, 1.0)
        left = self.run(_connections_after, server, limit, deadline=limit)
        if left:
            raise ExpectationFailed(
                f"Expected every connection to the fake upstream '{fake}' to be closed within "
                f"{limit:g} s, but {left} {'is' if left == 1 else 'are'} still open."
            )

    @keyword(tags=TAGS)
    def fake_upstream_should_have_received(self, method: str, path: str, json: Any = None,
                                           fake: str = "http") -> None:
        """Fails unless the fake upstream received ``method`` ``path`` (with ``json``, if given).

        The last such request's JSON body must have what ``json`` says, compared as in
        `Fake Should Have Received`; ``fake`` is the fake HTTP upstream's name.

        Example:
        | `Fake Upstream Should Have Received` | POST | /v1/search | json={"query": "cats"} |
        """
        calls = [c for c in self.ctx.fake(fake).calls if c.method == f"{method.upper()} {path}"]
        if not calls:
            raise ExpectationFailed(
                f"Expected the fake upstream '{fake}' to receive {method.upper()} {path}, but "
                "it never did."
            )
        wanted = json_value(json)
        if wanted is not None and not json_matches(calls[-1].kwargs, wanted):
            raise ExpectationFailed(
                f"Expected {method.upper()} {path} on the fake upstream '{fake}' to carry "
                f"{shown_json(wanted)}, got {shown_json(calls[-1].kwargs)}."
            )


async def _connections_after(server: HostedFake, limit: float) -> int:
    """The server's connection count once it is 0, or at ``limit``. uvicorn signals no
    event when a connection closes, so its count is looked at every 10 ms until then."""
    with anyio.move_on_after(limit):
        for _ in itertools.count():  # until the deadline above, not a count of sleeps
            if not server.open_connections():
                break
            await anyio.sleep(0.01)
    return server.open_connections()
