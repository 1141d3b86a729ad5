"""The gateway's chat over a WebSocket: ``/ws/chat``.

The handshake
    The token comes from ``Authorization: Bearer <token>`` or, for clients that cannot set
    headers, the ``token`` query parameter (the header wins when both are given); it is
    checked as on the HTTP routes (:func:`sample_app.deps.check_token`) *before* the socket
    is accepted. A missing, malformed, unknown or expired token closes it unaccepted with
    1008 and the check's sentence as the reason ("Missing bearer token." ...); under uvicorn
    that is an HTTP 403 refusal of the handshake. ``heartbeat=<seconds>`` (0.01 to 60,
    default 15) sets the heartbeat interval; a value outside that, or not a number, is
    refused the same way (1008, after the token check).

The messages (JSON text, one object each, its kind in ``type``)
    - client ``{"type": "chat", "message": "...", "max_tokens": N}`` (``max_tokens``
      optional, 1 to 256, default 16; the same rules as the HTTP body): the server sends
      ``{"type": "token", "index": i, "text": "..."}`` per token (``index`` from 1, as in
      the HTTP streams; a model that sends more than ``max_tokens`` is cut off), then
      ``{"type": "done", "tokens": N}``.
    - client ``{"type": "cancel"}`` during a reply: the reply stops at once, its upstream
      call is closed, and the server sends ``{"type": "cancelled", "tokens": N}`` (the
      tokens sent before it); nothing of that reply follows. The socket stays open.
    - anything else (not JSON, not an object, a binary message, an unknown ``type``, a chat
      without a valid ``message``, a chat while a reply is in progress, a cancel with none
      in progress): ``{"type": "error", "message": "..."}``; the socket stays open, and a
      reply in progress goes on.
    - server ``{"type": "heartbeat"}`` every ``heartbeat`` seconds while no reply is in
      progress. Between a reply's first token and its ``done`` or ``cancelled`` there is
      none (a heartbeat the server sent before it read the chat may still arrive after the
      client sent it).

The close codes
    - 1008: the handshake was refused (see above).
    - 1011 "upstream failed": the model failed (an HTTP error, a hang-up, an exception).
    - 1013 "upstream timeout": the model sent no token within the upstream deadline
      (``SAMPLE_APP_UPSTREAM_TIMEOUT``); the HTTP routes tell these apart too (504 vs
      502, :mod:`sample_app.upstream`). The reason never carries the exception's text.

The session
    A receive loop and the heartbeat run in one task group; each reply runs in a task of
    it, in a cancel scope of its own that a ``cancel`` cancels. When the client leaves
    (``websocket.disconnect``, or a send failing because it left) the task group is
    cancelled, so the reply in progress is cancelled, its upstream call closed in a
    ``finally`` (shielded, as :mod:`sample_app.chat` does), and the handler returns. The
    gauges of ``/ops/stats`` count a reply as an active stream and its upstream call as an
    open one, as for the HTTP streams. Each wait for the model is bounded by the upstream
    deadline; waiting for the client is not (the heartbeat keeps an idle socket alive).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnected

from .config import Settings
from .deps import check_token, get_gauges, get_llm_client, get_settings
from .llm import LLMClient
from .models import ChatRequest
from .ops import Gauges
from .upstream import map_upstream_error

POLICY_VIOLATION = 1008
UPSTREAM_FAILED = 1011
TRY_AGAIN_LATER = 1013
HEARTBEAT_DEFAULT = 15.0
HEARTBEAT_MIN, HEARTBEAT_MAX = 0.01, 60.0


def add_ws_routes(app: FastAPI) -> None:
    """``/ws/chat`` on ``app``."""

    @app.websocket("/ws/chat")
    async def ws_chat(websocket: WebSocket, llm: LLMClient = Depends(get_llm_client),
                      settings: Settings = Depends(get_settings),
                      gauges: Gauges = Depends(get_gauges)) -> None:
        """The chat as JSON messages: chat, cancel; token..., done, cancelled, heartbeat."""
        accepted = settings.has_bug("ws-accept-before-auth")
        if accepted:
            await websocket.accept()  # greet first, check the token in the session
        refusal = handshake_refusal(websocket, settings)
        if refusal is not None:
            await websocket.close(code=POLICY_VIOLATION, reason=refusal)
            return
        if not accepted:
            await websocket.accept()
        await ChatSession(websocket, llm, settings, gauges, heartbeat_of(websocket)).run()


def handshake_refusal(websocket: WebSocket, settings: Settings) -> str | None:
    """Why the handshake is refused (the close reason), or None to accept it."""
    authorization = websocket.headers.get("authorization")
    token = websocket.query_params.get("token")
    if not authorization and token:
        authorization = f"Bearer {token}"
    try:
        check_token(authorization, settings)
    except HTTPException as refused:
        return str(refused.detail)
    if heartbeat_of(websocket) is None:
        return f"heartbeat must be {HEARTBEAT_MIN:g} to {HEARTBEAT_MAX:g} seconds"
    return None


def heartbeat_of(websocket: WebSocket) -> float | None:
    """The heartbeat interval the client asked for, or the default; None if invalid."""
    raw = websocket.query_params.get("heartbeat")
    if raw is None:
        return HEARTBEAT_DEFAULT
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if HEARTBEAT_MIN <= value <= HEARTBEAT_MAX else None


@dataclass(frozen=True)
class UpstreamFailed:
    """The model failed: the socket is to be closed with ``code`` and ``reason``."""
    code: int
    reason: str


class ChatSession:
    """One accepted socket: its receive loop, its heartbeat and the reply in progress."""

    def __init__(self, websocket: WebSocket, llm: LLMClient, settings: Settings,
                 gauges: Gauges, heartbeat: float | None) -> None:
        self.ws = websocket
        self.llm = llm
        self.settings = settings
        self.bug = settings.has_bug
        self.gauges = gauges
        self.heartbeat = heartbeat or HEARTBEAT_DEFAULT
        self.send_lock = anyio.Lock()
        self.session = anyio.CancelScope()
        self.reply: anyio.CancelScope | None = None  # the reply in progress, if any
        self.stop_after_next_token = False  # only used by the 'ws-message-after-cancel' bug
        self.sent = 0  # tokens of the current reply sent so far

    async def run(self) -> None:
        with self.session:
            async with anyio.create_task_group() as tasks:
                self.tasks = tasks
                tasks.start_soon(self.beat)
                await self.receive_loop()
                self.client_left()

    def client_left(self) -> None:
        """The client is gone: end the session, the reply in progress with it."""
        if self.bug("ws-handler-ignores-disconnect"):
            return  # "it may come back": the session's tasks run on, and the handler waits
        self.session.cancel()

    # -- receiving -----------------------------------------------------------------------
    async def receive_loop(self) -> None:
        """Handle the client's messages until it leaves."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self.send_error("Send JSON text messages, not binary ones.")
                continue
            await self.handle(text)

    async def handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            await self.send_error("The message is not JSON.")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "chat":
            await self.start_reply(message)
        elif kind == "cancel":
            await self.cancel_reply()
        else:
            await self.send_error(f"Unknown message type {kind!r}: expected 'chat' or 'cancel'.")

    async def start_reply(self, message: dict[str, Any]) -> None:
        if self.reply is not None:
            await self.send_error("A reply is in progress: cancel it or wait for done.")
            return
        try:
            body = ChatRequest.model_validate(
                {key: value for key, value in message.items() if key != "type"})
        except ValidationError as invalid:
            await self.send_error("Invalid chat message: " + "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
                for e in invalid.errors()))
            return
        self.reply = anyio.CancelScope()  # made here, so a cancel right after is not lost
        self.stop_after_next_token = False
        self.tasks.start_soon(self.answer, body, self.reply)

    async def cancel_reply(self) -> None:
        if self.reply is None:
            await self.send_error("No reply is in progress.")
        elif self.bug("ws-message-after-cancel"):
            # acknowledge at once; the reply stops after the token it is waiting for
            self.stop_after_next_token = True
            await self.send({"type": "cancelled", "tokens": self.sent})
        else:
            self.reply.cancel()

    # -- replying ------------------------------------------------------------------------
    async def answer(self, body: ChatRequest, scope: anyio.CancelScope) -> None:
        """One reply: tokens then done, or cancelled; the socket closed if the model fails.

        The message that ends the reply goes out once its upstream call is closed and the
        gauges are down, so a client that read it may chat again at once.
        """
        self.sent = 0
        self.gauges.active_streams += 1
        failure = None
        try:
            upstream = self.open_upstream(body)
            if self.bug("ws-no-finally-on-disconnect"):
                with scope:
                    failure = await self.relay(upstream, body.max_tokens)
                await self.close_upstream(upstream)  # not reached when the session is cancelled
            else:
                try:
                    with scope:
                        failure = await self.relay(upstream, body.max_tokens)
                finally:
                    await self.close_upstream(upstream)
        finally:
            self.gauges.active_streams -= 1
        if failure is not None:
            await self.close_socket(failure)
            return
        ending = None
        if scope.cancelled_caught:
            ending = {"type": "cancelled", "tokens": self.sent}
        elif not self.stop_after_next_token:  # that bug has said 'cancelled' already
            ending = {"type": "done", "tokens": self.sent}
        async with self.send_lock:  # no heartbeat between the last token and the ending
            self.reply = None
            if ending is not None:
                await self.send(ending, locked=True)

    def open_upstream(self, body: ChatRequest) -> AsyncIterator[str]:
        upstream = self.llm.stream(prompt=body.message, max_tokens=body.max_tokens)
        self.gauges.open_upstream_calls += 1
        return upstream

    async def relay(self, upstream: AsyncIterator[str],
                    max_tokens: int) -> UpstreamFailed | None:
        """Send the model's tokens; the failure if the model fails."""
        while self.sent < max_tokens:  # a model that sends more is cut off
            try:
                token = await self.next_token(upstream)
            except StopAsyncIteration:
                break
            except Exception as exc:  # whatever the model raised, the reply is lost
                return self.upstream_failure(exc)
            with anyio.CancelScope(shield=True):  # a token handed over is counted
                if await self.send({"type": "token", "index": self.sent + 1, "text": token}):
                    self.sent += 1
            if self.stop_after_next_token:
                break
        return None

    async def next_token(self, upstream: AsyncIterator[str]) -> str:
        """The model's next token, within the upstream deadline."""
        with anyio.fail_after(self.settings.upstream_timeout):
            return await upstream.__anext__()

    def upstream_failure(self, exc: Exception) -> UpstreamFailed:
        if map_upstream_error(exc, self.settings).kind == "upstream_timeout":
            return UpstreamFailed(TRY_AGAIN_LATER, "upstream timeout")
        return UpstreamFailed(UPSTREAM_FAILED, "upstream failed")

    async def close_upstream(self, upstream: AsyncIterator[str]) -> None:
        with anyio.CancelScope(shield=True):  # cleanup must finish even while being cancelled
            await upstream.aclose()  # type: ignore[attr-defined]
        self.gauges.open_upstream_calls -= 1

    async def close_socket(self, failure: UpstreamFailed) -> None:
        """Close with the failure's code, then end the session: nothing more will be sent."""
        try:
            async with self.send_lock:
                if self.bug("ws-wrong-close-code"):
                    await self.ws.close(reason=failure.reason)
                else:
                    await self.ws.close(code=failure.code, reason=failure.reason)
        except (WebSocketDisconnect, WebSocketDisconnected, OSError):
            self.client_left()  # it left first: there is no one to tell
            return
        self.session.cancel()

    # -- sending -------------------------------------------------------------------------
    async def beat(self) -> None:
        """A heartbeat every interval while no reply is in progress."""
        while True:
            await anyio.sleep(self.heartbeat)
            async with self.send_lock:  # checked under the lock: no beat slips into a reply
                if self.reply is not None:
                    continue
                await self.send({"type": "heartbeat"}, locked=True)

    async def send_error(self, message: str) -> None:
        await self.send({"type": "error", "message": message})

    async def send(self, message: dict[str, Any], *, locked: bool = False) -> bool:
        """Send one message; False, and the session ended, if the client has left."""
        try:
            if locked:
                await self.ws.send_json(message)
            else:
                async with self.send_lock:
                    await self.ws.send_json(message)
            return True
        except (WebSocketDisconnect, WebSocketDisconnected, OSError):
            self.client_left()
            return False
