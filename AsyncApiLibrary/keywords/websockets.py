"""Keywords for WebSockets: open, send, read message by message, expect the close, leave."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from .. import core
from ..arguments import Duration, build_request, json_value, seconds
from ..conventions import DoneRule, ErrorRule
from ..display import short
from ..errors import ExpectationFailed, UsageError
from ..items import StreamItem, matches_pattern
from ..jsonpath import lookup
from ..masking import secret_value
from ..streams import DISCONNECT_WAIT
from ..tracking import REQUEST_ID_HEADER
from ..websocket import LiveSocket, close_text, handshake_headers
from .base import LibraryComponent

TAGS = ["websockets"]
_MISSING = object()


class WebSocketKeywords(LibraryComponent):
    """Open a WebSocket, send messages, read and expect them, expect the close, disconnect."""

    # -- opening --------------------------------------------------------------------------
    @keyword("Open WebSocket", tags=TAGS)
    def open_websocket(
        self,
        path: str,
        headers: dict[str, Secret | str] | None = None,
        params: dict[str, Secret | str] | None = None,
        subprotocols: list[str] | None = None,
        name: str | None = None,
        timeout: Duration | None = None,
        alias: str | None = None,
        done: str | None = None,
        error: str | None = None,
    ) -> str:
        """Opens a WebSocket to ``path`` and returns its name once the server accepted it.

        | =Argument= | =Meaning= |
        | ``path`` | The WebSocket route, e.g. ``/ws/chat``, relative to the client's base URL (``http`` becomes ``ws``). |
        | ``headers``, ``params`` | Handshake headers and query parameters (dictionaries); the client's own headers are sent too. A ``Secret`` value is sent as its text and masked in every log line. |
        | ``subprotocols`` | Subprotocols to offer, as a list; the one the server chose is logged. |
        | ``name`` | Name for the socket, default ``ws1``, ``ws2``...; it becomes the current stream, so stream keywords (`Expect Done Event`, `Read Until Done`, `Expect Cleanup`, `Largest Gap Should Be Below`) work on it too. |
        | ``timeout`` | Deadline for the handshake. |
        | ``done``, ``error`` | The done and error conventions, as in `Start Stream`: ``event:NAME`` matches a JSON message's ``event`` or ``type`` field (default ``event:done`` and ``event:error``). |

        Fails if the server refuses the handshake (use `WebSocket Should Be Refused` to
        expect that). Works in every mode: in process the app sees the session as under
        uvicorn (a close before accepting is a 403 refusal; a close from the test reaches
        it as ``websocket.disconnect`` with the test's code).

        Example:
        | `Open WebSocket` | /ws/chat | headers=${AUTH} |
        | `Send Json Message` | {"type": "chat", "message": "hi"} |
        | `Expect Messages In Order` | token | token | done |
        """
        socket = self._open(path, headers, params, subprotocols, name, timeout, alias,
                            done, error)
        if socket.state == "rejected":
            self.ctx.run(socket.release)
            raise ExpectationFailed(
                f"Expected the server to accept WebSocket {socket.label}, but "
                f"{self.ctx.masker.text(socket.refused_words())}."
            )
        ctx = self.ctx
        if socket.name in ctx.streams:
            ctx.release_stream(socket.name)
        ctx.streams.add(socket.name, socket)
        chosen = f", subprotocol '{socket.subprotocol}'" if socket.subprotocol else ""
        logger.info(ctx.masker.text(
            f"Opened WebSocket '{socket.name}': "
            f"{ctx.target(socket.client).shown(socket.request.url)}{chosen}."
        ))
        return socket.name

    @keyword("WebSocket Should Be Refused", tags=TAGS)
    def websocket_should_be_refused(
        self,
        path: str,
        status: int | None = None,
        headers: dict[str, Secret | str] | None = None,
        params: dict[str, Secret | str] | None = None,
        subprotocols: list[str] | None = None,
        timeout: Duration | None = None,
        alias: str | None = None,
    ) -> int:
        """Fails unless the server refuses the WebSocket handshake (with ``status``, if given).

        A server refuses by answering the handshake with an HTTP status instead of
        upgrading: 403 when the app closes the socket before accepting it (uvicorn's
        answer, also in process), 500 when the app fails before accepting, or the
        app's own status with the denial response extension. Returns the status. An app
        that accepts first and closes right after has not refused the handshake: this
        keyword fails for it. ``path``, ``headers``, ``params`` and ``subprotocols`` are
        the handshake's, as in `Open WebSocket`.

        Example:
        | `WebSocket Should Be Refused` | /ws/chat | status=403 |
        """
        socket = self._open(path, headers, params, subprotocols, None, timeout, alias,
                            None, None)
        accepted = socket.state != "rejected"
        self.ctx.run(socket.release)
        if accepted:
            raise ExpectationFailed(
                f"Expected the server to refuse the WebSocket handshake of {path}, but it "
                "accepted it."
            )
        got = socket.refusal.status
        if status is not None and got != status:
            raise ExpectationFailed(
                f"Expected the WebSocket handshake of {path} to be refused with status "
                f"{status}, but it was refused with {got}"
                f"{': ' + repr(socket.rejected_body[:200]) if socket.rejected_body else ''}."
            )
        logger.info(f"The server refused the WebSocket handshake of {path} with status {got}.")
        return got

    def _open(self, path: str, headers: Any, params: Any, subprotocols: Any,
              name: str | None, timeout: Duration | None, alias: str | None,
              done: str | None, error: str | None) -> LiveSocket:
        ctx = self.ctx
        client = ctx.clients.resolve(alias)
        target = ctx.target(client)
        offered = [str(p) for p in subprotocols] if subprotocols else []
        socket_name = name or ctx.next_name("ws")
        existing = ctx.streams.find(socket_name)
        if existing is not None and existing.state == "open":
            raise UsageError(f"A stream or WebSocket named '{socket_name}' is already open; "
                             "disconnect it first.")
        request = build_request(target, "GET", path, params=self._plain(params, "query"),
                                headers={**handshake_headers(offered),
                                         **(self._plain(headers, "header") or {})})
        request_id = uuid.uuid4().hex
        request.headers[REQUEST_ID_HEADER] = request_id
        make_socket = partial(
            LiveSocket, socket_name, request, subprotocols=offered,
            done=DoneRule.parse(done) if done is not None else target.options.done or ctx.settings.done,
            error_rule=(ErrorRule.parse(error) if error is not None
                        else target.options.error or ctx.settings.error),
            buffer_size=target.options.buffer_size, request_id=request_id, client=client,
            in_test=ctx.in_test,
        )
        limit = seconds(timeout, target.options.timeout)
        return self.run(core.open_socket, target, make_socket, limit, deadline=limit)

    def _plain(self, values: dict[str, Any] | None, where: str) -> dict[str, Any] | None:
        """Handshake headers or query parameters with each ``Secret`` unwrapped and its
        value masked from then on (browsers send a WebSocket's token in the query).
        None stays None: empty parameters would replace a query written in the path."""
        if values is None:
            return None
        plain = {}
        for name, value in (values or {}).items():
            if isinstance(value, Secret):
                self.ctx.masker.add_given(value, f"A Secret {where} value")
            plain[name] = secret_value(value)
        return plain

    def socket(self, name: str | None) -> LiveSocket:
        chosen = self.ctx.streams.get(name)
        if not isinstance(chosen, LiveSocket):
            raise UsageError(
                f"'{chosen.name}' is an HTTP stream, not a WebSocket; name the WebSocket "
                "with websocket=NAME."
            )
        return chosen

    # -- sending --------------------------------------------------------------------------
    @keyword(tags=TAGS)
    def send_text_message(self, text: str, websocket: str | None = None) -> None:
        """Sends ``text`` as one text message on the WebSocket.

        Example:
        | `Send Text Message` | hello |
        """
        self._send(self.socket(websocket), str(text), str(text))

    @keyword(tags=TAGS)
    def send_json_message(self, value: Any, websocket: str | None = None) -> None:
        """Sends ``value`` as one JSON text message: a dictionary or list, or JSON text.

        Text that is JSON (``{"type": "cancel"}``) is sent as that value; other text is
        sent as a JSON string.

        Example:
        | `Send Json Message` | {"type": "chat", "message": "hi", "max_tokens": 3} |
        | `Send Json Message` | ${body} |
        """
        body = json_value(value)
        try:
            text = json.dumps(body, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"The message cannot be sent as JSON: {exc}.") from None
        self._send(self.socket(websocket), text, text)

    @keyword(tags=TAGS)
    def send_binary_message(self, data: bytes, websocket: str | None = None) -> None:
        """Sends ``data`` as one binary message.

        Example:
        | `Send Binary Message` | ${bytes} |
        """
        payload = bytes(data)
        self._send(self.socket(websocket), payload, f"<{len(payload)} bytes>")

    def _send(self, socket: LiveSocket, payload: str | bytes, shown: str) -> None:
        self.run(socket.send_message, payload, shown, deadline=DISCONNECT_WAIT)
        logger.info(self.ctx.masker.text(
            f"Sent {short(shown, 200)} on WebSocket '{socket.name}'."))

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
        return self.read_item(self.socket(websocket), timeout)

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
        socket = self.socket(websocket)
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
        if not names:
            raise UsageError("Give at least one expected message name.")
        socket = self.socket(websocket)
        items: list[StreamItem] = []
        for position, pattern in enumerate(names, start=1):
            item = self.read_item(socket, timeout)
            items.append(item)
            if not matches_pattern(item, pattern):
                raise ExpectationFailed(self.ctx.masker.text(
                    f"Expected message {position} of {len(names)} on WebSocket "
                    f"'{socket.name}' to be '{pattern}', got {item.summary()} (order so far: "
                    f"{', '.join(i.name or short(i.data, 20) for i in items)})."
                ))
        return items

    @keyword(tags=[*TAGS, "timing"])
    def first_message_should_arrive_within(self, bound: Duration,
                                           websocket: str | None = None) -> float:
        """Fails unless a message arrived within ``bound`` of the test's latest sent message.

        The time to the first answer of a chat: from sending the message to the first
        message that arrived after it (read or not). Waits up to ``bound`` for it. Returns
        the time in milliseconds. For the time from the handshake, use
        `First Chunk Should Arrive Within`.

        Example:
        | `Send Json Message` | {"type": "chat", "message": "hi"} |
        | `First Message Should Arrive Within` | 500ms |
        """
        socket = self.socket(websocket)
        sent = socket.last_sent
        if sent is None:
            raise UsageError(
                f"Nothing was sent on WebSocket '{socket.name}' yet; send a message first, or "
                "use 'First Chunk Should Arrive Within' for the time from the handshake."
            )
        limit = seconds(bound, 1.0, "Bound")
        self.run(core.wait_event, socket.answered, limit, deadline=limit)
        first = socket.answer_first
        took = None if first is None else (first.arrived - sent.arrived) * 1000
        if took is None or took > limit * 1000:
            shown = "nothing arrived" if took is None else f"the first took {took:.1f} ms"
            raise ExpectationFailed(self.ctx.masker.text(
                f"Expected a message on WebSocket '{socket.name}' within {limit * 1000:g} ms "
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

        Messages not read yet do not count against it (they stay in the transcript).
        A connection the server dropped without a close frame reads as code 1006.
        Returns the close code.

        Example:
        | `Expect WebSocket Closed` | code=1011 |
        """
        socket = self.socket(websocket)
        if socket.state == "disconnected":
            raise UsageError(f"WebSocket '{socket.name}' was closed by the test; the server "
                             "can no longer close it.")
        limit = seconds(timeout, 1.0)
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
        socket = self.socket(websocket)
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

    @keyword("WebSocket Subprotocol Should Be", tags=TAGS)
    def websocket_subprotocol_should_be(self, expected: str | None,
                                        websocket: str | None = None) -> None:
        """Fails unless the server chose the subprotocol ``expected`` (``${None}``: none).

        Example:
        | `Open WebSocket` | /ws/chat | subprotocols=${{["chat.v2", "chat.v1"]}} |
        | `WebSocket Subprotocol Should Be` | chat.v1 |
        """
        socket = self.socket(websocket)
        if socket.subprotocol != expected:
            chosen = f"'{socket.subprotocol}'" if socket.subprotocol else "none"
            wanted = f"'{expected}'" if expected is not None else "none"
            offered = ", ".join(socket.subprotocols) or "none"
            raise ExpectationFailed(
                f"Expected the server to choose subprotocol {wanted} for WebSocket "
                f"'{socket.name}', but it chose {chosen} (offered: {offered})."
            )

    @keyword("WebSocket Should Be Open", tags=TAGS)
    def websocket_should_be_open(self, websocket: str | None = None) -> None:
        """Fails unless the WebSocket is still open: neither side has closed it.

        Example:
        | `WebSocket Should Be Open` |
        """
        socket = self.socket(websocket)
        if socket.state != "open":
            raise ExpectationFailed(
                f"Expected WebSocket '{socket.name}' to be open, but {socket.closed_words()}."
            )
