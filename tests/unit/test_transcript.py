"""The transcript that log.html shows for every stream: rows, masking, clipping, timeline."""

import re

import anyio
import pytest

from AsyncApiLibrary import transcript
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.items import DoneRule
from AsyncApiLibrary.masking import Masker
from AsyncApiLibrary.streams import LiveStream
from AsyncApiLibrary.transport import StreamingASGITransport

from .apps import sse_app

pytestmark = pytest.mark.anyio

SECRET = "sk-live-0123456789"
EVENTS = [
    b"event: token\ndata: key is " + SECRET.encode() + b"\n\n",
    b"event: token\ndata: " + b"x" * 200 + b"\n\n",
    b"event: done\ndata: {}\n\n",
]

three_events = sse_app(EVENTS)


async def test_transcript_lists_items_masks_secrets_clips_data_and_draws_arrivals():
    transport = StreamingASGITransport(three_events)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        async with anyio.create_task_group() as group:
            stream = LiveStream("s1", client.build_request("GET", "/events"), fmt="sse",
                                done=DoneRule("event", "done"))
            await stream.open(client, group)
            read = [await stream.next_item(5) for _ in EVENTS]
            assert stream.done.matches(read[-1])
            await stream.wait_ended(5)
            masker = Masker()
            masker.add(SECRET)
            html = transcript.render(stream, masker)
            await stream.disconnect()

    assert SECRET not in html
    assert "key is ***" in html
    rows = re.findall(r"<tr><td>(\d+)</td><td>([\d.]+)</td><td>(\w+)</td>", html)
    assert [(index, name) for index, _, name in rows] == [("0", "token"), ("1", "token"), ("2", "done")]
    offsets = [float(offset) for _, offset, _ in rows]
    assert offsets == sorted(offsets)
    assert "x" * 77 + "..." in html and "x" * 78 not in html
    assert html.count("<svg") == 1 and html.count("stroke='#2a6'") == 3
    assert "3 items arrived, 3 read" in html and "done seen: yes" in html
