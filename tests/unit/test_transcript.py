"""The transcript that log.html shows for every stream: the table (index, arrival, event,
content, raw data), masking, clipping, the timeline picture (axis, legend, marks that do not
hide each other) and the headline figures beside it."""

import json
import re
import time
import xml.etree.ElementTree as ET
from itertools import pairwise

import anyio
import pytest

from AsyncApiLibrary import timeline, transcript
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.items import DoneRule, StreamItem
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


# -- helpers --------------------------------------------------------------------------------
def masker() -> Masker:
    masks = Masker()
    masks.add(SECRET)
    return masks


def parse(html: str) -> ET.Element:
    """The transcript is one well-formed element (so the log shows it as it was meant)."""
    return ET.fromstring(html)


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def rows(html: str) -> list[list[str]]:
    """The table's data rows as cell texts (the header row left out)."""
    table = next(el for el in parse(html).iter() if local(el) == "table")
    return [[text_of(cell) for cell in tr] for tr in table if local(tr) == "tr"][1:]


def groups(html: str, cls: str) -> list[ET.Element]:
    """SVG groups whose class list contains ``cls``, in drawing order."""
    return [el for el in parse(html).iter()
            if local(el) == "g" and cls in el.get("class", "").split()]


def shape_y(group: ET.Element) -> tuple[float, float]:
    """The vertical extent of a group's mark (circle, polygon or rect)."""
    for el in group:
        if local(el) == "circle":
            cy, r = float(el.get("cy")), float(el.get("r"))
            return cy - r, cy + r
        if local(el) == "polygon":
            ys = [float(point.split(",")[1]) for point in el.get("points").split()]
            return min(ys), max(ys)
        if local(el) == "rect":
            y = float(el.get("y"))
            return y, y + float(el.get("height"))
    raise AssertionError("no shape in group")


def show(stream: LiveStream, **options) -> str:
    """The stream's transcript; then the made stream's buffer is freed."""
    try:
        return transcript.render(stream, masker(), **options)
    finally:
        stream.discard()


def chunk(text: str = "", **delta) -> str:
    """An OpenAI chat-completion chunk with this delta."""
    if text:
        delta["content"] = text
    return json.dumps({"id": "chatcmpl-3", "object": "chat.completion.chunk", "created": 1,
                       "model": "fake", "choices": [{"index": 0, "delta": delta}]})


async def made_stream(items: list[tuple[float, str, str]], *, done: str = "event:done",
                      state: str = "ended", disconnect_ms: float | None = None,
                      read: int | None = None) -> LiveStream:
    """A stream as the pump would have left it: these (offset ms, event, data) items."""
    stream = LiveStream("chat", httpx.Request("POST", "http://t/chat/stream"), fmt="sse",
                        done=DoneRule.parse(done))
    stream.sent_at = time.perf_counter() - 10
    stream.transcript = [StreamItem(n, "event", data, stream.sent_at + offset / 1000, offset,
                                    event) for n, (offset, event, data) in enumerate(items)]
    stream.arrived_count = len(items)
    stream.delivered_count = len(items) if read is None else read
    if items:
        stream.first_offset_ms = items[0][0]
        stream.max_gap_ms = max([0.0] + [b[0] - a[0] for a, b in pairwise(items)])
    for item in stream.transcript[:stream.delivered_count]:
        if stream.done.matches(item):
            stream.done_item = item
        elif item.event == "error":
            stream.error_item = item
    stream.state = state
    if disconnect_ms is not None:
        stream.disconnected_at = stream.sent_at + disconnect_ms / 1000
    return stream


