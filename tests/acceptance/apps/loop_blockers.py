"""Apps that block the event loop, as real bugs do: a sleep in an ``async def`` endpoint,
and a stream generator that never awaits, so after a disconnect it spins without end."""

from __future__ import annotations

import time

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
