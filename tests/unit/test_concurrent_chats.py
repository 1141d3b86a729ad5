"""`Send Chats Concurrently`'s core: every request in flight, one deadline, one message."""

from types import SimpleNamespace

import anyio
import pytest

from AsyncApiLibrary.core import gather
from AsyncApiLibrary.errors import ConnectionFailed, DeadlineExceeded
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.targets import CONNECTIONS

pytestmark = pytest.mark.anyio


class CountingHandler:
    """A transport handler that parks every request until told, counting those in flight."""

    def __init__(self, *, park: bool = True, refuse: str = "") -> None:
        self.in_flight = 0
        self.most = 0
        self.release = anyio.Event()
        self.park = park
        self.refuse = refuse

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.refuse and self.refuse in request.content.decode():
            raise httpx.ConnectError("refused")
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            if self.park:
                await self.release.wait()
            return httpx.Response(200, json={"echo": request.content.decode()})
        finally:
            self.in_flight -= 1


def _target(mode: str, handler: CountingHandler) -> SimpleNamespace:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://t")
    return SimpleNamespace(mode=mode, client=client, send_whole=client.send)


def _requests(target: SimpleNamespace, count: int) -> list[httpx.Request]:
    return [target.client.build_request("POST", "/chat", json={"m": i}) for i in range(count)]


@pytest.mark.parametrize(("mode", "expected"), [("in-process", 250), ("url", CONNECTIONS)])
async def test_in_flight_together_in_process_and_no_more_than_the_pool_over_a_socket(
        mode, expected):
    handler = CountingHandler()
    target = _target(mode, handler)
    async with target.client, anyio.create_task_group() as group:
        requests = _requests(target, 250)
        results = []

        async def run() -> None:
            results.extend(await gather(target, requests, 10))

        group.start_soon(run)
        with anyio.fail_after(5):
            await anyio.wait_all_tasks_blocked()  # every worker parked or waiting its turn
        assert handler.in_flight == expected
        handler.release.set()
    assert handler.most == expected
    assert [r.json()["echo"] for r in results] == [r.content.decode() for r in requests]


async def test_one_deadline_bounds_the_whole_batch_and_says_how_many_were_missing():
    handler = CountingHandler()
    target = _target("in-process", handler)
    async with target.client:
        with pytest.raises(DeadlineExceeded) as caught:
            await gather(target, _requests(target, 7), 0.05)
    assert str(caught.value) == "7 of 7 concurrent requests got no answer within 0.05 s."
    assert handler.in_flight == 0  # every parked request was cancelled


async def test_failed_requests_are_counted_and_the_first_is_named():
    handler = CountingHandler(park=False, refuse='"m":1')
    target = _target("url", handler)
    async with target.client:
        with pytest.raises(ConnectionFailed) as caught:
            await gather(target, _requests(target, 12), 10)
    assert str(caught.value).startswith("3 of 12 requests failed; first: Could not connect to "
                                        "http://t for POST /chat: refused")