# -- the table --------------------------------------------------------------------------------
async def test_a_real_stream_lists_items_masks_secrets_clips_content_and_keeps_raw_data():
    transport = StreamingASGITransport(three_events)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        async with anyio.create_task_group() as group:
            stream = LiveStream("s1", client.build_request("GET", "/events"), fmt="sse",
                                done=DoneRule("event", "done"))
            await stream.open(client, group)
            read = [await stream.next_item(5) for _ in EVENTS]
            assert stream.done.matches(read[-1])
            await stream.wait_ended(5)
            html = transcript.render(stream, masker())
            await stream.disconnect()

    assert SECRET not in html
    table = rows(html)
    assert [(row[0], row[2]) for row in table] == [("0", "● token"), ("1", "● token"),
                                                   ("2", "◆ done")]
    offsets = [float(row[1]) for row in table]
    assert offsets == sorted(offsets)
    assert table[0][3] == "key is ***"
    assert table[1][3] == "x" * 97 + "..."  # the content column is clipped...
    assert "x" * 200 in table[1][4]  # ...the raw data is there, collapsed
    assert "<details><summary>raw</summary>" in html
    assert len(groups(html, "mark")) == 3
    assert "3 arrived, 3 read by the test" in html
    assert "done event (item 2, at " in html


async def test_openai_chunks_show_their_delta_text_and_tool_calls_not_the_envelope():
    call = {"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Pa'}}
    stream = await made_stream([
        (1.0, "", chunk(role="assistant", content="")),
        (2.0, "", chunk("Hel")),
        (3.0, "", chunk(" lo")),
        (4.0, "", chunk(tool_calls=[call])),
        (5.0, "", json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})),
        (6.0, "", json.dumps({"usage": {"total_tokens": 3}})),
        (7.0, "", "[DONE]"),
    ], done="openai")
    html = show(stream)
    content = [row[3] for row in rows(html)]
    assert content == ["role: assistant", '"Hel"', '" lo"',
                       'tool call get_weather {"city": "Pa', "finish: stop",
                       '{"usage": {"total_tokens": 3}}', "[DONE]"]
    assert "chatcmpl-3" not in "".join(content)
    assert "chatcmpl-3" in rows(html)[1][4]  # the envelope is in the raw data cell
    assert [row[2] for row in rows(html)][-1] == "◆ message"
    assert "done event (item 6, at 7.0 ms)" in html


async def test_other_llm_servers_chunks_show_what_they_say():
    stream = await made_stream([
        (1.0, "", json.dumps({"choices": [{"index": 0, "text": "the "}]})),  # a text completion
        (2.0, "", json.dumps({"message": {"content": "Hi"}, "done": False})),  # Ollama
        (3.0, "", json.dumps({"message": {"content": ""}, "done": True, "eval_count": 2})),
        (4.0, "", json.dumps({"type": "content_block_delta", "delta": {"text": "yo"}})),
        (5.0, "", json.dumps({"candidates": [{"content": {"parts": [{"text": "G"}]}}]})),
        (6.0, "", json.dumps({"choices": [], "usage": {"prompt_tokens": 5,
                                                        "completion_tokens": 3}})),
        (7.0, "", json.dumps({"error": {"message": "The model crashed."}})),
        (8.0, "", json.dumps({"object": "error", "message": "Out of memory."})),
        (8.5, "", json.dumps({"error": {"message": "Provider down."},  # OpenRouter's
                              "choices": [{"index": 0, "delta": {}, "finish_reason": "error"}]})),
        (9.0, "", json.dumps({"status": "fine"})),
    ], done="openai")
    content = [row[3] for row in rows(show(stream))]
    assert content == ['"the "', '"Hi"', "done", '"yo"', '"G"', "usage: 5 in / 3 out tokens",
                       "error: The model crashed.", "error: Out of memory.",
                       "error: Provider down.",
                       '{"status": "fine"}']


async def test_a_content_function_chooses_the_content_and_falls_back_to_the_default():
    def content(item: StreamItem) -> str | None:
        if item.index == 0:
            return f"text: {json.loads(item.data)['text']}"
        if item.index == 1:
            return None  # no opinion: the default
        raise KeyError("not for this item")  # a failing function loses no transcript

    stream = await made_stream([(1.0, "token", '{"text": "one"}'),
                                (2.0, "token", chunk("two")),
                                (3.0, "done", "{}")])
    html = show(stream, content=content)
    assert [row[3] for row in rows(html)] == ["text: one", '"two"', "{}"]


