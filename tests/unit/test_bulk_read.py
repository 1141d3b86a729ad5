"""Reading to done in bulk: items already here are taken without waiting, none is lost."""

import contextlib
import zlib

import anyio
import anyio.lowlevel
import pytest

from AsyncApiLibrary.conventions import DoneRule
from AsyncApiLibrary.core import read_until_done
from AsyncApiLibrary.errors import DeadlineExceeded, ExpectationFailed, StreamFailure
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
    assert stream.delivered_count == 5 and stream.done_item is not None
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



def _held_open_app(parts: list[bytes], gate: anyio.Event, last: bytes = b"",
                   release: anyio.Event | None = None):
    """Sends ``parts``, then ``last`` once ``release`` is set, then holds the stream open
    until ``gate`` is set."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        for part in parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
        if release is not None:
            await release.wait()
        if last:
            await send({"type": "http.response.body", "body": last, "more_body": True})
        await gate.wait()
        await send({"type": "http.response.body", "body": b""})

    return app


async def _read_once_waiting(stream: LiveStream, release: anyio.Event, limit: float = 3600):
    """``read_until_done``, started before ``release`` lets the app send its last part, so
    that the reader is waiting when it arrives."""
    outcome: dict = {}

    async def read() -> None:
        try:
            outcome["items"] = await read_until_done(stream, limit)
        except Exception as exc:  # noqa: BLE001 - checked by the caller
            outcome["error"] = exc

    with anyio.fail_after(30):  # only a guard against a reader that is never woken
        async with anyio.create_task_group() as readers:
            readers.start_soon(read)
            for _ in range(20):  # a few rounds of the loop: the reader reaches its wait
                await anyio.lowlevel.checkpoint()
            release.set()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["items"]


@contextlib.asynccontextmanager
async def _open_held(app, gate: anyio.Event, fmt: str = "sse", done: str = "event:done",
                     buffer_size: int = 64):
    """A stream of ``app`` opened with ``buffer_size`` on both sides; on the way out the
    app's ``gate`` opens and the stream is let go."""
    transport = StreamingASGITransport(app, buffer_size=buffer_size)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client, \
            anyio.create_task_group() as group:
        stream = LiveStream("s", client.build_request("GET", "/"), fmt=fmt,
                            done=DoneRule.parse(done), buffer_size=buffer_size)
        await stream.open(client, group)
        try:
            yield stream
        finally:
            gate.set()
            await stream.release()


@pytest.mark.parametrize("last", [b"event: done\ndata: {}\n\n", b"event: error\ndata: {}\n\n"])
async def test_a_bulk_reader_sees_done_or_error_at_once_on_a_stream_that_stays_open(last):
    # The pump wakes a waiting bulk reader only for a done or error item, a full buffer
    # or its own end: here the stream neither ends nor fills its buffer after the last item.
    gate, release = anyio.Event(), anyio.Event()
    app = _held_open_app([b"data: a\n\n", b"data: b\n\n"], gate, last, release)
    async with _open_held(app, gate) as stream:
        if b"done" in last:
            items = await _read_once_waiting(stream, release)
            assert [item.data for item in items] == ["a", "b"]
        else:
            with pytest.raises(StreamFailure, match="an error event arrived after 2 items"):
                await _read_once_waiting(stream, release)


@pytest.mark.parametrize("buffer_size", [0, 1, 2])
async def test_a_bulk_reader_drains_a_full_buffer_before_done_arrives(buffer_size):
    # More parts than the buffer holds, while the reader waits: the pump, blocked on a
    # full buffer, must wake the reader, or neither moves again.
    gate, release = anyio.Event(), anyio.Event()
    parts = [f"data: {n}\n\n".encode() for n in range(10)]
    app = _held_open_app(parts, gate, b"event: done\ndata: {}\n\n")
    async with _open_held(app, gate, buffer_size=buffer_size) as stream:
        items = await _read_once_waiting(stream, release)
    assert [item.data for item in items] == [str(n) for n in range(10)]


async def test_a_deadline_counts_what_arrived_before_it():
    # The items arrive while the reader waits (nothing in them wakes it): the deadline's
    # message still counts them.
    gate, release = anyio.Event(), anyio.Event()
    app = _held_open_app([], gate, b"data: a\n\ndata: b\n\n", release)
    async with _open_held(app, gate) as stream:
        with pytest.raises(DeadlineExceeded, match="within 0.05 s; 2 items read"):
            await _read_once_waiting(stream, release, 0.05)


@pytest.mark.parametrize("buffer_size", [0, 1])
async def test_a_last_line_without_its_newline_reaches_a_waiting_reader(buffer_size):
    # The decoder hands over the unterminated last line when the body ends: through a
    # full buffer too, where only the pump's wake reaches a waiting reader.
    gate, release = anyio.Event(), anyio.Event()
    gate.set()  # the body ends right after the last part
    app = _held_open_app([], gate, b"a\nlast", release)
    async with _open_held(app, gate, fmt="lines", done="end", buffer_size=buffer_size) as stream:
        items = await _read_once_waiting(stream, release)
    assert [item.data for item in items] == ["a", "last"]


async def test_an_item_that_breaks_the_contract_fails_a_waiting_reader_at_once():
    gate, release = anyio.Event(), anyio.Event()
    app = _held_open_app([b"data: ok\n\n"], gate, b"data: BAD\n\n", release)
    async with _open_held(app, gate) as stream:
        stream.contract_label = "GET /"
        stream.checker = lambda item: "it is bad" if item.data == "BAD" else None
        with pytest.raises(ExpectationFailed, match="it is bad"):
            await _read_once_waiting(stream, release)


async def test_two_bulk_readers_waiting_on_one_stream_are_both_woken():
    gate, release = anyio.Event(), anyio.Event()
    gate.set()  # the body ends after its last part
    app = _held_open_app([], gate, b"data: a\n\nevent: done\ndata: {}\n\n", release)
    outcomes: list[str] = []

    async def read(stream: LiveStream) -> None:
        try:
            outcomes.append(f"items {len(await read_until_done(stream, 3600))}")
        except StreamFailure:
            outcomes.append("ended")

    async with _open_held(app, gate) as stream:
        with anyio.fail_after(30):  # only a guard against a reader that is never woken
            async with anyio.create_task_group() as readers:
                readers.start_soon(read, stream)
                readers.start_soon(read, stream)
                for _ in range(20):  # both reach their wait
                    await anyio.lowlevel.checkpoint()
                release.set()
    assert sorted(outcomes) == ["ended", "items 1"]


async def test_a_done_that_closes_a_failed_reply_is_read_as_that_replys_done():
    # An error, then the done that closes it (as vLLM and OpenAI send): the read that
    # stopped at the error failed; a read after it reaches that done with nothing before
    # it, as Expect Done Event does.
    parts = [b"data: a\n\n", b"event: error\ndata: {}\n\nevent: done\ndata: {}\n\n"]

    async def read_twice(stream):
        with pytest.raises(StreamFailure, match="an error event arrived after 1 items"):
            await read_until_done(stream, 5)
        assert await read_until_done(stream, 5) == []
        assert stream.done_item is not None and stream.done_item.event == "done"

    await _stream(parts, read_twice)
