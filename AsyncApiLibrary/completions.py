"""What an LLM stream means rather than what it carries: its text, its tool calls, and the
latency figures LLM testers are asked for.

Content is a field of each item's JSON (a dotted path); without one, an OpenAI
chat-completion chunk's ``choices.0.delta.content`` (tool-call deltas count as content
too) or a text completion's ``choices.0.text``, and any other item's whole data. Empty and role-only chunks carry no content, so
time to first token skips them, as NVIDIA's GenAI-Perf and AIPerf do. Figures are named
after OpenTelemetry's ``gen_ai`` semantic conventions where those exist.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from typing import Any

from .errors import ExpectationFailed
from .items import StreamItem
from .jsonpath import lookup


def _chunk(item: StreamItem) -> Any:
    if item.kind == "end" or not item.data.lstrip().startswith("{"):
        return None
    try:
        return item.json
    except ExpectationFailed:
        return None


def _choice(chunk: Any) -> dict:
    try:
        choice = chunk["choices"][0]
    except (KeyError, IndexError, TypeError):
        return {}
    return choice if isinstance(choice, dict) else {}


def _delta(chunk: Any) -> dict:
    delta = _choice(chunk).get("delta")
    return delta if isinstance(delta, dict) else {}


def content(item: StreamItem, field: str | None = None) -> str | None:
    """The item's content as text, or None when it carries none."""
    chunk = _chunk(item)
    if field is not None:
        if chunk is None:
            return None
        try:
            value = lookup(chunk, field)
        except ExpectationFailed:
            return None
        return None if value in (None, "") else str(value)
    if isinstance(chunk, dict) and "choices" in chunk:
        delta = _delta(chunk)
        if delta.get("content"):
            return str(delta["content"])
        if delta.get("tool_calls"):
            return ""  # a tool call is content, not text
        legacy = _choice(chunk).get("text")  # a text completion's (/v1/completions)
        return str(legacy) if legacy else None
    if item.kind == "end":
        return None
    return item.data


def text(items: list[StreamItem], field: str | None = None) -> str:
    """The streamed text: the content of every item, joined."""
    return "".join(part for item in items if (part := content(item, field)))


def tool_calls(items: list[StreamItem]) -> list[dict[str, Any]]:
    """OpenAI tool-call deltas assembled per ``index`` into whole calls (in index order):
    ``{"index", "id", "type", "name", "arguments"}``, ``arguments`` the joined text. Calls
    that come whole, as Ollama streams them (``message.tool_calls``, arguments an object),
    follow in the order they came."""
    calls: dict[int, dict[str, Any]] = {}
    for item in items:
        chunk = _chunk(item)
        whole = chunk.get("message") if isinstance(chunk, dict) else None
        for call in (whole.get("tool_calls") or []) if isinstance(whole, dict) else []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                arguments = function.get("arguments")
                calls[len(calls)] = {
                    "index": len(calls), "id": call.get("id"), "type": "function",
                    "name": function.get("name"),
                    "arguments": arguments if isinstance(arguments, str)
                    else json.dumps(arguments)}
        for delta in _delta(chunk).get("tool_calls") or []:
            if not isinstance(delta, dict):
                continue
            call = calls.setdefault(int(delta.get("index", 0)), {
                "index": int(delta.get("index", 0)), "id": None, "type": "function",
                "name": None, "arguments": ""})
            call["id"] = call["id"] or delta.get("id")
            call["type"] = delta.get("type") or call["type"]
            function = delta.get("function") or {}
            call["name"] = call["name"] or function.get("name")
            call["arguments"] += function.get("arguments") or ""
    return [calls[index] for index in sorted(calls)]


def finish_reason(items: list[StreamItem]) -> str | None:
    """The last finish reason given: an OpenAI chunk's (of its first choice), Ollama's
    ``done_reason`` or Gemini's ``finishReason``; None if none was."""
    found = None
    for item in items:
        chunk = _chunk(item)
        reason = _choice(chunk).get("finish_reason")
        if reason is None and isinstance(chunk, dict):
            reason = chunk.get("done_reason")
            candidates = chunk.get("candidates")
            if reason is None and isinstance(candidates, list) and candidates \
                    and isinstance(candidates[0], dict):
                reason = candidates[0].get("finishReason")
        if reason is not None:
            found = str(reason)
    return found