async def test_everything_shown_is_masked_content_names_label_and_errors():
    stream = await made_stream([(1.0, "token", chunk(f"my key {SECRET}")),
                                (2.0, f"ev-{SECRET}", "x")], state="failed")
    stream.error = RuntimeError(f"upstream said {SECRET}")
    html = show(stream, content=lambda item: f"c {SECRET}")
    assert SECRET not in html
    assert "c ***" in html and "ev-***" in html and "upstream said ***" in html


async def test_the_html_is_one_line_robot_s_log_shows_messages_with_line_breaks_kept():
    stream = await made_stream([(1.0, "token", "a\nb"), (2.0, "done", "{}")])
    html = show(stream)
    assert "\n" not in html
    assert rows(html)[0][3] == "a\\nb"


async def test_more_items_than_the_transcript_keeps_are_said_to_be_left_out():
    stream = await made_stream([(1.0, "token", "a")], state="open")
    stream.arrived_count = 500
    assert "Only the first 200 of 500 items are listed" in show(stream)


# -- the picture ------------------------------------------------------------------------------
@pytest.mark.parametrize(("span", "labels"), [
    (3.4, ["0 ms", "1 ms", "2 ms", "3 ms"]),
    (0.25, ["0.00 ms", "0.05 ms", "0.10 ms", "0.15 ms", "0.20 ms", "0.25 ms"]),
    (120.0, ["0 ms", "20 ms", "40 ms", "60 ms", "80 ms", "100 ms", "120 ms"]),
    (4500.0, ["0 s", "1 s", "2 s", "3 s", "4 s"]),
])
def test_axis_ticks_start_at_the_request_and_carry_units(span, labels):
    positions = timeline.ticks(span)
    step = positions[1]
    assert [timeline.tick_label(value, step, span) for value in positions] == labels


async def test_the_axis_ends_at_the_last_of_items_and_disconnect():
    stream = await made_stream([(1.0, "token", "a"), (2.0, "token", "b")],
                               state="disconnected", disconnect_ms=9.9)
    html = show(stream)
    ticks = [text_of(el) for el in parse(html).iter() if "tick" in el.get("class", "")]
    assert ticks == ["0 ms", "2 ms", "4 ms", "6 ms", "8 ms", "9.9 ms"]
    assert "axis ends at 9.9 ms" in html


async def test_the_legend_names_every_kind_of_mark_with_counts():
    stream = await made_stream([(1.0, "start", "{}"), (2.0, "token", "a"), (3.0, "token", "b"),
                                (4.0, "error", "{}"), (5.0, "done", "{}")],
                               state="disconnected", disconnect_ms=6.0)
    html = show(stream)
    legend = {group.get("class").split()[1]: text_of(group) for group in groups(html, "legend")}
    assert legend == {"item": "token ×2", "done": "done event", "error": "error event",
                      "disconnect": "test disconnected"}
    entries = [text_of(group) for group in groups(html, "legend")]
    assert entries[:2] == ["start ×1", "token ×2"]


async def test_a_disconnect_at_the_last_event_does_not_cover_it():
    stream = await made_stream([(1.0, "token", "a"), (4.0, "token", "b")],
                               state="disconnected", disconnect_ms=4.0)
    html = show(stream)
    order = [el.get("class") for el in parse(html).iter() if local(el) == "g"]
    assert order.index("moment disconnect") < order.index("mark item")  # its line lies behind
    marks = groups(html, "mark")
    assert len(marks) == 2  # both events are drawn...
    (cut,) = groups(html, "moment")
    cut_top, cut_bottom = shape_y(cut)
    for mark in marks:  # ...and the disconnect's marker is above them, never on them
        assert cut_bottom < shape_y(mark)[0]


async def test_items_that_arrive_together_are_stacked_not_drawn_on_each_other():
    stream = await made_stream([(2.0, "token", str(n)) for n in range(3)] + [(9.0, "done", "")])
    html = show(stream)
    circles = [el for group in groups(html, "mark") for el in group if local(el) == "circle"]
    assert len({c.get("cx") for c in circles}) == 1
    assert len({c.get("cy") for c in circles}) == 3


