"""The meaning of an LLM stream: its text, its tool calls, its latency figures."""

import json

import pytest

from AsyncApiLibrary import completions
from AsyncApiLibrary.items import StreamItem


def chunk(offset_ms, **delta):
    data = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}
    return StreamItem(0, "event", json.dumps(data), 0.0, offset_ms, "message")


def test_text_joins_the_deltas_and_skips_role_only_and_empty_chunks():
    items = [chunk(5, role="assistant"), chunk(10, content="Hel"), chunk(12, content=""),
             chunk(15, content="lo")]
    assert completions.text(items) == "Hello"
    assert completions.metrics("s", items).time_to_first_token_ms == 10


def test_text_of_a_named_field_and_of_plain_data():
    items = [StreamItem(0, "event", '{"text": "a"}', 0, 1, "token"),
             StreamItem(1, "event", '{"other": 1}', 0, 2, "token"),
             StreamItem(2, "event", '{"text": "b"}', 0, 3, "token")]
    assert completions.text(items, "text") == "ab"
    plain = [StreamItem(0, "chunk", "x", 0, 1), StreamItem(1, "chunk", "y", 0, 2)]
    assert completions.text(plain) == "xy"


def test_tool_call_deltas_are_assembled_per_index():
    def call(offset, index, **parts):
        function = {k: v for k, v in parts.items() if k in ("name", "arguments")}
        delta = {"index": index, "function": function}
        if "id" in parts:
            delta["id"] = parts["id"]
        return chunk(offset, tool_calls=[delta])

    items = [call(1, 0, id="call_a", name="get_weather", arguments='{"ci'),
             call(2, 1, id="call_b", name="get_time", arguments="{}"),
             call(3, 0, arguments='ty": "Paris"}')]
    assert completions.tool_calls(items) == [
        {"index": 0, "id": "call_a", "type": "function", "name": "get_weather",
         "arguments": '{"city": "Paris"}'},
        {"index": 1, "id": "call_b", "type": "function", "name": "get_time", "arguments": "{}"},
    ]
    assert completions.text(items) == ""  # tool calls are content, not text
    assert completions.metrics("s", items).output_items == 3


def test_figures_of_a_stream():
    items = [chunk(100, content="a"), chunk(110, content="b"), chunk(130, content="c"),
             chunk(170, content="d")]
    usage = StreamItem(4, "event", json.dumps({"choices": [], "usage": {
        "prompt_tokens": 7, "completion_tokens": 4}}), 0, 175, "message")
    figures = completions.metrics("s", [*items, usage], end_ms=180)
    assert figures.output_items == 4
    assert figures.time_to_first_token_ms == 100
    assert figures.gaps_ms == (10, 20, 40)
    assert figures.time_per_output_token_ms == pytest.approx(70 / 3)
    assert figures.itl_p50_ms == 20
    assert figures.itl_max_ms == 40
    assert figures.itl_p95_ms == pytest.approx(38)
    assert figures.operation_duration_ms == 180
    assert figures.items_per_second == pytest.approx(4 / 0.18)
    assert figures.items_per_second_after_first == pytest.approx(3 / 0.07)
    assert (figures.input_tokens, figures.output_tokens) == (7, 4)
    assert "time to first token 100.0 ms" in str(figures)


def test_no_content_means_no_first_token():
    figures = completions.metrics("s", [chunk(5, role="assistant")], end_ms=9)
    assert figures.time_to_first_token_ms is None and figures.itl_p95_ms is None
    assert figures.items_per_second_after_first is None


def test_a_text_completion_carries_its_text_in_choices():
    data = {"object": "text_completion", "choices": [{"index": 0, "text": "hi "}]}
    item = StreamItem(0, "event", json.dumps(data), 0.0, 1.0, "message")
    assert completions.text([item, item]) == "hi hi "


def test_spread_across_streams():
    figures = [completions.metrics(f"s{n}", [chunk(t, content="a"), chunk(t + 5, content="b")])
               for n, t in enumerate((10, 20, 30, 40))]
    spread = completions.spread(figures)
    assert (spread.ttft_p50_ms, spread.ttft_max_ms) == (25, 40)
    assert spread.itl_p95_ms == 5


def test_tool_calls_that_come_whole_as_ollama_streams_them():
    line = {"message": {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
        {"function": {"name": "get_time", "arguments": {}}}]}, "done": False}
    item = StreamItem(0, "line", json.dumps(line), 0.0, 1.0)
    calls = completions.tool_calls([item])
    assert [(c["index"], c["name"], json.loads(c["arguments"])) for c in calls] == [
        (0, "get_weather", {"city": "Paris"}), (1, "get_time", {})]
