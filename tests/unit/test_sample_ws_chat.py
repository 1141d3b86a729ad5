"""The sample app's WebSocket chat (``/ws/chat``, sample_app/ws_chat.py).

Most tests drive the app's ASGI interface directly (:class:`Client`), so they see exactly
what it sends, can leave or fail a send at a chosen moment, and know when its handler
returned. One test runs it under uvicorn for the handshake as a client sees it. The model
is a small fake put in with the app's dependency override of the LLM client; it hands
out a token only when the test releases one. Nothing waits on time, except for the
deadlines that fail a test.

``SAMPLE_APP_BUG=ws-...`` runs these tests against one of the catalogue's WebSocket bugs.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.lowlevel
import pytest
import uvicorn
from httpx2.websockets import WebSocketUpgradeError

from sample_app import bugs
from sample_app.config import Settings
from sample_app.deps import get_llm_client
from sample_app.llm import EchoModel, httpx
from sample_app.main import create_app

pytestmark = pytest.mark.anyio

DEADLINE = 2.0
AUTH = [(b"authorization", b"Bearer test-token")]


# -- the fake model ----------------------------------------------------------------------
class FakeModel:
    """Streams ``tokens``, one per ``release()`` when ``gated``, then raises ``error`` if
    given; every stream it made is kept, with whether it was closed."""

    def __init__(self, tokens: list[str], *, gated: bool = False,
                 error: BaseException | None = None, hang: bool = False) -> None:
        self.tokens, self.gated, self.error, self.hang = tokens, gated, error, hang
        self.gate = anyio.Semaphore(0)
        self.streams: list[FakeStream] = []

    def release(self, count: int = 1) -> None:
        for _ in range(count):
            self.gate.release()

    def stream(self, *, prompt: str, max_tokens: int) -> FakeStream:
        made = FakeStream(self, prompt, max_tokens)
        self.streams.append(made)
        return made

    async def complete(self, *, prompt: str, max_tokens: int) -> str:
        return "".join(self.tokens)

    async def aclose(self) -> None:
        return None


class FakeStream:
    def __init__(self, model: FakeModel, prompt: str, max_tokens: int) -> None:
        self.model, self.prompt, self.max_tokens = model, prompt, max_tokens
        self.given = 0
        self.closed = anyio.Event()

    def __aiter__(self) -> FakeStream:
        return self

    async def __anext__(self) -> str:
        model = self.model
        if self.closed.is_set():
            raise StopAsyncIteration
        if self.given == len(model.tokens):
            if model.hang:
                await anyio.sleep_forever()
            if model.error is not None:
                raise model.error
            raise StopAsyncIteration
        if model.gated:
            await model.gate.acquire()
        else:
            await anyio.lowlevel.checkpoint()
        self.given += 1
        return model.tokens[self.given - 1]

    async def aclose(self) -> None:
        await anyio.lowlevel.checkpoint()  # a real close awaits I/O: unshielded, it never runs
        self.closed.set()


# -- the client ----------------------------------------------------------------------------
class Client:
    """One WebSocket session with the app, at the level of its ASGI messages."""

    def __init__(self, app: Any, query: str, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "scheme": "ws", "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
            "root_path": "", "path": "/ws/chat", "raw_path": b"/ws/chat",
            "query_string": query.encode(), "headers": [(b"host", b"testserver"), *headers],
            "subprotocols": [],
        }
        self.to_app, self.app_inbox = anyio.create_memory_object_stream[dict](100)
        self.app_outbox, self.from_app = anyio.create_memory_object_stream[dict](100)
        self.gone = False  # the client left: the app's sends fail, as under uvicorn
        self.ended = anyio.Event()
        self.error: BaseException | None = None

    def close(self) -> None:
        for stream in (self.to_app, self.app_inbox, self.app_outbox, self.from_app):
            stream.close()

    async def run_app(self) -> None:
        try:
            await self.app(self.scope, self.app_inbox.receive, self.app_send)
        except Exception as exc:  # noqa: BLE001 -- a test asserts on it
            self.error = exc
        finally:
            self.ended.set()

    async def app_send(self, message: dict) -> None:
        if self.gone:
            raise OSError("the client disconnected")  # what uvicorn raises
        await self.app_outbox.send(message)

    async def next(self, deadline: float = DEADLINE) -> dict:
        with anyio.fail_after(deadline):
            return await self.from_app.receive()

    async def json(self, deadline: float = DEADLINE) -> dict:
        message = await self.next(deadline)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def send(self, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value)
        await self.to_app.send({"type": "websocket.receive", "text": text})

    async def leave(self, code: int = 1001) -> None:
        await self.to_app.send({"type": "websocket.disconnect", "code": code})

    async def handler_ends(self, deadline: float = DEADLINE) -> None:
        with anyio.fail_after(deadline):
            await self.ended.wait()
        assert self.error is None, repr(self.error)


def make_app(model: Any, upstream_timeout: float = DEADLINE) -> Any:
    app = create_app(Settings(upstream_timeout=upstream_timeout, bug=bugs.active()))
    app.dependency_overrides[get_llm_client] = lambda: model
    return app


@asynccontextmanager
async def connect(app: Any, query: str = "", headers: list | None = None,
                  accept: bool = True) -> AsyncIterator[Client]:
    """A session with ``app``; with ``accept``, once the app accepted it. The handler is
    cancelled at the end if it is still running (it must be cancellable)."""
    client = Client(app, query, AUTH if headers is None else headers)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(client.run_app)
            await client.to_app.send({"type": "websocket.connect"})
            if accept:
                assert (await client.next())["type"] == "websocket.accept"
            yield client
            tasks.cancel_scope.cancel()
    finally:
        client.close()


def stats(app: Any) -> dict[str, int]:
    return app.state.gauges.snapshot()


async def wait_closed(stream: FakeStream) -> None:
    with anyio.fail_after(DEADLINE):
        await stream.closed.wait()


# -- the handshake -------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "headers", "reason"), [
    ("", [], "Missing bearer token."),
    ("token=wrong", [], "Invalid bearer token."),
    ("", [(b"authorization", b"Bearer test-token-2")], "Invalid bearer token."),
    ("", [(b"authorization", b"Basic test-token")],
     "The Authorization header must be 'Bearer <token>'."),
    ("token=expired-token", [], "The bearer token has expired."),
    ("token=test-token&heartbeat=0", [], "heartbeat must be 0.01 to 60 seconds"),
    ("token=test-token&heartbeat=soon", [], "heartbeat must be 0.01 to 60 seconds"),
])
async def test_a_bad_handshake_is_closed_with_1008_before_it_is_accepted(query, headers, reason):
    app = make_app(FakeModel(["a"]))
    async with connect(app, query, headers, accept=False) as client:
        assert await client.next() == {"type": "websocket.close", "code": 1008,
                                       "reason": reason}
        await client.handler_ends()


@pytest.mark.parametrize("query", ["token=test-token", "token=test-token&heartbeat=60"])
async def test_a_token_in_the_query_is_accepted(query):
    async with connect(make_app(FakeModel(["a"])), query, headers=[]) as client:
        await client.send({"type": "chat", "message": "hi"})
        assert await client.json() == {"type": "token", "index": 1, "text": "a"}


async def test_under_uvicorn_no_token_is_a_403_refusal_and_a_token_gets_a_reply():
    app = make_app(FakeModel(["one ", "two"]))
    async with serve(app) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            with pytest.raises(WebSocketUpgradeError) as refused:
                async with http.websocket("/ws/chat"):
                    pass
            assert refused.value.response.status_code == 403
            async with http.websocket("/ws/chat", params={"token": "test-token"}) as ws:
                await ws.send_json({"type": "chat", "message": "hi"})
                got = [await ws.receive_json(timeout=DEADLINE) for _ in range(3)]
            assert [m["type"] for m in got] == ["token", "token", "done"]


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """``app`` under uvicorn (its lifespan on) on a free port, for the block."""
    server = uvicorn.Server(uvicorn.Config(app, ws="wsproto", log_level="warning",
                                           timeout_graceful_shutdown=1))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(server.serve, [sock])
            try:
                with anyio.fail_after(DEADLINE):
                    while not server.started:  # noqa: ASYNC110 -- uvicorn has no event for it
                        await anyio.sleep(0.005)
                yield f"http://127.0.0.1:{sock.getsockname()[1]}"
            finally:
                server.should_exit = True


# -- chatting ------------------------------------------------------------------------------
async def test_a_chat_streams_each_token_in_order_then_done_and_the_socket_stays_open():
    model = FakeModel(["Echo: ", "hi ", "there"])
    app = make_app(model)
    async with connect(app) as client:
        for _ in range(2):
            await client.send({"type": "chat", "message": "hi there", "max_tokens": 8})
            assert [await client.json() for _ in range(4)] == [
                {"type": "token", "index": 1, "text": "Echo: "},
                {"type": "token", "index": 2, "text": "hi "},
                {"type": "token", "index": 3, "text": "there"},
                {"type": "done", "tokens": 3},
            ]
            assert stats(app)["active_streams"] == 0  # down before done is sent
            assert stats(app)["open_upstream_calls"] == 0
        assert [(s.prompt, s.max_tokens) for s in model.streams] == [("hi there", 8)] * 2
        assert all(s.closed.is_set() for s in model.streams)


async def test_a_model_sending_more_than_max_tokens_is_cut_off():
    async with connect(make_app(FakeModel(["a", "b", "c", "d"]))) as client:
        await client.send({"type": "chat", "message": "hi", "max_tokens": 2})
        assert [(await client.json())["type"] for _ in range(3)] == ["token", "token", "done"]


@pytest.mark.parametrize(("sent", "said"), [
    ("not json", "The message is not JSON."),
    ("[1, 2]", "Unknown message type None: expected 'chat' or 'cancel'."),
    ({"type": "shout"}, "Unknown message type 'shout': expected 'chat' or 'cancel'."),
    ({"type": "chat"}, "Invalid chat message: message: Field required"),
    ({"type": "chat", "message": "   "}, "Invalid chat message: message: Value error, "
                                        "The message must not be blank."),
    ({"type": "chat", "message": "hi", "max_tokens": 0},
     "Invalid chat message: max_tokens: Input should be greater than or equal to 1"),
    ({"type": "cancel"}, "No reply is in progress."),
])
async def test_an_invalid_message_gets_an_error_and_the_socket_stays_open(sent, said):
    async with connect(make_app(FakeModel(["a"]))) as client:
        await client.send(sent)
        assert await client.json() == {"type": "error", "message": said}
        await client.send({"type": "chat", "message": "hi"})
        assert [(await client.json())["type"] for _ in range(2)] == ["token", "done"]


async def test_a_binary_message_or_a_second_chat_during_a_reply_gets_an_error():
    model = FakeModel(["a", "b"], gated=True)
    async with connect(make_app(model)) as client:
        await client.to_app.send({"type": "websocket.receive", "bytes": b"{}"})
        assert (await client.json())["message"] == "Send JSON text messages, not binary ones."
        await client.send({"type": "chat", "message": "hi"})
        await client.send({"type": "chat", "message": "again"})
        assert await client.json() == {
            "type": "error", "message": "A reply is in progress: cancel it or wait for done."}
        model.release(2)
        assert [(await client.json())["type"] for _ in range(3)] == ["token", "token", "done"]
        assert len(model.streams) == 1


# -- cancelling ----------------------------------------------------------------------------
async def test_cancel_stops_the_reply_closes_its_upstream_and_nothing_follows():
    model = FakeModel(["a", "b", "c"], gated=True)
    app = make_app(model)
    async with connect(app) as client:
        await client.send({"type": "chat", "message": "hi"})
        model.release()
        assert await client.json() == {"type": "token", "index": 1, "text": "a"}
        await client.send({"type": "cancel"})
        assert await client.json() == {"type": "cancelled", "tokens": 1}
        first = model.streams[0]
        model.release()  # a token the cancelled reply could still take
        await wait_closed(first)
        await client.send("not json")  # answered in order: nothing of the reply before it
        assert await client.json() == {"type": "error", "message": "The message is not JSON."}
        assert stats(app) == {**stats(app), "active_streams": 0, "open_upstream_calls": 0}
        await client.send({"type": "chat", "message": "hi"})  # the socket is still open
        model.release(3)
        assert [(await client.json())["type"] for _ in range(4)] == ["token"] * 3 + ["done"]


async def test_a_cancel_before_the_first_token_is_cancelled_with_none():
    model = FakeModel(["a"], gated=True)
    async with connect(make_app(model)) as client:
        await client.send({"type": "chat", "message": "hi"})
        await client.send({"type": "cancel"})
        assert await client.json() == {"type": "cancelled", "tokens": 0}
        await wait_closed(model.streams[0])


# -- the model failing ---------------------------------------------------------------------
@pytest.mark.parametrize(("error", "code", "reason"), [
    (httpx.RemoteProtocolError("secret-key-123 hung up"), 1011, "upstream failed"),
    (RuntimeError("secret-key-123"), 1011, "upstream failed"),
    (httpx.HTTPStatusError("secret-key-123", request=httpx.Request("POST", "http://m"),
                           response=httpx.Response(500)), 1011, "upstream failed"),
    (httpx.ReadTimeout("secret-key-123"), 1013, "upstream timeout"),
])
async def test_a_failing_model_closes_the_socket_with_a_code_and_no_details(error, code, reason):
    model = FakeModel(["a"], error=error)
    app = make_app(model)
    async with connect(app) as client:
        await client.send({"type": "chat", "message": "hi"})
        assert (await client.json())["type"] == "token"
        assert await client.next() == {"type": "websocket.close", "code": code,
                                       "reason": reason}
        await client.handler_ends()
        assert model.streams[0].closed.is_set()
        assert stats(app)["active_streams"] == stats(app)["open_upstream_calls"] == 0


async def test_a_model_silent_past_the_upstream_deadline_closes_with_1013():
    model = FakeModel(["a"], hang=True)
    async with connect(make_app(model, upstream_timeout=0.05)) as client:
        await client.send({"type": "chat", "message": "hi"})
        assert (await client.json())["type"] == "token"
        assert await client.next() == {"type": "websocket.close", "code": 1013,
                                       "reason": "upstream timeout"}
        await client.handler_ends()
        assert model.streams[0].closed.is_set()


# -- heartbeats ----------------------------------------------------------------------------
async def test_heartbeats_come_while_idle_and_never_inside_a_reply():
    # Each token takes 0.03 s, longer than the 0.02 s heartbeat: a reply spans several.
    async with connect(make_app(EchoModel(0.03)), "heartbeat=0.02") as client:
        assert await client.json() == {"type": "heartbeat"}
        assert await client.json() == {"type": "heartbeat"}
        await client.send({"type": "chat", "message": "one two three"})
        message = await client.json()
        while message["type"] == "heartbeat":  # sent before the chat was read
            message = await client.json()
        reply = [message] + [await client.json() for _ in range(4)]
        assert [m["type"] for m in reply] == ["token"] * 4 + ["done"]
        assert await client.json() == {"type": "heartbeat"}


# -- the client leaving --------------------------------------------------------------------
async def test_a_client_leaving_mid_answer_gets_the_upstream_closed_and_the_handler_ended():
    model = FakeModel(["a", "b", "c"], gated=True)
    app = make_app(model)
    async with connect(app) as client:
        await client.send({"type": "chat", "message": "hi"})
        model.release()
        assert (await client.json())["type"] == "token"
        await client.leave()
        await wait_closed(model.streams[0])
        await client.handler_ends()
        assert stats(app)["active_streams"] == stats(app)["open_upstream_calls"] == 0


async def test_a_send_failing_because_the_client_left_ends_the_reply_and_the_handler():
    model = FakeModel(["a", "b", "c"], gated=True)
    app = make_app(model)
    async with connect(app) as client:
        await client.send({"type": "chat", "message": "hi"})
        model.release()
        assert (await client.json())["type"] == "token"
        client.gone = True  # no disconnect message: the next send fails
        model.release()
        await wait_closed(model.streams[0])
        await client.handler_ends()
        assert stats(app)["active_streams"] == stats(app)["open_upstream_calls"] == 0


async def test_a_client_leaving_while_idle_ends_the_handler():
    async with connect(make_app(FakeModel(["a"])), "token=test-token&heartbeat=0.01") as client:
        assert await client.json() == {"type": "heartbeat"}
        await client.leave()
        await client.handler_ends()
