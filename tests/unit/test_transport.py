import math
import threading

import anyio
import pytest

from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.lifespan import Lifespan
from AsyncApiLibrary.transport import StreamingASGITransport

from .apps import GatedStream, crashing_app, until_disconnect_app

pytestmark = pytest.mark.anyio


async def test_chunk_one_arrives_before_the_app_produces_chunk_two():
    app = GatedStream(chunks=3)
    async with httpx.AsyncClient(transport=StreamingASGITransport(app),
                                 base_url="http://t") as client:
        async with client.stream("GET", "/") as response:
            chunks = response.aiter_bytes()
            app.release()
            assert await chunks.__anext__() == b"chunk0;"
            assert app.sent == 1  # the app is parked until the test releases chunk 2
            app.release()
            assert await chunks.__anext__() == b"chunk1;"
            assert app.sent == 2
            app.release()
            assert await chunks.__anext__() == b"chunk2;"
            with pytest.raises(StopAsyncIteration):
                await chunks.__anext__()


async def test_an_app_that_ignores_the_disconnect_is_cancelled_after_the_grace():
    app = GatedStream(chunks=5)
    transport = StreamingASGITransport(app, disconnect_grace=0)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.send(client.build_request("GET", "/"), stream=True)
        app.release()
        assert await response.aiter_bytes().__anext__() == b"chunk0;"
        await response.aclose()
        with anyio.fail_after(2):
            # The app is parked on the gate and never reads; the (zero) grace cancels it.
            await app.finally_ran.wait()
    assert transport.forced_cancellations == 1


async def test_app_that_listens_sees_the_disconnect():
    until_disconnect_app.saw_disconnect = False
    transport = StreamingASGITransport(until_disconnect_app, disconnect_grace=5)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.send(client.build_request("GET", "/"), stream=True)
        assert await response.aiter_bytes().__anext__() == b"first"
        await response.aclose()
        with anyio.fail_after(2):
            while not until_disconnect_app.saw_disconnect:
                await anyio.lowlevel.checkpoint()
    assert transport.forced_cancellations == 0


async def test_scope_says_spec_version_2_3():
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async with httpx.AsyncClient(transport=StreamingASGITransport(app),
                                 base_url="http://t") as client:
        response = await client.get("/x?q=1")
    assert response.status_code == 204
    assert seen["asgi"]["spec_version"] == "2.3"
    assert seen["path"] == "/x" and seen["query_string"] == b"q=1"


async def test_unhandled_app_exception_becomes_a_500(caplog):
    async with httpx.AsyncClient(transport=StreamingASGITransport(crashing_app),
                                 base_url="http://t") as client:
        response = await client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "The app raised RuntimeError while handling GET /." in caplog.text


async def test_lifespan_runs_around_the_requests():
    app = GatedStream()
    async with Lifespan(app, name="gated", startup_timeout=5, shutdown_timeout=5) as lifespan:
        async with httpx.AsyncClient(transport=StreamingASGITransport(lifespan.app),
                                     base_url="http://t"):
            assert app.lifespan == ["startup"]
    assert app.lifespan == ["startup", "shutdown"]


async def test_small_buffer_applies_backpressure():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for index in range(10):
            app.sent = index + 1
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    app.sent = 0
    transport = StreamingASGITransport(app, buffer_size=2)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        async with client.stream("GET", "/") as response:
            for _ in range(5):
                await anyio.lowlevel.checkpoint()
            assert app.sent <= 3  # two parts buffered, the third waits for the reader
            body = b"".join([part async for part in response.aiter_bytes()])
    assert body == b"x" * 10


def test_negative_buffer_is_refused():
    from AsyncApiLibrary.errors import UsageError

    with pytest.raises(UsageError, match="Buffer size must be 0 or more, got -1."):
        StreamingASGITransport(crashing_app, buffer_size=-1)


def _whole(transport: StreamingASGITransport, path: str):
    """Ask for the whole answer to GET ``path``, as the library's request keywords do."""
    return transport.answer_whole(httpx.Request("GET", f"http://t{path}"))


async def test_buffered_request_gets_the_whole_body_and_the_500_fallback(caplog):
    async def parts(scope, receive, send):
        if scope["path"] == "/crash":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        for part in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        if scope["path"] == "/broken":
            raise RuntimeError("died mid-body")
        await send({"type": "http.response.body", "body": b""})

    transport = StreamingASGITransport(parts)
    async with httpx.AsyncClient(transport=transport, base_url="http://t"):
        whole = await _whole(transport, "/")
        crashed = await _whole(transport, "/crash")
        with pytest.raises(httpx.RemoteProtocolError, match="body ended early"):
            await _whole(transport, "/broken")
    assert (whole.status_code, whole.headers["x-a"], whole.text) == (201, "1", "one two three")
    assert (crashed.status_code, crashed.text) == (500, "Internal Server Error")


