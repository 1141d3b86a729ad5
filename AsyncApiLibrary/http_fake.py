"""A fake HTTP upstream for any service, served on loopback and scripted route by route.

Each route answers as the test says: a JSON reply (a status, headers), a stream of items
(SSE or JSON lines), a stall (nothing more is sent, so the caller's timeout fires), a
hang-up mid-body, or a malformed body. Every request is recorded as a call on the fake
(its method is ``METHOD /path``, its arguments the JSON body's fields), so the fake
keywords check it; the connections the service opens are counted, so one left open after
the service's shutdown is seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

import anyio

from .asgi_helpers import (
    JSON_HEADERS,
    HostedFake,
    ScriptedHangUp,
    answer_call,
    lifespan,
    read_body,
    send_json,
)
from .fakes import FakeUpstream

Behaviour = Literal["reply", "stream", "stall", "hang_up", "malformed"]


@dataclass
class Route:
    """What one route answers."""

    method: str
    path: str
    behaviour: Behaviour = "reply"
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    items: list[Any] = field(default_factory=list)
    format: Literal["sse", "lines"] = "sse"
    done: str | None = None  # a last SSE data line, such as [DONE]

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatchcase(path, self.path)


class FakeHttpUpstream(HostedFake):
    """An async context manager serving scripted routes on 127.0.0.1:<free port>."""

    def __init__(self, fake: FakeUpstream, *, name: str) -> None:
        super().__init__(fake, name=name, title="fake HTTP upstream")
        self.routes: list[Route] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        raw = await read_body(receive)
        method, path = scope["method"], scope["path"]
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"body": raw.decode("utf-8", "replace")}
        fields = body if isinstance(body, dict) else {"body": body}
        call = getattr(self.fake, f"{method} {path}")(**{str(k): v for k, v in fields.items()})
        route = next((r for r in reversed(self.routes) if r.matches(method, path)), None)
        if route is None:
            await send_json(send, 404, {"error": f"no route scripted for {method} {path}"})
            await call.aclose()
            return
        await answer_call(call, receive, lambda: _answer(route, send))


async def _answer(route: Route, send: Any) -> None:
    headers = {k.lower(): v for k, v in route.headers.items()}
    if route.behaviour == "reply":
        await send_json(send, route.status, route.body, headers)
        return
    if route.behaviour == "stall":
        await anyio.sleep_forever()
    kind = b"text/event-stream" if route.format == "sse" else b"application/jsonl"
    await send({"type": "http.response.start", "status": route.status,
                "headers": [(b"content-type", kind if route.behaviour == "stream"
                             else JSON_HEADERS[0][1]),
                            *[(k.encode(), v.encode()) for k, v in headers.items()]]})
    if route.behaviour == "malformed":
        await send({"type": "http.response.body", "body": b'{"truncated": '})
        return
    for item in route.items:
        text = item if isinstance(item, str) else json.dumps(item)
        line = f"data: {text}\n\n" if route.format == "sse" else f"{text}\n"
        await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
    if route.behaviour == "hang_up":
        raise ScriptedHangUp("The fake upstream cut the connection as scripted.")
    closing = f"data: {route.done}\n\n".encode() if route.done and route.format == "sse" else b""
    await send({"type": "http.response.body", "body": closing})


