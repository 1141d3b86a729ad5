"""Small pieces of ASGI that the fake servers share: read a body, answer JSON, stall,
notice the caller leaving, and a lifespan that starts and stops at once."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio

JSON_HEADERS = [(b"content-type", b"application/json")]


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