def usage(items: list[StreamItem]) -> dict[str, Any]:
    """The token usage the server reported: the last chunk's ``usage`` object (OpenAI's,
    Anthropic's), Ollama's ``prompt_eval_count``/``eval_count``, or Gemini's
    ``usageMetadata``, with OpenAI's names for the last two."""
    found: dict[str, Any] = {}
    for item in items:
        chunk = _chunk(item)
        if not isinstance(chunk, dict):
            continue
        if isinstance(chunk.get("usage"), dict):
            found = chunk["usage"]
        elif "eval_count" in chunk:
            found = {"prompt_tokens": chunk.get("prompt_eval_count"),
                     "completion_tokens": chunk["eval_count"]}
        elif isinstance(chunk.get("usageMetadata"), dict):
            counts = chunk["usageMetadata"]
            found = {"prompt_tokens": counts.get("promptTokenCount"),
                     "completion_tokens": counts.get("candidatesTokenCount")}
    return found


@dataclass(frozen=True)
class StreamMetrics:
    """Latency figures of one stream, in milliseconds from sending the request.

    ``time_to_first_token_ms`` (gen_ai.server.time_to_first_token), the inter-token
    latencies between content items (``time_per_output_token_ms``, their mean, is
    gen_ai.server.time_per_output_token; ``itl_p50_ms``, ``itl_p95_ms``, ``itl_max_ms``),
    ``operation_duration_ms`` to the last item (gen_ai.client.operation.duration),
    ``output_items`` carrying content, ``items_per_second`` over the whole duration,
    ``items_per_second_after_first`` from the first content item to the last (the rate a
    reader sees once the answer started: AIPerf's output token throughput per user), and
    the server's ``input_tokens``/``output_tokens`` when it reported usage.
    """

    stream: str
    output_items: int
    time_to_first_token_ms: float | None
    time_per_output_token_ms: float | None
    itl_p50_ms: float | None
    itl_p95_ms: float | None
    itl_max_ms: float | None
    operation_duration_ms: float
    items_per_second: float | None
    input_tokens: int | None = None
    output_tokens: int | None = None
    gaps_ms: tuple[float, ...] = field(default=(), repr=False)
    items_per_second_after_first: float | None = None

    def __str__(self) -> str:
        def ms(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1f} ms"

        rate = "n/a" if self.items_per_second is None else f"{self.items_per_second:.1f}/s"
        tokens = ""
        if self.output_tokens is not None or self.input_tokens is not None:
            tokens = f", usage {self.input_tokens} in / {self.output_tokens} out tokens"
        items = f"{self.output_items} item{'' if self.output_items == 1 else 's'}"
        return (f"Stream '{self.stream}': {items} with content, time to "
                f"first token {ms(self.time_to_first_token_ms)}, inter-token latency mean "
                f"{ms(self.time_per_output_token_ms)} p50 {ms(self.itl_p50_ms)} p95 "
                f"{ms(self.itl_p95_ms)} max {ms(self.itl_max_ms)}, duration "
                f"{ms(self.operation_duration_ms)}, {rate}{tokens}")

    __repr__ = __str__


