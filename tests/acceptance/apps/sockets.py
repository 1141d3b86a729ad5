"""WebSocket handlers with a shape to check: a chat over an upstream, closes with a code,
refusals, a drop, and handlers that leak when the client leaves.

``/chat`` takes ``{"message": ..., "tokens": N}`` and answers with N ``token`` messages
from the upstream's stream, then ``done``; the upstream call is closed in a ``finally``.
``/leaky-chat`` is the same handler without that ``finally``; ``/deaf`` swallows the
client's disconnect and keeps waiting, so its handler never ends by itself. ``/stats``
tells what a service would expose: handlers running, upstream calls open, and the close
code of the last client that left, so a suite can check cleanup by URL too.

The upstream is :class:`TickingUpstream` (a token every 20 ms) unless a test installs a
fake in place of :func:`get_upstream`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import anyio
from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
STATS = {"handlers": 0, "open_upstreams": 0, "last_close_code": None}
TOKEN = "s3cr3t-token"


class _Call:
    """One upstream stream call; counted open until closed."""

    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        STATS["open_upstreams"] += 1
        self.closed = False

    def __aiter__(self) -> AsyncIterator[str]:
        return self._tokens()

    async def _tokens(self) -> AsyncIterator[str]:
        for word in ["tick"] * 50:
            await anyio.sleep(0.02)
            yield word

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            STATS["open_upstreams"] -= 1


class TickingUpstream:
    def stream(self, prompt: str) -> _Call:
        return _Call(prompt)


def get_upstream() -> object:
    """The upstream client; tests may put a fake in its place."""
    return TickingUpstream()


async def _chat(ws: WebSocket, upstream: object, close_upstream: bool) -> None:
    offered = ws.scope.get("subprotocols", [])
    await ws.accept(subprotocol="chat.v1" if "chat.v1" in offered else None)
    while True:
        try:
            request = await ws.receive_json()
        except WebSocketDisconnect as gone:
            STATS["last_close_code"] = gone.code
            return
        if request.get("fail"):  # a failed reply, closed by a done as vLLM and OpenAI close one
            await ws.send_json({"type": "error", "message": "upstream failed"})
            if request.get("closing_done", True):
                await ws.send_json({"type": "done", "tokens": 0})
            continue
        if request.get("tokens") == 0:  # an empty reply
            await ws.send_json({"type": "done", "tokens": 0})
            continue
        call = upstream.stream(prompt=request["message"])
        try:
            sent = 0
            async for token in call:
                await ws.send_json({"type": "token", "text": token})
                sent += 1
                if sent == request.get("tokens", 2):
                    break
            await ws.send_json({"type": "done", "tokens": sent})
        except WebSocketDisconnect as gone:
            STATS["last_close_code"] = gone.code
            return
        finally:
            if close_upstream:
                with anyio.CancelScope(shield=True):
                    await call.aclose()


@app.websocket("/chat")
async def chat(ws: WebSocket, upstream: object = Depends(get_upstream)) -> None:
    if ws.headers.get("authorization") != f"Bearer {TOKEN}":
        await ws.close(code=1008, reason="not authorized")
        return
    STATS["handlers"] += 1
    try:
        await _chat(ws, upstream, close_upstream=True)
    finally:
        STATS["handlers"] -= 1


@app.websocket("/leaky-chat")
async def leaky_chat(ws: WebSocket, upstream: object = Depends(get_upstream)) -> None:
    STATS["handlers"] += 1
    try:
        await _chat(ws, upstream, close_upstream=False)
    finally:
        STATS["handlers"] -= 1


@app.websocket("/closes")
async def closes(ws: WebSocket, code: int = 1000, reason: str = "") -> None:
    await ws.accept()
    await ws.send_text("bye")
    await ws.close(code=code, reason=reason)


@app.websocket("/drops")
async def drops(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text("one")
    raise RuntimeError("the handler failed")


@app.websocket("/accepts-then-closes")
async def accepts_then_closes(ws: WebSocket) -> None:
    await ws.accept()
    await ws.close(code=1008, reason="not authorized")


@app.websocket("/echo")
async def echo(ws: WebSocket) -> None:
    await ws.accept()
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            STATS["last_close_code"] = message.get("code")
            return
        if message.get("bytes") is not None:
            await ws.send_bytes(message["bytes"])
        else:
            await ws.send_text(message["text"])


@app.websocket("/blocking")
async def blocking(ws: WebSocket) -> None:
    """Answers each message after a blocking sleep: the loop stops for everyone."""
    await ws.accept()
    try:
        while True:
            seconds = float(await ws.receive_text())
            time.sleep(seconds)  # noqa: ASYNC251  (the bug: a blocking call in a handler)
            await ws.send_text("slept")
    except WebSocketDisconnect:
        return


FORGOTTEN: set[asyncio.Task] = set()


@app.websocket("/forgets-task")
async def forgets_task(ws: WebSocket) -> None:
    """Starts a task per message and never ends it: it outlives the handler."""
    await ws.accept()
    try:
        while True:
            await ws.receive_text()
            task = asyncio.get_running_loop().create_task(_poll_forever())
            FORGOTTEN.add(task)  # the bug: kept, never cancelled
            await ws.send_text("started")
    except WebSocketDisconnect:
        return


async def _poll_forever() -> None:
    await anyio.sleep_forever()  # stands for a poller nobody stops


@app.websocket("/burst")
async def burst(ws: WebSocket, n: int = 100, done: bool = False) -> None:
    """``n`` messages at once, then a close: more than the client's buffer holds. With
    ``done``, a done message follows them and the socket stays open until the client leaves."""
    await ws.accept()
    for index in range(n):
        await ws.send_json({"type": "item", "index": index})
    if done:
        await ws.send_json({"type": "done", "items": n})
        try:
            await ws.receive_text()
        except WebSocketDisconnect:
            pass
        return
    await ws.close(code=1000, reason="all sent")


@app.websocket("/never-reads")
async def never_reads(ws: WebSocket) -> None:
    """Accepts and never reads: what a client sends piles up in the buffers."""
    await ws.accept()
    try:
        await anyio.sleep_forever()
    finally:
        STATS["last_close_code"] = "never-reads ended"


@app.websocket("/unoffered-subprotocol")
async def unoffered_subprotocol(ws: WebSocket) -> None:
    """Accepts with a subprotocol whatever the client offered."""
    await ws.accept(subprotocol="evil")


@app.websocket("/heartbeats")
async def heartbeats(ws: WebSocket) -> None:
    """A heartbeat every 20 ms and nothing else, until the client leaves."""
    await ws.accept()
    try:
        while True:
            await ws.send_json({"type": "heartbeat"})
            await anyio.sleep(0.02)
    except WebSocketDisconnect:
        return


@app.websocket("/silent")
async def silent(ws: WebSocket) -> None:
    """Reads what the client sends and never answers."""
    await ws.accept()
    try:
        while True:
            await ws.receive_text()
    except WebSocketDisconnect:
        return


@app.websocket("/deaf")
async def deaf(ws: WebSocket) -> None:
    STATS["handlers"] += 1
    try:
        await ws.accept()
        await ws.send_json({"type": "ready"})
        while True:
            try:
                await ws.receive_text()
            except WebSocketDisconnect:
                await anyio.sleep_forever()  # the bug: it never lets go of the socket
    finally:
        STATS["handlers"] -= 1


@app.get("/stats")
async def stats() -> dict:
    return STATS
