"""WebSocket handlers with a shape to check: a chat over a fake upstream, closes with a
code, refusals, a drop, and handlers that leak when the client leaves.

``/chat`` takes ``{"message": ..., "tokens": N}`` and answers with N ``token`` messages
from the upstream's stream, then ``done``; the upstream call is closed in a ``finally``.
``/leaky-chat`` is the same handler without that ``finally``; ``/deaf`` swallows the
client's disconnect and keeps waiting, so its handler never ends by itself.
"""

from __future__ import annotations

import anyio
from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


def get_upstream() -> object:
    """The upstream client; tests put a fake in its place."""
    raise RuntimeError("no upstream is configured; install a fake")


async def _chat(ws: WebSocket, upstream: object, close_upstream: bool) -> None:
    await ws.accept(subprotocol="chat.v1" if "chat.v1" in ws.scope["subprotocols"] else None)
    while True:
        try:
            request = await ws.receive_json()
        except WebSocketDisconnect:
            return
        call = upstream.stream(prompt=request["message"])
        try:
            async for token in call:
                await ws.send_json({"type": "token", "text": token})
            await ws.send_json({"type": "done"})
        except WebSocketDisconnect:
            return
        finally:
            if close_upstream:
                with anyio.CancelScope(shield=True):
                    await call.aclose()


@app.websocket("/chat")
async def chat(ws: WebSocket, upstream: object = Depends(get_upstream)) -> None:
    if ws.headers.get("authorization") != "Bearer s3cr3t-token":
        await ws.close(code=1008, reason="not authorized")
        return
    await _chat(ws, upstream, close_upstream=True)


@app.websocket("/leaky-chat")
async def leaky_chat(ws: WebSocket, upstream: object = Depends(get_upstream)) -> None:
    await _chat(ws, upstream, close_upstream=False)


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
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await ws.send_bytes(message["bytes"])
            else:
                await ws.send_text(message["text"])
    except WebSocketDisconnect:
        return


@app.websocket("/deaf")
async def deaf(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_json({"type": "ready"})
    while True:
        try:
            await ws.receive_text()
        except WebSocketDisconnect:
            await anyio.sleep_forever()  # the bug: it never lets go of the socket
