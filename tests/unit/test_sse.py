"""The SSE decoder against the WHATWG event-stream rules, case by case."""

import pytest

from AsyncApiLibrary.sse import SseDecoder, SseEvent

CASES = [
    ("simple", [b"data: hi\n\n"], [SseEvent("message", "hi", "", None)]),
    ("named event", [b"event: token\ndata: x\n\n"], [SseEvent("token", "x", "", None)]),
    ("multi-line data joins with newline", [b"data: a\ndata: b\n\n"],
     [SseEvent("message", "a\nb", "", None)]),
    ("comment is not an event", [b": ping\n\n"], []),
    ("comment between fields", [b"data: a\n: ping\ndata: b\n\n"],
     [SseEvent("message", "a\nb", "", None)]),
    ("empty data is not dispatched", [b"event: x\n\n"], []),
    ("data with no value is an empty line of data", [b"data\ndata\n\n"],
     [SseEvent("message", "\n", "", None)]),
    ("only one leading space is removed", [b"data:  two\n\n"],
     [SseEvent("message", " two", "", None)]),
    ("no space after colon", [b"data:x\n\n"], [SseEvent("message", "x", "", None)]),
    ("id persists", [b"id: 7\ndata: a\n\ndata: b\n\n"],
     [SseEvent("message", "a", "7", None), SseEvent("message", "b", "7", None)]),
    ("id with NULL is ignored", [b"id: 1\ndata: a\n\nid: 2\x00\ndata: b\n\n"],
     [SseEvent("message", "a", "1", None), SseEvent("message", "b", "1", None)]),
    ("retry persists, digits only", [b"retry: 300\ndata: a\n\nretry: x1\ndata: b\n\n"],
     [SseEvent("message", "a", "", 300), SseEvent("message", "b", "", 300)]),
    ("event name resets after dispatch", [b"event: t\ndata: a\n\ndata: b\n\n"],
     [SseEvent("t", "a", "", None), SseEvent("message", "b", "", None)]),
    ("CRLF line ends", [b"data: a\r\n\r\n"], [SseEvent("message", "a", "", None)]),
    ("CR line ends", [b"data: a\r\r"], [SseEvent("message", "a", "", None)]),
    ("CRLF split across chunks", [b"data: a\r", b"\n\r", b"\n"],
     [SseEvent("message", "a", "", None)]),
    ("field split across chunks", [b"da", b"ta: he", b"llo\n", b"\n"],
     [SseEvent("message", "hello", "", None)]),
    ("utf-8 split across chunks", [b"data: \xc3", b"\xa9\n\n"],
     [SseEvent("message", "\u00e9", "", None)]),
    ("a character in three parts", [b"data: \xe2", b"\x82", b"\xac!\n\n"],
     [SseEvent("message", "\u20ac!", "", None)]),
    ("bytes that are not utf-8 are replaced", [b"data: a\xffb\n\n", b"data: \xc3\n\n"],
     [SseEvent("message", "a\ufffdb", "", None), SseEvent("message", "\ufffd", "", None)]),
    ("BOM at start is dropped", [b"\xef\xbb\xbfdata: a\n\n"], [SseEvent("message", "a", "", None)]),
    ("unknown field is ignored", [b"foo: bar\ndata: a\n\n"], [SseEvent("message", "a", "", None)]),
    ("unterminated event at end is discarded", [b"data: a\n\ndata: b\n"],
     [SseEvent("message", "a", "", None)]),
    ("openai sentinel is plain data", [b"data: [DONE]\n\n"],
     [SseEvent("message", "[DONE]", "", None)]),
    ("ping after an id is still not an event", [b"id: 1\ndata: a\n\n: ping\n\n"],
     [SseEvent("message", "a", "1", None)]),
    # A part holding exactly one whole event is decoded in one step; these pin that step
    # to the same rules.
    ("whole event with empty data", [b"data: \n\n"], [SseEvent("message", "", "", None)]),
    ("whole event with an empty name", [b"event: \ndata: x\n\n"],
     [SseEvent("message", "x", "", None)]),
    ("whole event keeps the id and retry sent before it", [b"id: 3\nretry: 10\n\n",
                                                           b"event: t\ndata: x\n\n"],
     [SseEvent("t", "x", "3", 10)]),
    ("whole-looking part that completes an earlier event", [b"data: a\n",
                                                            b"event: t\ndata: b\n\n"],
     [SseEvent("t", "a\nb", "", None)]),
    ("whole-looking part after a field split across parts", [b"event: t", b"\ndata: b\n\n"],
     [SseEvent("t", "b", "", None)]),
    ("whole-looking part with a CRLF", [b"data: a\r\n\n"], [SseEvent("message", "a", "", None)]),
    ("whole-looking part after a CR", [b"data: a\r", b"\ndata: b\n\n"],
     [SseEvent("message", "a\nb", "", None)]),
    ("colons in name and data", [b"event: a:b\ndata: {\"k\": 1}\n\n"],
     [SseEvent("a:b", '{"k": 1}', "", None)]),
]


@pytest.mark.parametrize(("chunks", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decoder_follows_the_spec(chunks, expected):
    decoder = SseDecoder()
    events = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.flush()
    assert events == expected


def test_one_event_per_part_decodes_as_the_same_bytes_fed_one_at_a_time():
    parts = [b"event: token\ndata: 1\n\n", b": ping\n\n", b"data: 2\n\n", b"id: 9\n\n",
             b"event: token\ndata: 3\n\n", b"data: a\ndata: b\n\n", b"retry: 5\n\n",
             b"event: done\ndata: \n\n"]
    whole, single = SseDecoder(), SseDecoder()
    by_part = [event for part in parts for event in whole.feed(part)]
    by_byte = [event for part in parts for i in range(len(part))
               for event in single.feed(part[i:i + 1])]
    assert by_part == by_byte
    assert [event.data for event in by_part] == ["1", "2", "3", "a\nb", ""]


def test_a_long_line_in_many_pieces_is_decoded_whole():
    data = "x" * 300_000
    body = f"event: big\ndata: {data}\n\n".encode()
    decoder = SseDecoder()
    events = []
    for start in range(0, len(body), 997):
        events += decoder.feed(body[start:start + 997])
    assert [(e.event, len(e.data)) for e in events] == [("big", len(data))]
    assert events[0].data == data