async def test_cancelling_a_buffered_request_cancels_the_app_call():
    cancelled = anyio.Event()

    async def hangs(scope, receive, send):
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    transport = StreamingASGITransport(hangs)
    async with httpx.AsyncClient(transport=transport, base_url="http://t"):
        async with anyio.create_task_group() as group:
            group.start_soon(_whole, transport, "/")
            await anyio.wait_all_tasks_blocked()
            group.cancel_scope.cancel()
        with anyio.fail_after(5):  # by the caller's cancellation, not by closing the client
            await cancelled.wait()


async def test_buffered_app_that_listens_hears_the_client_leave_once_the_answer_is_whole():
    heard = []

    async def listens(scope, receive, send):
        assert (await receive())["type"] == "http.request"
        async with anyio.create_task_group() as group:

            async def listen() -> None:
                heard.append((await receive())["type"])  # parks until the body is complete

            group.start_soon(listen)
            await anyio.wait_all_tasks_blocked()
            assert heard == []
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await send({"type": "http.response.body", "body": b"b"})

    transport = StreamingASGITransport(listens)
    async with httpx.AsyncClient(transport=transport, base_url="http://t"):
        with anyio.fail_after(2):
            response = await _whole(transport, "/")
    assert (response.text, heard) == ("ab", ["http.disconnect"])


def _tight(counter: list[int], parts: int):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200})
        for _ in range(parts):  # awaits nothing but send
            counter[0] += 1
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize(("buffer_size", "most_ahead"), [(4, 6), (math.inf, 3)])
async def test_an_app_that_never_awaits_is_held_back_by_the_buffer_or_yields(
        buffer_size, most_ahead):
    sent = [0]
    transport = StreamingASGITransport(_tight(sent, 1000), buffer_size=buffer_size)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with anyio.fail_after(5):
            response = await client.send(client.build_request("GET", "/"), stream=True)
            assert await response.aiter_bytes().__anext__() == b"x"
            # Bounded: the app filled the buffer and waits. Unbounded: every send yielded,
            # so the reader got its turn long before the app's 1000 parts were out.
            assert sent[0] <= most_ahead
            await response.aclose()


class _StuckInThread:
    """An app whose handler blocks a worker thread, as a sync endpoint does on a hung call.

    The thread waits for ``release``; its bound only stops a broken transport hanging the
    test run forever, it is never reached when the transport works.
    """

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = anyio.Event()
        self.finished = anyio.Event()

    def _block(self) -> None:
        anyio.from_thread.run_sync(self.entered.set)
        self.release.wait(20)

    async def __call__(self, scope, receive, send):
        try:
            await anyio.to_thread.run_sync(self._block)  # takes no cancellation meanwhile
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"late"})
        finally:
            self.finished.set()

    async def give_up_on(self, transport: StreamingASGITransport) -> None:
        """Send a request, and cancel it once the app is stuck."""
        async with anyio.create_task_group() as group:
            group.start_soon(_whole, transport, "/stuck")
            await self.entered.wait()
            group.cancel_scope.cancel()


async def test_a_caller_that_gives_up_returns_while_the_app_is_stuck_in_a_thread():
    app = _StuckInThread()
    transport = StreamingASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t"):
        await app.give_up_on(transport)
        still_running = not app.finished.is_set()
        app.release.set()
        with anyio.fail_after(5):
            await app.finished.wait()
    assert still_running


async def test_closing_stops_an_app_call_stuck_in_a_thread_with_a_warning(caplog):
    app = _StuckInThread()
    transport = StreamingASGITransport(app, close_grace=0)
    async with httpx.AsyncClient(transport=transport, base_url="http://t"):
        await app.give_up_on(transport)
        stuck_after_giving_up = not app.finished.is_set()
    # Closing did not wait for the thread: the call's task was stopped outright.
    stopped_by_closing = app.finished.is_set()
    app.release.set()
    assert stuck_after_giving_up and stopped_by_closing
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "The app was still handling GET /stuck 0.0 s after the client closed (blocked in a "
        "worker thread?); its task was stopped and any thread it waits on was left to "
        "finish on its own."]
