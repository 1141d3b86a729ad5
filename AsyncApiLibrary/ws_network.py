"""The client's end of a WebSocket over a socket, read by the socket's one pump.

After httpx2 has upgraded the connection (status 101), the frames are read and written
here with wsproto on httpx2's network stream, so the pump that stamps a message's arrival
is the task that reads it from the socket: no second reader task and queue in between
(httpx2's own session runs one; the benchmark measured that hop as two thirds of the gap
to raw reading). Pings are answered, fragments joined, and a close from the server is
answered as RFC 6455 asks.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import anyio
import wsproto
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    TextMessage,
)

from .asgi_websocket import ABNORMAL, Event

READ_SIZE = 65536
MAX_MESSAGE = 16 * 1024 * 1024  # bytes a message received over a socket may have


class MessageTooBig(Exception):
    """The server sent a message larger than the library accepts."""


class NetworkSide:
    """wsproto on an upgraded httpx2 connection: receive events, send messages, close."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.stream = response.extensions["network_stream"]
        self.subprotocol = response.headers.get("sec-websocket-protocol")
        self.connection = wsproto.Connection(wsproto.ConnectionType.CLIENT)
        self._events: deque[Event] = deque()
        self._parts: list[str | bytes] = []
        self._size = 0
        self._write_lock = anyio.Lock()
        self._closed = False

    async def receive(self) -> Event:
        """The next message, or the close: ``("close", code, reason)``."""
        while not self._events:
            try:
                data = await self.stream.read(READ_SIZE)
            except Exception:  # noqa: BLE001  (any read error: the connection is gone)
                data = b""
            if not data:
                return ("close", ABNORMAL, "")
            self.connection.receive_data(data)
            for event in self.connection.events():
                await self._take(event)
        return self._events.popleft()

    async def _take(self, event: Any) -> None:
        if isinstance(event, Message):
            self._size += len(event.data)
            if self._size > MAX_MESSAGE:
                raise MessageTooBig(f"a message of more than {MAX_MESSAGE} bytes arrived")
            self._parts.append(event.data)
            if event.message_finished:
                kind = "text" if isinstance(event, TextMessage) else "bytes"
                joined = "".join(self._parts) if kind == "text" else b"".join(self._parts)
                self._events.append((kind, joined, None))
                self._parts, self._size = [], 0
        elif isinstance(event, Ping):
            await self._write(self.connection.send(event.response()))
        elif isinstance(event, CloseConnection):
            if self.connection.state == wsproto.connection.ConnectionState.REMOTE_CLOSING:
                await self._write(self.connection.send(event.response()))
            self._events.append(("close", event.code, event.reason or ""))

    async def send(self, payload: str | bytes) -> None:
        message = TextMessage(payload) if isinstance(payload, str) else BytesMessage(payload)
        await self._write(self.connection.send(message))

    async def _write(self, data: bytes) -> None:
        async with self._write_lock:
            await self.stream.write(data)

    async def close(self, code: int, reason: str) -> None:
        """Send the client's close (if the session is still open), then drop the socket."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.connection.state == wsproto.connection.ConnectionState.OPEN:
                await self._write(self.connection.send(CloseConnection(code, reason or None)))
        except Exception:  # noqa: BLE001,S110  (the server may already be gone)
            pass
        finally:
            with anyio.CancelScope(shield=True):
                await self.stream.aclose()
                await self.response.aclose()
