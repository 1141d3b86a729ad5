"""Apps that block the event loop, as real bugs do: a sleep in an ``async def`` endpoint,
a stream generator that never awaits, so after a disconnect it spins, and a stream whose
cleanup blocks (a sync close of its upstream client)."""

from __future__ import annotations

import time

import anyio
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/block")
async def block(s: float) -> dict[str, float]:
    time.sleep(s)  # noqa: ASYNC251  (the bug: a blocking call in an async endpoint)
    return {"slept": s}


@app.get("/spin")
async def spin(n: int) -> StreamingResponse:
    async def events():  # the bug: no await between items
        for index in range(n):
            yield f"data: {index}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@app.get("/blocking-close")
async def blocking_close(s: float) -> StreamingResponse:
    async def events():
        try:
            yield "data: first\n\n"
            await anyio.sleep_forever()  # until the client leaves
        finally:
            time.sleep(s)  # noqa: ASYNC251  (the bug: a blocking close of an upstream client)

    return StreamingResponse(events(), media_type="text/event-stream")
