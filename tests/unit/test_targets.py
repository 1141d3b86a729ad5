"""A target's whole-body send: what the in-process shortcut keeps of httpx's send chain."""

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from AsyncApiLibrary.core import exchange
from AsyncApiLibrary.targets import Target, TargetOptions

pytestmark = pytest.mark.anyio


async def login(request: Request) -> JSONResponse:
    response = JSONResponse({"ok": True})
    response.set_cookie("session", "s-123")
    return response


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"session": request.cookies.get("session")})


app = Starlette(routes=[Route("/login", login, methods=["POST"]), Route("/whoami", whoami)])


@pytest.mark.parametrize("mode", ["in-process", "server"])
async def test_cookies_the_app_sets_go_back_on_later_requests(mode):
    async with Target("t", app, TargetOptions(mode=mode)) as target:
        client = target.client
        before = await exchange(target, client.build_request("GET", "/whoami"), 5)
        logged_in = await exchange(target, client.build_request("POST", "/login"), 5)
        after = await exchange(target, client.build_request("GET", "/whoami"), 5)
    assert before.json() == {"session": None}
    assert logged_in.request.url.path == "/login"
    assert logged_in.elapsed.total_seconds() > 0
    assert after.json() == {"session": "s-123"}


async def test_a_whole_in_process_answer_is_read_and_closed():
    async with Target("t", app, TargetOptions()) as target:
        response = await exchange(target, target.client.build_request("GET", "/whoami"), 5)
        with anyio.fail_after(1):
            assert await response.aread() == b'{"session":null}'
    assert response.is_closed and response.is_stream_consumed


@pytest.mark.parametrize("path", ["/chat", "/chat?x=1&y=%20", "/a/../b", "/ümlaut", "//double"])
async def test_merged_urls_are_httpx_own_and_each_path_is_merged_once(path):
    async with Target("t", "http://127.0.0.1:9/api/", TargetOptions(mode="url")) as target:
        merged = target.url_for(path)
        assert merged == target.client.build_request("GET", path).url
        assert target.url_for(path) is merged


async def test_made_up_paths_do_not_grow_the_merged_urls_without_bound(monkeypatch):
    monkeypatch.setattr("AsyncApiLibrary.targets._MERGED_URLS", 2)
    async with Target("t", "http://127.0.0.1:9", TargetOptions(mode="url")) as target:
        for n in range(5):
            target.url_for(f"/jobs/{n}")
        assert target.url_for("/jobs/1") is target.url_for("/jobs/1")
        assert target.url_for("/jobs/4") == target.url_for("/jobs/4")
        assert target.url_for("/jobs/4") is not target.url_for("/jobs/4")


class SendTimes:
    """A raw ASGI app that streams three parts and notes the clock around each send."""

    def __init__(self) -> None:
        self.around: list[tuple[float, float]] = []
        self.done = anyio.Event()

    async def __call__(self, scope, receive, send) -> None:
        import time

        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            before = time.perf_counter()
            await send({"type": "http.response.body", "body": part, "more_body": True})
            self.around.append((before, time.perf_counter()))
        await send({"type": "http.response.body", "body": b""})
        self.done.set()


async def test_in_process_a_part_arrives_when_the_app_sends_it_not_when_it_is_read():
    from AsyncApiLibrary.conventions import DoneRule
    from AsyncApiLibrary.streams import LiveStream

    app = SendTimes()
    async with Target("t", app, TargetOptions()) as target:
        request = target.client.build_request("GET", "/parts")
        stream = LiveStream("s", request, fmt="raw", done=DoneRule("end"))
        await stream.open(target.client, target.task_group)
        with anyio.fail_after(5):
            await app.done.wait()  # every part sent before the test reads any
            items = [await stream.next_item(1) for _ in range(3)]
        for item, (before, after) in zip(items, app.around, strict=True):
            assert before <= item.arrived <= after, (item.data, before, item.arrived, after)
        await stream.release()


def test_the_shared_tls_context_follows_the_certificate_variables(monkeypatch, tmp_path):
    from AsyncApiLibrary.httpclient import tls_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    shared = tls_context()
    assert tls_context() is shared  # built once, not per client
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))  # a later suite trusts other CAs
    assert tls_context() is not shared
