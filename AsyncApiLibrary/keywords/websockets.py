"""Keywords that open a WebSocket, send on it, and check its handshake and state."""

from __future__ import annotations

import json
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from .. import core
from ..arguments import Duration, build_request, is_token, json_value, seconds
from ..display import clip, short
from ..errors import ExpectationFailed, UsageError
from ..masking import secret_value
from ..websocket import LiveSocket, handshake_headers
from .base import LibraryComponent

TAGS = ["websockets"]
MAX_OFFER = 4096  # characters of the subprotocol header a server takes


class WebSocketKeywords(LibraryComponent):
    """Open a WebSocket, send messages on it, check its handshake and state, disconnect it."""

    # -- opening --------------------------------------------------------------------------
    @keyword("Open WebSocket", tags=TAGS)
    def open_websocket(
        self,
        path: str,
        headers: dict[str, Secret | str] | None = None,
        params: dict[str, Secret | str] | None = None,
        subprotocols: list[Secret | str] | None = None,
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
        | ``subprotocols`` | Subprotocols to offer, as a list of tokens; the one the server chose is logged. A ``Secret`` in it (a token sent as a subprotocol) is masked. |
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
        subprotocols: list[Secret | str] | None = None,
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
                f"{': ' + clip(socket.rejected_body, 200) if socket.rejected_body else ''}."
            )
        logger.info(f"The server refused the WebSocket handshake of {path} with status {got}.")
        return got

    def _open(self, path: str, headers: Any, params: Any, subprotocols: Any,
              name: str | None, timeout: Duration | None, alias: str | None,
              done: str | None, error: str | None) -> LiveSocket:
        ctx = self.ctx
        client = ctx.clients.resolve(alias)
        target = ctx.target(client)
        offered = self._subprotocols(subprotocols)
        socket_name = name or ctx.next_name("ws")
        request = build_request(target, "GET", path, params=self._plain(params, "query"),
                                headers={**handshake_headers(offered),
                                         **(self._plain(headers, "header") or {})})
        make_socket = self.stream_maker(client, request, socket_name, "websocket", done, error,
                                        kind=LiveSocket, subprotocols=offered)
        limit = seconds(timeout, target.options.timeout)
        return self.run(core.open_socket, target, make_socket, limit, deadline=limit)

    def _subprotocols(self, given: list[Any] | None) -> list[str]:
        """The subprotocols to offer, each a header token; a ``Secret`` (a token some
        services take as a subprotocol) is offered as its text and masked from then on."""
        offered = []
        for value in given or []:
            if isinstance(value, Secret):
                self.ctx.masker.add_given(value, "A Secret subprotocol")
            text = secret_value(value)
            if not is_token(text):
                raise UsageError(
                    f"Subprotocol '{self.ctx.masker.text(text)}' is not valid: a subprotocol "
                    "is a token (letters, digits and !#$%&'*+-.^_`|~), without spaces or commas."
                )
            offered.append(text)
        length = len(", ".join(offered))
        if length > MAX_OFFER:
            raise UsageError(
                f"The {len(offered)} subprotocols offered make a header of {length} "
                f"characters; servers refuse one that long (keep it under {MAX_OFFER})."
            )
        return offered

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

    # -- sending --------------------------------------------------------------------------
    @keyword(tags=TAGS)
    def send_text_message(self, text: Secret | str, websocket: str | None = None) -> None:
        """Sends ``text`` as one text message on the WebSocket.

        A ``Secret`` (a token some protocols send as the first message) is sent as its
        text and masked in every log line.

        Example:
        | `Send Text Message` | hello |
        """
        plain = self._reveal(text)
        self._send(self.websocket(websocket), plain, plain)

    @keyword(tags=TAGS)
    def send_json_message(self, value: Any, websocket: str | None = None) -> None:
        """Sends ``value`` as one JSON text message: a dictionary or list, or JSON text.

        Text that is JSON (``{"type": "cancel"}``) is sent as that value; other text is
        sent as a JSON string. A ``Secret`` anywhere in a dictionary or list (a token in
        an ``init`` message) is sent as its text and masked in every log line.

        Example:
        | `Send Json Message` | {"type": "chat", "message": "hi", "max_tokens": 3} |
        | `Send Json Message` | ${body} |
        """
        body = self._reveal(json_value(value))
        try:
            text = json.dumps(body, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"The message cannot be sent as JSON: {exc}.") from None
        self._send(self.websocket(websocket), text, text)

    @keyword(tags=TAGS)
    def send_binary_message(self, data: bytes, websocket: str | None = None) -> None:
        """Sends ``data`` as one binary message.

        Example:
        | `Send Binary Message` | ${bytes} |
        """
        payload = bytes(data)
        self._send(self.websocket(websocket), payload, f"<{len(payload)} bytes>")

    def _reveal(self, value: Any) -> Any:
        """``value`` with every ``Secret`` in it replaced by its text, which is masked from
        then on; a text holding '<secret>' (a Secret put inside a string) is refused."""
        if isinstance(value, Secret):
            self.ctx.masker.add_given(value, "A Secret in a message")
            return secret_value(value)
        if isinstance(value, dict):
            return {key: self._reveal(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._reveal(item) for item in value]
        if isinstance(value, str) and "<secret>" in value:
            raise UsageError(
                "The message holds '<secret>', which is what a Robot Secret turns into inside "
                "a text; give the Secret itself as the message or as a value in it."
            )
        return value

    def _send(self, socket: LiveSocket, payload: str | bytes, shown: str) -> None:
        limit = self.stream_timeout(socket, None)
        self.run(socket.send_message, payload, shown, limit, deadline=limit)
        logger.info(self.ctx.masker.text(
            f"Sent {short(shown, 200)} on WebSocket '{socket.name}'."))

    @keyword("WebSocket Subprotocol Should Be", tags=TAGS)
    def websocket_subprotocol_should_be(self, expected: str | None,
                                        websocket: str | None = None) -> None:
        """Fails unless the server chose the subprotocol ``expected`` (``${None}``: none).

        Example:
        | `Open WebSocket` | /ws/chat | subprotocols=${{["chat.v2", "chat.v1"]}} |
        | `WebSocket Subprotocol Should Be` | chat.v1 |
        """
        socket = self.websocket(websocket)
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
        socket = self.websocket(websocket)
        if socket.state != "open":
            raise ExpectationFailed(
                f"Expected WebSocket '{socket.name}' to be open, but {socket.closed_words()}."
            )
