"""The in-process WebSocket session answers as uvicorn does (measured against its
``websockets-sansio`` and ``wsproto`` protocols): the same refusals, close codes and
disconnects reach the client and the app."""

import anyio
import pytest

from AsyncApiLibrary.asgi_websocket import ABNORMAL, ClientDisconnected, WebSocketASGITransport
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.websocket import handshake_headers

pytestmark = pytest.mark.anyio


class Recorder:
    """A raw ASGI WebSocket app driven by a script; it records what it received."""

    def __init__(self, script):
        self.script = script
        self.received = []
        self.raised = None
        self.ended = anyio.Event()

    async def __call__(self, scope, receive, send):
        assert scope["type"] == "websocket"
        self.scope = scope
        try:
            await self.script(self, receive, send)
        except BaseException as exc:
            self.raised = exc
            raise
        finally:
            self.ended.set()


async def session(app, transport_options=None):
    transport = WebSocketASGITransport(app, **(transport_options or {}))
    await transport.__aenter__()
    request = httpx.Request("GET", "http://testserver/ws?x=1",
                            headers=handshake_headers(["chat.v1"]))
    return transport, await transport.open_websocket(request, ["chat.v1"])


async def finish(transport, call):
    """What the client does at the end: let go of the session, then close."""
    if call.refusal is not None:
        call.forget()
    else:
        transport.leave_websocket(call, 1000, "")
    await transport.__aexit__(None, None, None)


async def test_a_close_before_accepting_refuses_the_handshake_with_403():
    async def script(app, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.close", "code": 1008})

    transport, call = await session(Recorder(script))
    assert call.refusal.status == 403 and not call.accepted
    await finish(transport, call)


@pytest.mark.parametrize("ending", ["raise", "return"])
async def test_an_app_that_ends_before_accepting_is_a_500(ending):
    async def script(app, receive, send):
        await receive()
        if ending == "raise":
            raise RuntimeError("boom")

    transport, call = await session(Recorder(script))
    assert call.refusal.status == 500
    await finish(transport, call)


async def test_the_denial_response_extension_sends_the_apps_own_status_and_body():
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.http.response.start", "status": 401, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b" token"})

    transport, call = await session(Recorder(script))
    assert (call.refusal.status, call.refusal.body) == (401, b"no token")
    await finish(transport, call)


async def test_accept_carries_the_subprotocol_and_messages_arrive_in_order():
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.accept", "subprotocol": "chat.v1"})
        await send({"type": "websocket.send", "text": "one"})
        await send({"type": "websocket.send", "bytes": b"\x00two"})
        await send({"type": "websocket.close", "code": 4000, "reason": "bye"})

    app = Recorder(script)
    transport, call = await session(app)
    assert call.subprotocol == "chat.v1"
    assert app.scope["subprotocols"] == ["chat.v1"] and app.scope["query_string"] == b"x=1"
    assert await call.client_receive() == ("text", "one", None)
    assert await call.client_receive() == ("bytes", b"\x00two", None)
    assert await call.client_receive() == ("close", 4000, "bye")
    await finish(transport, call)


@pytest.mark.parametrize("ending", ["raise", "return"])
async def test_an_app_that_ends_after_accepting_without_a_close_drops_the_connection(ending):
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        if ending == "raise":
            raise RuntimeError("boom")

    transport, call = await session(Recorder(script))
    assert await call.client_receive() == ("close", ABNORMAL, "")
    await finish(transport, call)


async def test_the_clients_close_code_and_reason_reach_the_app_and_later_sends_fail():
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        app.received.append(await receive())
        app.received.append(await receive())
        await send({"type": "websocket.send", "text": "too late"})

    app = Recorder(script)
    transport, call = await session(app)
    await call.client_send({"type": "websocket.receive", "text": "hi"})
    transport.leave_websocket(call, 4001, "leaving")
    await app.ended.wait()
    assert app.received == [{"type": "websocket.receive", "text": "hi"},
                            {"type": "websocket.disconnect", "code": 4001, "reason": "leaving"}]
    assert isinstance(app.raised, ClientDisconnected)  # what Starlette maps to a disconnect
    await finish(transport, call)


async def test_an_app_that_ignores_the_disconnect_is_cancelled_after_the_grace():
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await anyio.sleep_forever()  # never reads the disconnect

    app = Recorder(script)
    transport, call = await session(app, {"disconnect_grace": 0})
    transport.leave_websocket(call, 1000, "")
    with anyio.fail_after(1):
        await app.ended.wait()
    assert isinstance(app.raised, anyio.get_cancelled_exc_class())
    assert transport.forced_cancellations == 1
    await finish(transport, call)


async def test_a_send_before_accepting_is_an_app_error_as_under_uvicorn():
    async def script(app, receive, send):
        await receive()
        await send({"type": "websocket.send", "text": "early"})

    app = Recorder(script)
    transport, call = await session(app)
    assert call.refusal.status == 500 and isinstance(app.raised, RuntimeError)
    await finish(transport, call)
