"""Tiny ASGI apps for the core tests, released by the test (events), never by time."""

from __future__ import annotations

from typing import Any

import anyio


class GatedStream:
    """Sends chunk i only after the test calls ``release()`` i times; records its cleanup."""

    def __init__(self, chunks: int = 3) -> None:
        self.chunks = chunks
        self.gate = anyio.Semaphore(0)
        self.sent = 0
        self.finally_ran = anyio.Event()
        self.lifespan: list[str] = []

    def release(self) -> None:
        self.gate.release()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].split(".")[-1]
                self.lifespan.append(kind)
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/plain")]})
            for index in range(self.chunks):
                await self.gate.acquire()
                self.sent += 1
                await send({"type": "http.response.body", "body": f"chunk{index};".encode(),
                            "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.finally_ran.set()


async def crashing_app(scope: dict, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


async def until_disconnect_app(scope: dict, receive: Any, send: Any) -> None:
    """Streams one chunk, then waits for the client to leave."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first", "more_body": True})
    message = await receive()
    while message["type"] != "http.disconnect":
        message = await receive()
    until_disconnect_app.saw_disconnect = True  # type: ignore[attr-defined]


def sse_app(parts: list[bytes], headers: tuple[tuple[bytes, bytes], ...] = ()) -> Any:
    """An app that answers with an SSE stream of exactly these body parts, then ends."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"), *headers]})
        for part in parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app
