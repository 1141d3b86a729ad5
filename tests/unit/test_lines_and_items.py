import pytest

from AsyncApiLibrary.conventions import DoneRule, ErrorRule
from AsyncApiLibrary.errors import ExpectationFailed, UsageError
from AsyncApiLibrary.items import StreamItem, matches_pattern
from AsyncApiLibrary.jsonpath import lookup
from AsyncApiLibrary.lines import LineDecoder


def test_lines_split_across_chunks_and_skip_blanks():
    decoder = LineDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b"') == ['{"a": 1}']
    assert decoder.feed(b': 2}\r\n\n') == ['{"b": 2}']
    assert decoder.feed(b"tail") == []
    assert decoder.flush() == ["tail"]


def test_a_character_cut_between_parts_is_joined_and_bytes_not_utf8_are_replaced():
    decoder = LineDecoder()
    assert decoder.feed(b'{"t": "\xe2\x82') == []
    assert decoder.feed(b'\xac"}\n{"t": "\xff"}\n') == ['{"t": "\u20ac"}', '{"t": "\ufffd"}']
    assert decoder.feed(b"\xc3") == []
    assert decoder.flush() == ["\ufffd"]


@pytest.mark.parametrize(("spec", "kind", "value"), [
    ("event:done", "event", "done"), ("data:[DONE]", "data", "[DONE]"),
    ("openai", "data", "[DONE]"), ("OpenAI", "data", "[DONE]"),
])
def test_done_conventions(spec, kind, value):
    rule = DoneRule.parse(spec)
    assert (rule.kind, rule.value) == (kind, value)


@pytest.mark.parametrize("spec", ["done", "event:", "stop:x", ""])
def test_unknown_done_convention_is_refused(spec):
    with pytest.raises(UsageError, match="Done convention .* is unknown; use 'event:NAME'"):
        DoneRule.parse(spec)


def test_done_rule_matches_sse_events_and_json_lines():
    done_event = StreamItem(0, "event", "{}", 0.0, event="done")
    line = StreamItem(1, "line", '{"type": "done"}', 0.0)
    sentinel = StreamItem(2, "event", "[DONE]", 0.0, event="message")
    assert DoneRule.parse("event:done").matches(done_event)
    assert DoneRule.parse("event:done").matches(line)
    assert not DoneRule.parse("event:done").matches(sentinel)
    assert DoneRule.parse("openai").matches(sentinel)


def test_item_json_error_names_the_item():
    item = StreamItem(3, "line", "not json", 0.0)
    with pytest.raises(ExpectationFailed, match="Line 3 is not JSON: 'not json'."):
        _ = item.json


def test_patterns_glob_and_regexp():
    item = StreamItem(0, "event", "x", 0.0, event="token")
    assert matches_pattern(item, "tok*")
    assert matches_pattern(item, "regexp:t.k.n")
    assert not matches_pattern(item, "done")


def test_json_path_lookup_and_its_error():
    doc = {"detail": [{"loc": ["body", "message"]}]}
    assert lookup(doc, "detail.0.loc.1") == "message"
    with pytest.raises(ExpectationFailed, match="no 'x' at detail.0"):
        lookup(doc, "detail.0.x")


def test_a_long_json_line_in_many_pieces_is_decoded_whole():
    line = '{"text": "' + "y" * 200_000 + '"}'
    body = (line + "\n" + '{"n": 2}\n').encode()
    decoder = LineDecoder()
    lines = []
    for start in range(0, len(body), 1013):
        lines += decoder.feed(body[start:start + 1013])
    assert lines == [line, '{"n": 2}']


def line(data: str) -> StreamItem:
    return StreamItem(0, "line", data, 0.0)


@pytest.mark.parametrize(("spec", "data", "matched"), [
    ("json:done=true", '{"done": true}', True),
    ("json:done=true", '{"done": false}', False),
    ("json:done=true", '{"done": 1}', False),  # 1 is not true
    ("json:done=true", '{"message": "x"}', False),
    ("json:done=true", "not json", False),
    ("json:done", '{"done": false}', False),
    ("json:done", '{"done": null}', False),
    ("json:done", '{"done": "stop"}', True),
    ("json:status=error", '{"status": "error"}', True),
    ('json:status="error"', '{"status": "error"}', True),
    ("json:choices.0.finish_reason=stop", '{"choices": [{"finish_reason": "stop"}]}', True),
    ("json:code=1", '{"code": 1.0}', True),  # the same JSON number
    ("json:done=True", '{"done": true}', True),  # as Robot spells it
    ("json:done=null", '{"done": null}', True),
    ("json:text=a = b", '{"text": "a = b"}', True),
])
def test_a_done_rule_on_a_json_field_and_its_value(spec, data, matched):
    assert DoneRule.parse(spec).matches(line(data)) is matched
    assert ErrorRule.parse(spec).matches(line(data)) is matched


@pytest.mark.parametrize(("data", "matched"), [
    ('{"error": {"message": "x"}}', True),
    ('{"object": "error", "message": "x"}', True),  # an older vLLM's
    ('{"object": "chat.completion.chunk", "choices": []}', False),
    ('{"error": null}', False),
])
def test_the_openai_error_convention(data, matched):
    assert ErrorRule.parse("openai").matches(line(data)) is matched


@pytest.mark.parametrize("spec", ["json:", "json:=true", "json: =x", "json"])
def test_a_json_rule_needs_a_path(spec):
    with pytest.raises(UsageError, match="unknown"):
        DoneRule.parse(spec)
    with pytest.raises(UsageError, match="unknown"):
        ErrorRule.parse(spec)
