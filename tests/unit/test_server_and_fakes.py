import anyio
import pytest

from AsyncApiLibrary.fakes import FakeUpstream, Script
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.server import HostedServer

pytestmark = pytest.mark.anyio


async def hello(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


async def test_server_binds_an_ephemeral_port_and_stops():
    async with HostedServer(hello) as first, HostedServer(hello) as second:
        assert first.port != second.port
        async with httpx.AsyncClient() as client:
            response = await client.get(first.base_url)
        assert response.text == "hello"
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(first.base_url)


async def test_fake_records_awaits_and_arguments():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["a", "b"]))
    assert await fake.complete(prompt="hi", max_tokens=2) == "ab"
    call = fake.calls[0]
    assert (call.method, call.kwargs, call.awaited) == ("complete", {"prompt": "hi", "max_tokens": 2}, 1)


async def test_fake_stream_is_closed_and_cancellation_recorded():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["a"], hang=True))
    stream = fake.stream(prompt="x")
    assert await stream.__anext__() == "a"
    with anyio.move_on_after(0):
        await stream.__anext__()
    assert stream.cancelled
    assert await fake.wait_closed(0) == [stream]
    await stream.aclose()
    assert stream.closed_at is not None
    assert await fake.wait_closed(0) == []


async def test_fake_failures_look_like_httpx_errors():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["a"], fail_after=0, failure="status", status=429, retry_after="3"))
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await fake.complete()
    assert caught.value.response.headers["Retry-After"] == "3"


async def test_paced_fake_releases_tokens_on_demand():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["a", "b"], paced=True))
    stream = fake.stream()
    fake.release()
    assert await stream.__anext__() == "a"
    assert stream.tokens_sent == 1
    with anyio.move_on_after(0):
        await stream.__anext__()
    assert stream.tokens_sent == 1  # b waits for the next release


async def test_unshielded_close_in_a_cancelled_scope_does_not_close():
    fake = FakeUpstream()
    stream = fake.stream()
    await stream.__anext__()
    with anyio.CancelScope() as scope:
        scope.cancel()
        await stream.aclose()
    assert stream.closed_at is None  # the bug class 'unshielded-cleanup' stands for
    with anyio.CancelScope() as scope:
        scope.cancel()
        with anyio.CancelScope(shield=True):
            await stream.aclose()
    assert stream.closed_at is not None


async def test_hosted_server_connections_have_nagle_off():
    """Without TCP_NODELAY every small response waits on the client's delayed ACK (~40 ms)."""
    import socket

    async with HostedServer(hello) as server, httpx.AsyncClient() as client:
        await client.get(server.base_url)  # keep-alive leaves the connection open
        connections = list(server._server.server_state.connections)
        assert connections
        for protocol in connections:
            sock = protocol.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