async def test_too_many_at_once_to_stack_become_bars_that_count_them_under_the_done_event():
    stream = await made_stream([(2.0, "token", str(n)) for n in range(8)]
                               + [(2.0, "token", "late"), (2.1, "done", "{}")])
    html = show(stream)
    marks = [group.get("class") for group in groups(html, "mark")]
    assert marks == ["mark done"]  # the items are not dots now: a bar counts them
    (bar,) = [group for group in groups(html, "bar") if group.get("class") == "bar"]
    assert text_of(bar) == "9 items, 2.0 to 2.0 ms"
    done = groups(html, "mark")[0]
    bar_top = float(next(el for el in bar if local(el) == "rect").get("y"))
    assert shape_y(done)[1] < bar_top  # the done event sits above the bar, not in it
    assert "a bar: the items of" in html and "(the tallest: 9)" in html


async def test_a_long_table_shows_its_first_and_last_rows_and_folds_all_of_them_away():
    stream = await made_stream([(float(n), "token", f"t{n}") for n in range(40)]
                               + [(41.0, "done", "{}")])
    html = show(stream)
    shown = [row[0] for row in rows(html)]
    assert shown[:15] == [str(n) for n in range(15)] and shown[-8:] == [str(n) for n in range(33, 41)]
    assert shown[15] == "… 18 more items: all 41 are in the list below …"
    assert "<details><summary>All 41 items</summary>" in html
    assert html.count("<td style='padding:2px 8px;text-align:left'>40</td>") == 2


# -- the headline figures -----------------------------------------------------------------------
async def test_the_headline_says_first_item_largest_gap_and_between_which_items():
    stream = await made_stream([(3.5, "token", "a"), (4.0, "token", "b"), (9.5, "token", "c"),
                                (10.0, "done", "{}")])
    html = show(stream)
    assert "<b>First item</b> after 3.5 ms" in html
    assert "<b>Largest gap</b> 5.5 ms, between items 1 and 2" in html


@pytest.mark.parametrize(("items", "state", "extra", "words"), [
    ([(1.0, "done", "{}")], "ended", {}, "done event (item 0, at 1.0 ms); then the server "
                                         "ended the stream"),
    ([(1.0, "error", "{}")], "ended", {}, "error event (item 0, at 1.0 ms)"),
    ([(1.0, "token", "a")], "ended", {}, "the server ended the stream, without a done event"),
    ([(1.0, "token", "a")], "failed", {"error": OSError("reset")},
     "the stream broke: OSError: reset, without a done event"),
    ([(1.0, "token", "a")], "disconnected", {"disconnect_ms": 3.0},
     "the test disconnected at 3.0 ms, without a done event"),
    ([], "rejected", {}, "refused: the server answered status 401: no token"),
])
async def test_the_headline_says_how_the_stream_ended(items, state, extra, words):
    stream = await made_stream(items, state=state, disconnect_ms=extra.get("disconnect_ms"))
    stream.error = extra.get("error")
    if state == "rejected":
        stream.response = httpx.Response(401, request=stream.request)
        stream.rejected_body = "no token"
    html = show(stream)
    assert re.search(r"<b>How it ended</b>: ([^<]*)", html).group(1).startswith(
        words.replace("'", "&#x27;"))


async def test_a_done_event_the_test_never_read_still_counts_as_the_end():
    stream = await made_stream([(1.0, "token", "a"), (2.0, "done", "{}")], read=1)
    assert "done event (item 1, at 2.0 ms)" in show(stream)


async def test_a_server_end_before_the_library_lets_go_is_the_end_not_a_disconnect():
    # ``ended_at`` (perf_counter seconds) is when the stream records its end
    stream = await made_stream([(1.0, "token", "a")], state="disconnected", disconnect_ms=8.0)
    stream.ended_at = stream.sent_at + 0.005
    html = show(stream)
    assert "the server ended the stream at 5.0 ms, without a done event" in html
    assert [group.get("class") for group in groups(html, "moment")] == ["moment end"]
