"""The WebSocket app of the WebSocket benchmark: on ``{"n": N}``, N small JSON messages.

``/ws`` accepts, then for each client message ``{"n": N}`` sends ``{"type":"token","i":i}``
N times and ``{"type":"done"}``, and waits for the next request; it returns when the
client leaves. The messages are formatted as text (no ``json.dumps`` per message), so the
app's own cost stays small beside the reader's, the same for every contender.
"""

from __future__ import annotations

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI(title="WebSocket benchmark app")

DONE = '{"type":"done"}'


@app.websocket("/ws")
async def tokens(ws: WebSocket) -> None:
    await ws.accept()
    try:
        while True:
            request = await ws.receive_json()
            send = ws.send_text
            for index in range(int(request["n"])):
                await send(f'{{"type":"token","i":{index}}}')
            await send(DONE)
    except WebSocketDisconnect:
        return
