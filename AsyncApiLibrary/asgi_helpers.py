"""Small pieces of ASGI that the fake servers share: a hosted fake server's life, read a
body, answer JSON, stall, notice the caller leaving, and a lifespan that starts and stops
at once."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from .fakes import FakeCall, FakeUpstream
from .server import HostedServer

JSON_HEADERS = [(b"content-type", b"application/json")]


class HostedFake:
    """A fake server the library hosts on 127.0.0.1 for a test: its ``fake`` records the
    calls and answers them; subclasses are the ASGI app (``__call__``)."""

    def __init__(self, fake: FakeUpstream, *, name: str, title: str) -> None:
        self.fake = fake
        self.name = name
        self._server = HostedServer(self, name=f"{title} '{name}'", graceful_timeout=0.5)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def open_connections(self) -> int:
        """Connections the server still holds (a pooled keep-alive one counts)."""
        server = self._server.uvicorn
        return len(server.server_state.connections) if server is not None else 0

    async def __aenter__(self) -> Any:
        await self._server.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.fake.shutdown()
        await self._server.__aexit__(*exc_info)


async def send_json(send: Any, status: int, payload: dict,
                     headers: dict[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [*JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


async def stall() -> None:
    """Send nothing more; the caller's timeout (or disconnect) ends the request."""
    await anyio.sleep_forever()


async def read_body(receive: Any) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(parts)


async def cancel_on_disconnect(receive: Any, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


async def answer_call(call: FakeCall, receive: Any, answer: Callable[[], Awaitable[None]]) -> None:
    """Run ``answer`` for a recorded fake call; a caller that leaves cancels it (the call
    is marked so), and the call is closed however the answer ends."""
    async with anyio.create_task_group() as group:
        group.start_soon(cancel_on_disconnect, receive, group.cancel_scope)
        try:
            await answer()
        except anyio.get_cancelled_exc_class():
            call.mark_cancelled("cancelled (the caller went away)")
            raise
        finally:
            group.cancel_scope.cancel()
            with anyio.CancelScope(shield=True):
                await call.aclose()


async def lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return



class ScriptedHangUp(Exception):
    """Raised inside a fake server so that uvicorn cuts the connection, as scripted."""


def _quiet_hang_ups(record: logging.LogRecord) -> bool:
    """uvicorn logs the exception that cuts a connection; a scripted cut is not news."""
    error = record.exc_info[1] if record.exc_info else None
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return not isinstance(error, ScriptedHangUp)


# Installed once for every fake server: it drops only the fakes' own scripted cuts.
logging.getLogger("uvicorn.error").addFilter(_quiet_hang_ups)
