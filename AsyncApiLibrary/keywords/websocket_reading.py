"""Keywords that read a WebSocket message by message, time it, and close it or expect its close."""

from __future__ import annotations

import json
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..arguments import Duration, json_value, seconds
from ..display import short
from ..errors import ExpectationFailed, UsageError
from ..items import StreamItem, matches_pattern
from ..jsonpath import lookup
from ..streams import DISCONNECT_WAIT
from ..websocket import close_text
from .base import LibraryComponent

TAGS = ["websockets"]
_MISSING = object()


class WebSocketReadingKeywords(LibraryComponent):
    """Read and expect a WebSocket's messages, time the first answer, close it or expect the close."""

    # -- reading --------------------------------------------------------------------------
    @keyword(tags=TAGS)
    def read_next_message(self, timeout: Duration | None = None,
                          websocket: str | None = None) -> StreamItem:
        """Returns the next message the server sent: ``${m.data}``, ``${m.json}``, ``${m.name}``.

        ``name`` is a JSON message's ``type`` (or ``event``) field. Fails if nothing
        arrives within ``timeout``; the socket stays open and can be read again. Fails
        if the server closed the socket, naming the close code and the last messages.

        Example:
        | ${message} = | `Read Next Message` | timeout=2s |
        | Should Be Equal | ${message.json}[type] | token |
        """
        return self.read_item(self.websocket(websocket), timeout)

    @keyword(tags=TAGS)
    def expect_message(self, name: str, field: str | None = None, value: Any = _MISSING,
                       timeout: Duration | None = None,
                       websocket: str | None = None) -> StreamItem:
        """Reads the next message; fails unless its name matches ``name`` (and ``field`` is ``value``).

        ``name`` is a glob pattern (``tok*``) or ``regexp:...`` matched against the
        message's ``type`` or ``event`` field (or its text, for a message that is not a
        JSON object). ``field`` is a JSON path in the message (``usage.tokens``) and
        ``value`` what it must equal, as JSON (``3`` is a number, ``"3"`` a string).

        Example:
        | `Expect Message` | token | field=text | value="Hello" |
        """
        if value is not _MISSING and field is None:
            raise UsageError("'value' is checked in a field of the message: give 'field' too "
                             "(a JSON path such as text or usage.tokens).")
        socket = self.websocket(websocket)
        item = self.read_item(socket, timeout)
        wanted = f"'{name}'"
        if matches_pattern(item, name) and field is None:
            return item
        if matches_pattern(item, name):
            expected = json_value(value) if value is not _MISSING else _MISSING
            got = lookup(item.json, field)
            if expected is _MISSING or got == expected:
                return item
            raise ExpectationFailed(self.ctx.masker.text(
                f"Expected message {wanted} on WebSocket '{socket.name}' to have {field} "
                f"{json.dumps(expected)}, got {json.dumps(got)} ({item.summary()})."
            ))
        raise ExpectationFailed(self.ctx.masker.text(
            f"Expected message {wanted} on WebSocket '{socket.name}', got {item.summary()}."
        ))

    @keyword(tags=TAGS)
    def expect_messages_in_order(self, *names: str, timeout: Duration | None = None,
                                 websocket: str | None = None) -> list[StreamItem]:
        """Reads one message per expected name and fails at the first that does not match.

        ``names`` are glob patterns or ``regexp:...`` as in `Expect Message`. Returns the
        messages read.

        Example:
        | `Expect Messages In Order` | token | token | done |
        """
        return self.read_in_order(self.websocket(websocket), names, timeout, "message")

    @keyword(tags=[*TAGS, "timing"])
    def first_message_should_arrive_within(self, bound: Duration, name: str | None = None,
                                           websocket: str | None = None) -> float:
        """Fails unless a message arrived within ``bound`` of the test's latest sent message.

        The time to the first answer of a chat: from sending the message to the first
        message that arrived after it (read or not) and, with ``name`` (a pattern as in
        `Expect Message`), the first with that name, so that a heartbeat is not taken for
        the answer. Waits up to ``bound`` for it. Returns the time in milliseconds. For
        the time from the handshake, use `First Chunk Should Arrive Within`.

        Example:
        | `Send Json Message` | {"type": "chat", "message": "hi"} |
        | `First Message Should Arrive Within` | 500ms | name=token |
        """
        socket = self.websocket(websocket)
        sent = socket.last_sent
        if sent is None:
            raise UsageError(
                f"Nothing was sent on WebSocket '{socket.name}' yet; send a message first, or "
                "use 'First Chunk Should Arrive Within' for the time from the handshake."
            )
        limit = seconds(bound, 1.0, "Bound")
        first = self.run(socket.first_arrived_after, sent.arrived, name, limit, deadline=limit)
        took = None if first is None else (first.arrived - sent.arrived) * 1000
        what = "a message" if name is None else f"a message '{name}'"
        if took is None or took > limit * 1000:
            shown = "none arrived" if took is None else f"the first took {took:.1f} ms"
            raise ExpectationFailed(self.ctx.masker.text(
                f"Expected {what} on WebSocket '{socket.name}' within {limit * 1000:g} ms "
                f"of sending {short(sent.data, 60)}, but {shown}."
            ))
        logger.info(self.ctx.masker.text(
            f"First message on WebSocket '{socket.name}' {took:.1f} ms after sending "
            f"{short(sent.data, 60)} ({first.summary()}), bound {limit * 1000:g} ms."))
        return took

    # -- closing --------------------------------------------------------------------------
    @keyword("Expect WebSocket Closed", tags=TAGS)
    def expect_websocket_closed(self, code: int | None = None, reason: str | None = None,
                                timeout: Duration | None = None,
                                websocket: str | None = None) -> int:
        """Waits until the server closes the WebSocket; fails unless it does so within ``timeout`` with ``code`` (and ``reason``).

        ``timeout`` defaults to the client's (see `Timeouts`). Messages not read yet do not
        count against it: they stay readable, in order, and in the transcript.
        A connection the server dropped without a close frame reads as code 1006.
        Returns the close code.

        Example:
        | `Expect WebSocket Closed` | code=1011 |
        """
        socket = self.websocket(websocket)
        if socket.state == "disconnected":
            raise UsageError(f"WebSocket '{socket.name}' was closed by the test; the server "
                             "can no longer close it.")
        limit = self.stream_timeout(socket, timeout)
        closed = self.run(socket.wait_closed, limit, deadline=limit)
        self.log_transcript(socket)
        if not closed:
            raise ExpectationFailed(
                f"Expected the server to close WebSocket '{socket.name}' within {limit:g} s, "
                f"but it was still open ({socket.seen_so_far()})."
            )
        got = close_text(socket.close_code, socket.close_reason)
        if socket.error is not None or (code is not None and socket.close_code != code) or (
                reason is not None and socket.close_reason != reason):
            wanted = f"code {code}" if code is not None else "a close"
            wanted += f" and reason {reason!r}" if reason is not None else ""
            raise ExpectationFailed(self.ctx.masker.text(
                f"Expected the server to close WebSocket '{socket.name}' with {wanted}, but "
                f"{socket.closed_words()}."
            ))
        logger.info(self.ctx.masker.text(
            f"The server closed WebSocket '{socket.name}' with code {got}."))
        return socket.close_code

    @keyword("Disconnect WebSocket", tags=TAGS)
    def disconnect_websocket(self, code: int = 1000, reason: str = "",
                             websocket: str | None = None) -> None:
        """Closes the WebSocket from the client side with ``code`` and ``reason``.

        The app receives ``websocket.disconnect`` with that code; use `Expect Cleanup`
        to check its handler finished. Calling it again does nothing.

        Example:
        | `Disconnect WebSocket` | code=1001 |
        | `Expect Cleanup` |
        """
        if not 1000 <= code <= 4999 or code in (1004, 1005, 1006, 1015):
            raise UsageError(f"Close code {code} cannot be sent by a client; use 1000, 1001, "
                             "another code from 1007 to 1014, or 3000-4999.")
        socket = self.websocket(websocket)
        if socket.state == "disconnected":
            logger.info(f"WebSocket '{socket.name}' was already closed by the test.")
            return
        was_open = self.run(socket.disconnect, code, reason, deadline=DISCONNECT_WAIT * 3)
        logger.info(
            f"Closed WebSocket '{socket.name}' with code {close_text(code, reason)} after "
            f"{socket.delivered_count} messages read"
            + ("." if was_open else " (the server had already closed it).")
        )
        self.log_transcript(socket)
