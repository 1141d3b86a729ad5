"""An app whose handlers end a little after their streams do, as real ones often do.

``/done-then-close`` sends its done event, then closes an upstream connection that takes
0.2 s; ``/slow-start`` takes 1.5 s before it answers at all; ``/endless`` streams until the
client leaves, then takes 0.3 s to close its upstream.
"""

from __future__ import annotations

import anyio
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


async def _upstream_close(seconds: float) -> None:
    """Closing an upstream connection that takes ``seconds`` (shielded, as cleanup is)."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(seconds):
        await anyio.Event().wait()


@app.get("/done-then-close")
async def done_then_close() -> StreamingResponse:
    async def events():
        try:
            yield "event: token\ndata: one\n\n"
            yield "event: done\ndata: {}\n\n"
        finally:
            await _upstream_close(0.2)

    return StreamingResponse(events(), media_type="text/event-stream")


@app.get("/slow-start")
async def slow_start() -> StreamingResponse:
    await _upstream_close(1.5)
    return StreamingResponse(iter(["event: done\ndata: {}\n\n"]), media_type="text/event-stream")


@app.get("/endless")
async def endless() -> StreamingResponse:
    async def events():
        try:
            while True:
                yield "event: token\ndata: more\n\n"
                await anyio.lowlevel.checkpoint()
        finally:
            await _upstream_close(0.3)

    return StreamingResponse(events(), media_type="text/event-stream")
