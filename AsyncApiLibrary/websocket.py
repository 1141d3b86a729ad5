"""An open WebSocket, read by one pump task, as an HTTP stream is.

A :class:`LiveSocket` is a :class:`~AsyncApiLibrary.streams.LiveStream` whose items are
the server's messages: the pump stamps each arrival and hands it over through the same
bounded buffer, so every reading keyword, the done and error conventions, the timing
checks, the transcript and `Expect Cleanup` work on it unchanged. What it adds: the
handshake (accepted, or refused with an HTTP status), messages sent by the test (kept
for the transcript), and the close (its code and reason, from the server or the test).

In process the session runs through the app's streaming ASGI transport
(:mod:`~AsyncApiLibrary.asgi_websocket`); over a socket httpx2 upgrades a connection of
the client's own pool and the pump reads its frames (:mod:`~AsyncApiLibrary.ws_network`).
"""

from __future__ import annotations

import base64
import os
import time
from collections import deque
from typing import Any

import anyio

from .arrivals import TRANSCRIPT_LIMIT, make_batch
from .asgi_websocket import ABNORMAL, Event, Refusal
from .display import clip, short
from .errors import DeadlineExceeded, ExpectationFailed, StreamFailure, UsageError
from .httpclient import httpx
from .items import StreamItem, matches_pattern
from .streams import DISCONNECT_WAIT, REFUSAL_KEPT, LiveStream
from .ws_network import NetworkSide

LATEST = 200  # messages kept for timing the answer to a sent message
CLOSE_NAMES = {1000: "normal closure", 1001: "going away", 1002: "protocol error",
               1003: "unsupported data", 1006: "connection dropped without a close frame",
               1007: "invalid data", 1008: "policy violation", 1009: "message too big",
               1011: "internal error", 1012: "service restart", 1013: "try again later"}


def close_text(code: int | None, reason: str) -> str:
    """A close code as a reader knows it: ``1011 (internal error) 'upstream failed'``."""
    if code is None:
        return "no close code"
    name = CLOSE_NAMES.get(code)
    text = f"{code}" + (f" ({name})" if name else "")
    return text + (f" {reason!r}" if reason else "")


def handshake_headers(subprotocols: list[str]) -> dict[str, str]:
    """The headers that ask a server to upgrade the request to a WebSocket."""
    headers = {"connection": "upgrade", "upgrade": "websocket",
               "sec-websocket-version": "13",
               "sec-websocket-key": base64.b64encode(os.urandom(16)).decode()}
    if subprotocols:
        headers["sec-websocket-protocol"] = ", ".join(subprotocols)
    return headers


class _InProcess:
    """The client's end of a session with the app in this process."""

    def __init__(self, transport: Any, call: Any) -> None:
        self.transport = transport
        self.call = call
        self.subprotocol = call.subprotocol

    async def receive(self) -> Event:
        return await self.call.client_receive()

    async def send(self, payload: str | bytes) -> None:
        key = "text" if isinstance(payload, str) else "bytes"
        await self.call.client_send({"type": "websocket.receive", key: payload})

    async def close(self, code: int, reason: str) -> None:
        self.transport.leave_websocket(self.call, code, reason)


