"""The end-of-test leak check lets a disconnected stream's handler finish, within a bound."""

import anyio
import pytest

import AsyncApiLibrary.library as library_module
from AsyncApiLibrary import AsyncApiLibrary


def slow_to_clean_up(seconds: float):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            for step in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{step}.complete"})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
        while (await receive())["type"] != "http.disconnect":
            pass
        with anyio.CancelScope(shield=True):
            await anyio.sleep(seconds)  # releasing something slow after the client left

    return app


@pytest.mark.parametrize(("cleanup", "settle", "left"), [
    (0.05, 2.0, []),
    (3.0, 0.05, ["the server is still handling GET /slow of client 'slow'"]),
])
def test_a_disconnected_handler_is_a_leftover_only_after_the_settle_deadline(
        monkeypatch, cleanup, settle, left):
    monkeypatch.setattr(library_module, "_SETTLE", settle)
    library = AsyncApiLibrary(leak_check="fail")
    try:
        library.open_app(slow_to_clean_up(cleanup), alias="slow", disconnect_grace=10)
        library.start_stream("GET", "/slow")
        library.read_next_event()
        library.disconnect_client()
        assert library._owned_leftovers() == left
    finally:
        library._shutdown()
