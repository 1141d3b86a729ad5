"""The end-of-test leak check lets a disconnected stream's handler finish, within a bound."""

import anyio
import pytest

import AsyncApiLibrary.context as context_module
from AsyncApiLibrary import AsyncApiLibrary, core


class SlowCleanup:
    """An app whose handler, once the client has gone, finishes only when released."""

    def __init__(self) -> None:
        self.release = None  # made in the loop thread by the first request

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            for step in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{step}.complete"})
            return
        self.release = anyio.Event()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
        while (await receive())["type"] != "http.disconnect":
            pass
        with anyio.CancelScope(shield=True):
            await self.release.wait()  # releasing something slow after the client left


@pytest.mark.parametrize(("released_while_settling", "left"), [
    (True, []),
    (False, ["the server is still handling GET /slow of client 'slow'"]),
])
def test_a_disconnected_handler_is_a_leftover_only_if_it_outlasts_the_settle_deadline(
        monkeypatch, released_while_settling, left):
    app = SlowCleanup()
    real_wait = core.settle_disconnects

    async def settle(records, streams, limit, starters=()):
        if released_while_settling:
            app.release.set()  # the handler finishes while the check waits for it
        await real_wait(records, streams, limit, starters)

    monkeypatch.setattr(core, "settle_disconnects", settle)
    monkeypatch.setattr(context_module, "SETTLE", 2.0 if released_while_settling else 0.01)
    library = AsyncApiLibrary(leak_check="fail")
    try:
        library.open_app(app, alias="slow", disconnect_grace=10)  # as a suite setup would
        library.ctx.in_test = True  # then a test: the stream it starts is its own
        library.start_stream("GET", "/slow")
        library.read_next_event()
        library.disconnect_client()
        assert library.ctx.leftovers() == left
    finally:
        library.ctx.run(_set, app.release)
        library.ctx.shutdown()


async def _set(event: anyio.Event) -> None:
    event.set()


def test_only_errors_of_a_client_that_left_count_as_its_handler_letting_go():
    import anyio

    from AsyncApiLibrary.tracking import client_gone

    class ClientDisconnected(OSError):  # uvicorn's, by name
        pass

    assert client_gone(anyio.BrokenResourceError())
    assert client_gone(ConnectionResetError())
    assert client_gone(ClientDisconnected())
    assert client_gone(ExceptionGroup("tg", [anyio.BrokenResourceError(), BrokenPipeError()]))
    assert not client_gone(ExceptionGroup("tg", [anyio.BrokenResourceError(), KeyError("x")]))
    assert not client_gone(RuntimeError('Cannot call "send" once a close message has been sent.'))
    assert not client_gone(FileNotFoundError())