def metrics(name: str, items: list[StreamItem], field: str | None = None,
            end_ms: float | None = None, done: StreamItem | None = None,
            since_ms: float = 0.0) -> StreamMetrics:
    """The figures of a stream whose ``items`` before its done event were read; ``end_ms``
    is when its done event (or end) arrived; ``done``, a done item that may carry the
    usage (Ollama's last line), is read for that only. Times count from ``since_ms`` (on
    the stream's clock): the request, or on a WebSocket the message the reply answers."""
    arrivals = [item.offset_ms - since_ms for item in items if content(item, field) is not None]
    gaps = tuple(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
    duration = max([item.offset_ms for item in items] + [end_ms or 0.0]) - since_ms
    reported = usage(items if done is None else [*items, done])
    return StreamMetrics(
        stream=name,
        output_items=len(arrivals),
        time_to_first_token_ms=arrivals[0] if arrivals else None,
        time_per_output_token_ms=statistics.fmean(gaps) if gaps else None,
        itl_p50_ms=percentile(gaps, 50),
        itl_p95_ms=percentile(gaps, 95),
        itl_max_ms=max(gaps) if gaps else None,
        operation_duration_ms=duration,
        items_per_second=len(arrivals) / (duration / 1000) if duration > 0 else None,
        items_per_second_after_first=(len(gaps) / (sum(gaps) / 1000)
                                      if gaps and sum(gaps) > 0 else None),
        input_tokens=reported.get("prompt_tokens", reported.get("input_tokens")),
        output_tokens=reported.get("completion_tokens", reported.get("output_tokens")),
        gaps_ms=gaps,
    )


def percentile(values: tuple[float, ...] | list[float], pct: float) -> float | None:
    """The ``pct`` percentile by linear interpolation (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class StreamsMetrics:
    """The spread of the figures of streams read together (see ``StreamMetrics``)."""

    streams: int
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None
    ttft_max_ms: float | None
    itl_p95_ms: float | None
    per_stream: tuple[StreamMetrics, ...] = field(repr=False)

    def __str__(self) -> str:
        def ms(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1f} ms"

        return (f"{self.streams} streams: time to first token p50 {ms(self.ttft_p50_ms)}, "
                f"p95 {ms(self.ttft_p95_ms)}, max {ms(self.ttft_max_ms)}; inter-token "
                f"latency p95 over all streams {ms(self.itl_p95_ms)}")

    __repr__ = __str__


def spread(figures: list[StreamMetrics]) -> StreamsMetrics:
    """Across streams: percentiles of their times to first token, and of all their gaps."""
    firsts = [f.time_to_first_token_ms for f in figures if f.time_to_first_token_ms is not None]
    gaps = [gap for f in figures for gap in f.gaps_ms]
    return StreamsMetrics(
        streams=len(figures),
        ttft_p50_ms=percentile(firsts, 50),
        ttft_p95_ms=percentile(firsts, 95),
        ttft_max_ms=max(firsts) if firsts else None,
        itl_p95_ms=percentile(gaps, 95),
        per_stream=tuple(figures),
    )


def openai_format_problems(items: list[StreamItem], asked_usage: bool) -> list[str]:
    """Where a chat-completion stream breaks the rules clients rely on ([] if nowhere).

    One ``id`` throughout and ``object: chat.completion.chunk``; every choice has a
    ``delta`` object; ``finish_reason`` only on the last chunk with choices; every
    tool-call delta has an ``index``, and the first of each call its ``id`` and name; a
    usage chunk (empty ``choices``) when ``stream_options.include_usage`` was asked.
    """
    problems: list[str] = []
    ids: set[Any] = set()
    finished_at: int | None = None
    seen_calls: set[int] = set()
    usage_seen = False
    for item in items:
        chunk = _chunk(item)
        where = f"chunk {item.index}"
        if not isinstance(chunk, dict):
            problems.append(f"{where} is not a JSON object")
            continue
        ids.add(chunk.get("id"))
        if chunk.get("object") != "chat.completion.chunk":
            problems.append(f"{where} has object {chunk.get('object')!r}, not 'chat.completion.chunk'")
        choices = chunk.get("choices")
        if choices == [] and isinstance(chunk.get("usage"), dict):
            usage_seen = True
            continue
        if not isinstance(choices, list) or not choices:
            problems.append(f"{where} has no choices")
            continue
        if finished_at is not None:
            problems.append(f"{where} follows the finish_reason of chunk {finished_at}")
        for choice in choices:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                problems.append(f"{where} has a choice without a delta object")
                continue
            if choice.get("finish_reason") is not None:
                finished_at = item.index
            for call in delta.get("tool_calls") or []:
                problems += _tool_call_problems(where, call, seen_calls)
    if len(ids) > 1:
        problems.append(f"the chunks carry {len(ids)} different ids")
    if asked_usage and not usage_seen:
        problems.append("stream_options.include_usage was asked and no usage chunk came")
    return problems


def _tool_call_problems(where: str, call: Any, seen: set[int]) -> list[str]:
    if not isinstance(call, dict) or "index" not in call:
        return [f"{where} has a tool-call delta without an index"]
    if call["index"] in seen:
        return []
    seen.add(call["index"])
    function = call.get("function") or {}
    missing = [name for name, present in (("id", call.get("id")), ("name", function.get("name")))
               if not present]
    return [f"{where} starts tool call {call['index']} without its {' and '.join(missing)}"] \
        if missing else []