class LiveSocket(LiveStream):
    """One WebSocket session and the pump that reads the server's messages."""

    noun = "WebSocket"
    item_word = "message"
    ends_at_done = False  # a done or error message ends one reply; the next may follow

    def __init__(self, name: str, request: httpx.Request, *, subprotocols: list[str],
                 fmt: str = "websocket", **options: Any) -> None:
        super().__init__(name, request, fmt=fmt, **options)
        self.subprotocols = subprotocols
        self.subprotocol: str | None = None
        self.refusal: Refusal | None = None
        self.sent: list[StreamItem] = []  # what the test sent, for the transcript
        self.sent_count = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed_by = ""  # "server" or "test", once closed
        self._side: Any = None
        self.last_sent: StreamItem | None = None  # the test's latest message
        self.llm_read: StreamItem | None = None  # the done of a reply an LLM keyword read
        self.arrival: anyio.Event | None = None  # set at the next message, for a waiter
        self.latest: deque[StreamItem] = deque(maxlen=LATEST)  # the last messages that arrived

    @property
    def label(self) -> str:
        return f"'{self.name}' (WebSocket {self.request.url.path})"

    def closes_an_earlier_reply(self, item: StreamItem) -> bool:
        """True for a done that closed a failed reply (see `_deliver`) when the test has
        sent a message since that error arrived: the test now waits for the new reply's
        done. With nothing sent since, the done is the failed reply's, and a test may check
        it as on an HTTP stream."""
        failed = self.error_item
        return (item is self.done_item and failed is not None and self.last_sent is not None
                and self.last_sent.arrived > failed.arrived)

    def asked_at_ms(self, first: StreamItem | None) -> float:
        """When the test sent the message that the reply beginning with ``first`` answers
        (the last one sent before it), in ms on the stream's clock; 0: the handshake."""
        if first is None:
            return 0.0
        asked = [sent for sent in self.sent if sent.arrived <= first.arrived]
        if self.last_sent is not None and self.last_sent.arrived <= first.arrived:
            asked.append(self.last_sent)
        return max((sent.offset_ms for sent in asked), default=0.0)

    def moved_on(self) -> bool:
        """Whether the test sent a message after the current reply ended (its done or error
        arrived): the reply the LLM keywords read now is the next one."""
        end, sent = self.done_item or self.error_item, self.last_sent
        return end is not None and sent is not None and sent.arrived > end.arrived

    def _closes_failed_reply(self, item: StreamItem) -> bool:
        """A done right after an error closes the reply that failed (vLLM and OpenAI send
        one), unless the test sent a message between the two: then it is the next reply's."""
        failed, sent = self.error_item, self.last_sent
        if failed is None or self.done_item is not None or not self.done.matches(item):
            return False
        return sent is None or not failed.arrived < sent.arrived <= item.arrived

    # -- opening ----------------------------------------------------------------------
    async def open_socket(self, client: httpx.AsyncClient, task_group: Any,
                          transport: Any = None) -> None:
        """Send the handshake; accepted, start the pump; refused, keep the refusal."""
        self.sent_at = time.perf_counter()
        try:
            if transport is not None:
                call = await transport.open_websocket(self.request, self.subprotocols)
                if call.refusal is not None:
                    call.forget()
                    self._refused(call.refusal)
                    return
                self._opened(_InProcess(transport, call))
            else:
                response = await client.send(self.request, stream=True)
                if not await self._upgraded(response):
                    return
            task_group.start_soon(self._pump)
        except BaseException:
            self.state = "failed"
            self._send.close()
            raise

    async def _upgraded(self, response: httpx.Response) -> bool:
        """Over a socket: True once the server switched protocols (101); otherwise the
        refusal with the body the server sent instead is kept."""
        try:
            if response.status_code == 101:
                self._opened(NetworkSide(response))
                return True
            body = b""
            with anyio.move_on_after(DISCONNECT_WAIT):
                body = await response.aread()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            raise
        with anyio.CancelScope(shield=True):
            await response.aclose()
        self._refused(Refusal(response.status_code, list(response.headers.raw), body))
        return False

    def _opened(self, side: Any) -> None:
        self._side = side
        self.subprotocol = side.subprotocol
        self.state = "open"

    def _refused(self, refusal: Refusal) -> None:
        self.refusal = refusal
        self.state = "rejected"
        self.rejected_body = refusal.body.decode("utf-8", "replace")[:REFUSAL_KEPT]
        self._send.close()
        self._pump_done.set()

    # -- the pump -----------------------------------------------------------------------
    async def _pump_items(self) -> None:
        side = self._side
        while True:
            kind, value, reason = await side.receive()
            now = time.perf_counter()  # arrival: before anything else
            if kind == "close":
                if self.state == "open":  # not the end of a close the test made
                    self.close_code, self.close_reason = int(value), reason
                    self.closed_by = "server"
                    self.state = "ended"
                    self.ended_at = now
                return
            batch = make_batch(self, [(kind, value)], now)
            self.latest.extend(batch)
            if self.arrival is not None:
                self.arrival.set()
                self.arrival = None
            await self._hand_over(batch)  # a slow reader makes it wait, as a full socket would

    # -- sending ------------------------------------------------------------------------
    async def send_message(self, payload: str | bytes, shown: str,
                           timeout: float = DISCONNECT_WAIT) -> StreamItem:
        """Send one message; it goes into the transcript as sent (``shown`` is its text).

        A server that does not read fills the connection's buffers, and the send waits,
        as on any socket; past ``timeout`` it fails saying so."""
        if self.state == "disconnected":
            raise UsageError(
                f"WebSocket {self.label} was disconnected by the test; nothing can be sent on it."
            )
        if self.state != "open" or self._side is None:
            raise ExpectationFailed(
                f"Could not send {short(shown, 60)} on WebSocket {self.label}: "
                f"{self.closed_words()}."
            )
        now = time.perf_counter()
        item = StreamItem(self.sent_count, "sent", shown, now, (now - self.sent_at) * 1000)
        self.last_sent = item
        try:
            with anyio.fail_after(timeout):
                await self._side.send(payload)
        except TimeoutError:
            raise DeadlineExceeded(
                f"Could not send {short(shown, 60)} on WebSocket {self.label} within "
                f"{timeout:g} s: the server is not reading what it is sent (the connection's "
                "buffers are full)."
            ) from None
        except Exception as exc:
            raise StreamFailure(
                f"Could not send {short(shown, 60)} on WebSocket {self.label}: the connection "
                f"failed ({type(exc).__name__})."
            ) from None
        self.sent_count += 1
        if len(self.sent) < TRANSCRIPT_LIMIT:
            self.sent.append(item)
        return item

    # -- closing ------------------------------------------------------------------------
    async def disconnect(self, code: int = 1000, reason: str = "") -> bool:
        """Close from the client side with ``code``. False if the test had already."""
        if self.state == "disconnected":
            return False
        was_live = self.state in ("open", "starting")
        self.state = "disconnected"
        self.disconnected_at = time.perf_counter()
        if was_live:
            self.close_code, self.close_reason, self.closed_by = code, reason, "test"
        with anyio.CancelScope(shield=True):
            if self._side is not None:
                with anyio.move_on_after(DISCONNECT_WAIT):
                    await self._side.close(code, reason)
            self._pump_scope.cancel()
            self._receive.close()
            with anyio.move_on_after(DISCONNECT_WAIT):
                await self._pump_done.wait()
        return was_live

    async def release(self) -> None:
        """The library lets go: close the session from this side whatever its state
        (the server's close ends reading, not the client's end of the session)."""
        if self.state != "disconnected":
            await self.disconnect()
        self._receive.close()

    def closed_words(self) -> str:
        """How the socket was closed, in words (or that it is still open)."""
        if self.state == "rejected":
            return self.refused_words()
        if self.error is not None:
            return f"the connection failed: {type(self.error).__name__}: {self.error}"
        if self.closed_by == "server":
            if self.close_code == ABNORMAL:
                return "the server dropped the connection without a close frame (code 1006)"
            return f"the server closed it with code {close_text(self.close_code, self.close_reason)}"
        if self.closed_by == "test":
            return f"the test closed it with code {close_text(self.close_code, self.close_reason)}"
        if self.state == "disconnected":
            return "the test let go of it"
        return "it is still open"

    def refused_words(self) -> str:
        status = self.refusal.status if self.refusal is not None else "no"
        body = f": {clip(self.rejected_body, 200)}" if self.rejected_body else ""
        return f"the server refused the handshake with HTTP status {status}{body}"

    # -- reading (what differs from a stream) ------------------------------------------------
    async def first_arrived_after(self, moment: float, pattern: str | None,
                                  timeout: float) -> StreamItem | None:
        """The first message that arrived after ``moment`` (a ``perf_counter`` time) whose
        name matches ``pattern`` (any, if None), read or not; waits up to ``timeout``.
        Among the last 200 messages that arrived: enough for any answer a test waits on."""
        seen = 0  # the index of the next message not looked at yet
        with anyio.move_on_after(timeout):
            while True:
                for item in list(self.latest):
                    if item.index < seen:
                        continue
                    seen = item.index + 1
                    if item.arrived >= moment and (pattern is None
                                                   or matches_pattern(item, pattern)):
                        return item
                if self._pump_done.is_set():
                    return None
                if self.arrival is None:
                    self.arrival = anyio.Event()
                await self.arrival.wait()
        return None

    def _deliver(self, item: StreamItem) -> StreamItem:
        """A message after a reply's done (or error) message begins the next reply; a done
        right after an error may still close the reply that failed."""
        if self.done_item is not None or self.error_item is not None:
            if not self._closes_failed_reply(item):
                self.done_item = self.error_item = self.items_to_done = None
                self.reply_start = self.delivered_count
        self.delivered_count += 1
        self.recent.append(item)
        if self.done.matches(item):
            self.done_item = item
        elif self.error_rule.matches(item):
            self.error_item = item
        return item

    def _check_readable(self) -> None:
        if self.state == "disconnected":
            raise UsageError(
                f"WebSocket {self.label} was closed by the test; it cannot be read any more."
            )
        if self.state == "rejected":
            raise StreamFailure(f"WebSocket {self.label} never opened: {self.refused_words()}.")

    def _ended_error(self) -> StreamFailure:
        count = self.arrived_count
        return StreamFailure(
            f"WebSocket {self.label} has nothing more to read: {self.closed_words()} after "
            f"{count} message{'' if count == 1 else 's'} ({self.seen_so_far()})."
        )

    async def wait_closed(self, timeout: float) -> bool:
        """Wait until the server has closed the socket (or it broke). True if it did.

        Unread messages are taken out of the bounded buffer meanwhile (they stay
        readable, in order): a full buffer would hold the pump, and the close behind it."""
        with anyio.move_on_after(timeout):
            while not self._pump_done.is_set():
                try:
                    self._ready.extend(await self._receive.receive())
                except (anyio.EndOfStream, anyio.ClosedResourceError):
                    await self._pump_done.wait()
        return self._pump_done.is_set() and self.state != "disconnected"
