"""Apps whose startup goes wrong: one says it failed and waits, one never finishes.

``hanging`` records in ``EVENTS`` when its startup begins and when it is cancelled, so a
test can see that a start the library gave up on left nothing running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

EVENTS: list[str] = []


async def says_failed(scope, receive, send):
    """A raw ASGI app that reports a failed startup, then waits as some servers' apps do."""
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database is down"})
        await anyio.sleep_forever()


@asynccontextmanager
async def _hang(app: FastAPI) -> AsyncIterator[None]:
    EVENTS.append("startup began")
    try:
        await anyio.sleep_forever()
    except anyio.get_cancelled_exc_class():
        EVENTS.append("startup cancelled")
        raise
    yield


hanging = FastAPI(lifespan=_hang)
