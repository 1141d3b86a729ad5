"""One WebSocket session with an ASGI app in the same loop, behaving as uvicorn does.

No frames are encoded: the client side and the app exchange ASGI messages directly. What
the client sees follows uvicorn (measured with its ``websockets-sansio`` and ``wsproto``
protocols, which agree): a close before ``websocket.accept`` refuses the handshake with
HTTP 403; an app that raises or returns before accepting gets HTTP 500; the denial
response extension sends the app's own status and body; an app that returns or raises
after accepting, without a close, drops the connection (code 1006, no close frame); a
close from the client reaches the app as ``websocket.disconnect`` with its code and
reason, and a send after the client left raises uvicorn's ``ClientDisconnected``.
"""

from __future__ import annotations

import math
from typing import Any

import anyio

from .httpclient import httpx
from .transport import AppCall, StreamingASGITransport

try:  # the exception uvicorn raises for a send after the client left (Starlette maps it)
    from uvicorn.protocols.utils import ClientDisconnected
except ImportError:  # pragma: no cover - uvicorn is a dependency
    class ClientDisconnected(OSError):  # type: ignore[no-redef]
        """The client has left; nothing more can be sent."""

ABNORMAL = 1006  # the connection dropped without a close frame
Event = tuple[str, Any, Any]  # ("text", str, None) | ("bytes", bytes, None) | ("close", code, reason)


LOCAL_ONLY = (1005, 1006, 1015)  # codes that name what happened, never sent in a frame
REASON_BYTES = 123  # what a close frame has room for


def valid_code(code: int) -> bool:
    """Whether a close frame may carry ``code`` (RFC 6455, 7.4)."""
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


def short_reason(reason: str) -> str:
    """A close reason as a frame carries it: at most 123 bytes of UTF-8."""
    return reason.encode()[:REASON_BYTES].decode("utf-8", "ignore")


