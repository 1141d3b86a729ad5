"""Streams with a shape to check: exact, more after the end, and a shielded upstream read.

``/shielded`` reads its upstream inside a shielded scope that only ends at the upstream's
own one-second deadline: a client that leaves is noticed only then, the way a
"protect the read from cancellation" mistake behaves.
"""

from __future__ import annotations

import asyncio

import anyio
from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


def get_upstream() -> object:
    """The upstream client; tests put a fake in its place."""
    raise RuntimeError("no upstream is configured; install a fake")


def _events(*pairs: tuple[str, str]) -> StreamingResponse:
    body = "".join(f"event: {name}\ndata: {data}\n\n" for name, data in pairs)
    return StreamingResponse(iter([body]), media_type="text/event-stream")


@app.get("/exact")
async def exact() -> StreamingResponse:
    return _events(("start", "{}"), ("token", "a"), ("done", "{}"))


@app.get("/after-done")
async def after_done() -> StreamingResponse:
    return _events(("start", "{}"), ("done", "{}"), ("token", "late"))


@app.get("/shielded")
async def shielded(upstream: object = Depends(get_upstream)) -> StreamingResponse:
    async def events():
        yield "event: start\ndata: {}\n\n"
        call = upstream.stream(prompt="hi")
        try:
            token = None
            with anyio.CancelScope(shield=True), anyio.move_on_after(1.0):
                token = await call.__anext__()  # the bug: shielded from the disconnect
            if token is not None:
                yield f"event: token\ndata: {token}\n\n"
        finally:
            with anyio.CancelScope(shield=True):
                await call.aclose()

    return StreamingResponse(events(), media_type="text/event-stream")


async def _close_later() -> None:
    """A close that never completes: the upstream does not answer."""
    await asyncio.Event().wait()


@app.get("/forgets-its-close")
async def forgets_its_close() -> StreamingResponse:
    async def events():
        try:
            yield "event: start\ndata: {}\n\n"
            await anyio.sleep_forever()
        finally:
            asyncio.get_running_loop().create_task(_close_later())  # the bug: fired, forgotten

    return StreamingResponse(events(), media_type="text/event-stream")
