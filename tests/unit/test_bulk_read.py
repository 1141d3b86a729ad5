"""Reading to done in bulk: items already here are taken without waiting, none is lost."""

import zlib

import anyio
import pytest

from AsyncApiLibrary.conventions import DoneRule
from AsyncApiLibrary.core import read_until_done
from AsyncApiLibrary.errors import ExpectationFailed
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.streams import LiveStream
from AsyncApiLibrary.transport import StreamingASGITransport
from AsyncApiLibrary.verdicts import after_end

from .apps import sse_app

pytestmark = pytest.mark.anyio


async def _stream(parts: list[bytes], keep_reading, headers=()):
    transport = StreamingASGITransport(sse_app(parts, headers))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client, \
            anyio.create_task_group() as group:
        stream = LiveStream("s", client.build_request("GET", "/"), fmt="sse",
                            done=DoneRule.parse("event:done"))
        await stream.open(client, group)
        try:
            return stream, await keep_reading(stream)
        finally:
            await stream.release()


async def test_everything_up_to_done_once_in_order_and_what_follows_is_not_swallowed():
    # Two events in one body part, then done and a straggler together in another.
    parts = [b"data: a\n\ndata: b\n\n", b"data: c\n\n",
             b"event: done\ndata: {}\n\nevent: late\ndata: z\n\n"]

    async def read(stream):
        items = await read_until_done(stream, 5)
        with pytest.raises(ExpectationFailed) as straggler:  # nothing may follow the end
            await stream.next_item(1)
        return items, str(straggler.value)

    stream, (items, straggler) = await _stream(parts, read)
    assert [item.data for item in items] == ["a", "b", "c"]
    assert [item.index for item in items] == [0, 1, 2]
    assert "sent event 4 'late': 'z' after its done event" in straggler
    assert after_end(stream) == "got 1 item after the done event of stream 's': event 4 'late': 'z'"
    assert stream.delivered_count == 5 and stream.done_seen
    assert [item.index for item in stream.recent] == [0, 1, 2, 3, 4]


async def test_arrived_item_never_waits():
    gate = anyio.Event()

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": b"data: first\n\n", "more_body": True})
        await gate.wait()
        await send({"type": "http.response.body", "body": b""})

    transport = StreamingASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client, \
            anyio.create_task_group() as group:
        stream = LiveStream("s", client.build_request("GET", "/"), fmt="sse",
                            done=DoneRule.parse("event:done"))
        await stream.open(client, group)
        await anyio.wait_all_tasks_blocked()
        first = stream.arrived_item()
        assert stream.arrived_item() is None  # nothing more has arrived; no waiting for it
        gate.set()
        await stream.release()
    assert first.data == "first"


async def test_a_compressed_stream_is_decoded_part_by_part():
    # Uncompressed bodies skip httpx's decoder layer; a gzip body still goes through it.
    packer = zlib.compressobj(wbits=31)
    events = [b"data: one\n\n", b"data: two\n\n", b"event: done\ndata: {}\n\n"]
    parts = [packer.compress(event) + packer.flush(zlib.Z_SYNC_FLUSH) for event in events]
    parts.append(packer.flush())

    async def read(stream):
        return await read_until_done(stream, 5)

    _, items = await _stream(parts, read, headers=((b"content-encoding", b"gzip"),))
    assert [item.data for item in items] == ["one", "two"]