class Refusal:
    """A handshake the app did not accept: the HTTP answer a server would have sent."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class SocketCall(AppCall):
    """The state of one WebSocket session travelling through the app."""

    def __init__(self, request: httpx.Request, buffer_size: float,
                 offered: list[str] | None = None) -> None:
        super().__init__(request)
        self.offered = offered or []  # the subprotocols the client offered
        # Bounded, as a socket's buffers are: a client sending to an app that does not
        # read waits, and its send meets its deadline, as over a socket.
        self.to_app_send, self.to_app_receive = anyio.create_memory_object_stream[Any](
            max(int(buffer_size), 1) if buffer_size != math.inf else math.inf)
        self.pending: dict[str, Any] | None = None  # a disconnect that found no room
        self.to_client_send, self.to_client_receive = \
            anyio.create_memory_object_stream[Event](buffer_size)
        self.connect_sent = False
        self.answered = anyio.Event()  # accepted or refused
        self.accepted = False
        self.subprotocol: str | None = None
        self.accept_headers: list[tuple[bytes, bytes]] = []
        self.refusal: Refusal | None = None
        self._denial: tuple[int, list[tuple[bytes, bytes]]] | None = None
        self._denial_body: list[bytes] = []
        self.app_closed = False
        self.client_left = False
        self.dropped = False  # the handshake failed without an answer
        self.finished = anyio.Event()

    def describe(self) -> str:
        return f"WebSocket {self.request.url.path}"

    # -- the app's side ---------------------------------------------------------------
    async def receive(self) -> dict[str, Any]:
        if not self.connect_sent:
            self.connect_sent = True
            return {"type": "websocket.connect"}
        try:
            try:
                return self.to_app_receive.receive_nowait()
            except anyio.WouldBlock:
                if self.pending is not None:  # everything before it has been read
                    message, self.pending = self.pending, None
                    return message
                return await self.to_app_receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return {"type": "websocket.disconnect", "code": ABNORMAL, "reason": ""}

    def _to_app_now(self, message: dict[str, Any]) -> None:
        """A disconnect for the app, behind what it has not read yet."""
        try:
            self.to_app_send.send_nowait(message)
        except anyio.WouldBlock:
            self.pending = message
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self.client_left:
            raise ClientDisconnected()
        if kind == "websocket.accept":
            self._accept(message)
        elif kind == "websocket.close":
            await self._close(message)
        elif kind == "websocket.send":
            if not self.accepted or self.app_closed:
                raise RuntimeError(f"The app sent 'websocket.send' {self._when()}.")
            text = message.get("text")
            event: Event = ("text", text, None) if text is not None \
                else ("bytes", message.get("bytes") or b"", None)
            await self._to_client(event)
        elif kind == "websocket.http.response.start":
            if self.answered.is_set() or self._denial is not None:
                raise RuntimeError("The app sent a denial response after answering the handshake.")
            self._denial = (message["status"], list(message.get("headers", [])))
        elif kind == "websocket.http.response.body":
            if self._denial is None:
                raise RuntimeError("The app sent a denial body before its start.")
            self._denial_body.append(message.get("body", b""))
            if not message.get("more_body", False):
                self._refuse(*self._denial, b"".join(self._denial_body))
        else:
            raise RuntimeError(f"The app sent an unknown WebSocket message '{kind}'.")

    def _when(self) -> str:
        return "after closing the socket" if self.app_closed else "before accepting the socket"

    def _accept(self, message: dict[str, Any]) -> None:
        if self.answered.is_set():
            raise RuntimeError("The app sent 'websocket.accept' after answering the handshake.")
        chosen = message.get("subprotocol")
        if chosen is not None and chosen not in self.offered:
            self.dropped = True  # uvicorn's handshake fails: the client gets no answer
            raise RuntimeError(f"The app accepted subprotocol '{chosen}', which the client "
                               "did not offer.")
        self.accepted = True
        self.subprotocol = message.get("subprotocol")
        self.accept_headers = list(message.get("headers", []))
        self.answered.set()

    async def _close(self, message: dict[str, Any]) -> None:
        if not self.accepted:
            if not self.answered.is_set():
                self._refuse(403, [], b"")  # uvicorn answers a close before accept with 403
            return
        if self.app_closed:
            raise RuntimeError("The app sent 'websocket.close' twice.")
        self.app_closed = True
        code, reason = message.get("code", 1000), short_reason(message.get("reason") or "")
        if code in LOCAL_ONLY:
            code = 1000  # a server may not send these; uvicorn (wsproto) sends 1000
        if valid_code(code):
            await self._to_client(("close", code, reason))
        else:  # a client refuses the frame, as wsproto's does
            await self._to_client(("close", 1002, "CLOSE with invalid code"))
        self.to_client_send.close()
        # The client answers a close frame with its own: the app may read it.
        self._to_app_now({"type": "websocket.disconnect", "code": code, "reason": reason})

    def _refuse(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.refusal = Refusal(status, headers, body)
        self.answered.set()

    async def _to_client(self, event: Event) -> None:
        try:
            try:  # room in the buffer: no trip through the loop, as uvicorn's send
                self.to_client_send.send_nowait(event)
            except anyio.WouldBlock:
                await self.to_client_send.send(event)  # a slow reader: wait, as a socket
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            raise ClientDisconnected() from None

    def app_returned(self) -> None:
        """The app call is over: an unanswered handshake is a 500, an open socket drops."""
        if not self.answered.is_set():
            self._refuse(500, [(b"content-type", b"text/plain; charset=utf-8")],
                         b"Internal Server Error")
        elif self.accepted and not self.app_closed and not self.client_left:
            try:
                self.to_client_send.send_nowait(("close", ABNORMAL, ""))
            except (anyio.WouldBlock, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # a full buffer: its end reads as the drop itself
        self.to_client_send.close()
        self.to_app_send.close()
        self.to_app_receive.close()
        self.finished.set()

    # -- the client's side --------------------------------------------------------------
    async def client_receive(self) -> Event:
        try:
            return await self.to_client_receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return ("close", ABNORMAL, "")

    async def client_send(self, message: dict[str, Any]) -> None:
        """A message from the client; lost, as on a socket, once the app has finished.
        Waits while the app has as many unread messages as the buffer holds."""
        if self.finished.is_set() or self.client_left:
            return
        try:
            await self.to_app_send.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return

    def forget(self) -> None:
        """The client keeps nothing of a refused handshake."""
        self.client_left = True
        self.to_client_receive.close()

    def client_close(self, code: int, reason: str) -> None:
        """The client leaves: the app reads ``websocket.disconnect`` with this code."""
        if self.client_left:
            return
        self.client_left = True
        if not self.finished.is_set() and not self.app_closed:
            self._to_app_now({"type": "websocket.disconnect", "code": code,
                              "reason": short_reason(reason)})
        self.to_client_receive.close()


class WebSocketASGITransport(StreamingASGITransport):
    """The streaming ASGI transport, which also carries WebSocket sessions to the app."""

    async def open_websocket(self, request: httpx.Request, subprotocols: list[str]) -> Any:
        """Start a WebSocket session with the app; returns its ``SocketCall`` once the app
        accepted or refused the handshake."""
        self._check_open()
        call = SocketCall(request, self.buffer_size, subprotocols)
        scope = self._scope(request)
        del scope["method"]
        scope.update(type="websocket", scheme="wss" if request.url.scheme == "https" else "ws",
                     subprotocols=subprotocols,
                     extensions={"websocket.http.response": {}})
        self._spawn(self._run_app(call, scope), call)
        try:
            await call.answered.wait()
            if call.dropped:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        except BaseException:
            self.leave_websocket(call, 1006, "")
            raise
        return call

    def leave_websocket(self, call: Any, code: int, reason: str) -> None:
        """The client closes the session; an app that does not finish within
        ``disconnect_grace`` is cancelled, as after an HTTP disconnect."""
        if call.client_left:
            return
        call.client_close(code, reason)
        if not call.finished.is_set() and self._loop is not None:
            self._spawn(self._cancel_after_grace(call))
