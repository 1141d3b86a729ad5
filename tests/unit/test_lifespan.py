"""The in-process lifespan: startup failures at once, startup and shutdown bounded."""

import anyio
import pytest

from AsyncApiLibrary.errors import AppLoadError
from AsyncApiLibrary.lifespan import Lifespan

pytestmark = pytest.mark.anyio


def lifespan_app(on_startup=None, on_shutdown=None):
    """A raw ASGI app whose startup and shutdown steps are given as coroutines."""

    async def app(scope, receive, send):
        assert scope["type"] == "lifespan"
        await receive()
        if on_startup is not None:
            await on_startup(send)
        await send({"type": "lifespan.startup.complete"})
        await receive()
        if on_shutdown is not None:
            await on_shutdown(send)
        await send({"type": "lifespan.shutdown.complete"})

    return app


async def test_a_startup_that_sends_failed_is_reported_at_once_with_its_reason():
    async def fail(send):
        await send({"type": "lifespan.startup.failed", "message": "database is down"})
        await anyio.sleep_forever()  # a raw app may wait after saying so

    with anyio.fail_after(5):  # a hang here would be the bug: the timeout below is 60 s
        with pytest.raises(AppLoadError, match=r"^The app 'raw' failed during startup: database is down\.$"):
            async with Lifespan(lifespan_app(fail), name="raw", startup_timeout=60,
                                shutdown_timeout=1):
                pass


async def test_a_startup_that_raises_names_the_exception():
    async def boom(send):
        raise RuntimeError("no model configured")

    with pytest.raises(AppLoadError, match="failed during startup: RuntimeError: no model configured") as caught:
        async with Lifespan(lifespan_app(boom), name="app", startup_timeout=5, shutdown_timeout=1):
            pass
    assert isinstance(caught.value.__cause__, RuntimeError)  # the traceback Robot logs at DEBUG


async def test_a_hanging_startup_is_bounded_by_the_startup_timeout():
    async def hang(send):
        await anyio.sleep_forever()

    with pytest.raises(AppLoadError, match=r"did not finish its startup within 0\.05 s"):
        async with Lifespan(lifespan_app(hang), name="app", startup_timeout=0.05,
                            shutdown_timeout=1):
            pass


async def test_a_hanging_shutdown_is_cut_with_a_warning(caplog):
    async def hang(send):
        await anyio.sleep_forever()

    async with Lifespan(lifespan_app(on_shutdown=hang), name="app", startup_timeout=5,
                        shutdown_timeout=0.05):
        pass
    assert "did not finish its shutdown within 0.05 s" in caplog.text


async def test_an_app_without_lifespan_support_is_served_as_uvicorn_serves_it():
    async def http_only(scope, receive, send):
        assert scope["type"] == "http"

    async with Lifespan(http_only, name="app", startup_timeout=5, shutdown_timeout=1):
        pass
