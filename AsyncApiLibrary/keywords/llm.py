"""Keywords for LLM streams: the streamed text, tool calls, and latency figures."""

from __future__ import annotations

import json
import re
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import completions
from ..arguments import Duration, json_value, seconds
from ..completions import StreamMetrics
from ..errors import ExpectationFailed, UsageError
from ..streams import LiveStream
from .base import LibraryComponent

TAGS = ["llm"]



class LlmKeywords(LibraryComponent):
    """The text of a streamed answer, its tool calls, and how fast it came."""

    def _text(self, field: str | None, timeout: Duration | None, stream: str | None) -> tuple[LiveStream, str]:
        chosen = self.stream(stream)
        return chosen, completions.text(self.items_to_done(chosen, timeout), field)

    @keyword(tags=TAGS)
    def read_streamed_text(self, field: str | None = None, timeout: Duration | None = None,
                           stream: str | None = None) -> str:
        """Reads the stream to its done event and returns the text its items carry, joined.

        ``field`` is the JSON field (a dotted path such as ``message.content``) that holds
        each item's content; without it, an OpenAI chunk's ``choices.0.delta.content`` (or
        a text completion's ``choices.0.text``), and any other item's whole data. Items read
        before this keyword count too (up to 200). After `Expect Error Event` it returns
        the text that came before the error.

        Example:
        | `Start Stream` | POST | /v1/chat/completions | json=${body} | done=openai |
        | ${text} = | `Read Streamed Text` |
        """
        chosen, text = self._text(field, timeout, stream)
        logger.info(self.ctx.masker.text(f"Stream '{chosen.name}' carried the text {text!r}."))
        return self.ctx.masker.guard(text)

    @keyword(tags=TAGS)
    def streamed_text_should_be(self, expected: str, field: str | None = None,
                                timeout: Duration | None = None, stream: str | None = None) -> None:
        """Fails unless the streamed text (see `Read Streamed Text`) is exactly ``expected``.

        ``field``, ``timeout`` and ``stream`` are as in `Read Streamed Text`.

        Example:
        | `Streamed Text Should Be` | Hello, world | field=text |
        """
        chosen, text = self._text(field, timeout, stream)
        if text != expected:
            raise ExpectationFailed(
                f"Expected the text of stream '{chosen.name}' to be {expected!r}, got {text!r}."
            )

    @keyword(tags=TAGS)
    def streamed_text_should_contain(self, expected: str, field: str | None = None,
                                     timeout: Duration | None = None,
                                     stream: str | None = None) -> None:
        """Fails unless the streamed text (see `Read Streamed Text`) contains ``expected``.

        ``field``, ``timeout`` and ``stream`` are as in `Read Streamed Text`.

        Example:
        | `Streamed Text Should Contain` | world |
        """
        chosen, text = self._text(field, timeout, stream)
        if expected not in text:
            raise ExpectationFailed(
                f"Expected the text of stream '{chosen.name}' to contain {expected!r}, got {text!r}."
            )

    @keyword(tags=TAGS)
    def streamed_text_should_match(self, pattern: str, field: str | None = None,
                                   timeout: Duration | None = None,
                                   stream: str | None = None) -> None:
        """Fails unless the regular expression ``pattern`` is found in the streamed text.

        ``field``, ``timeout`` and ``stream`` are as in `Read Streamed Text`.

        Example:
        | `Streamed Text Should Match` | ^Echo: .+ |
        """
        chosen, text = self._text(field, timeout, stream)
        try:
            found = re.search(pattern, text)
        except re.error as exc:
            raise UsageError(f"Pattern '{pattern}' is not a valid regular expression: {exc}.") from None
        if found is None:
            raise ExpectationFailed(
                f"Expected the text of stream '{chosen.name}' to match {pattern!r}, got {text!r}."
            )

    @keyword(tags=TAGS)
    def get_tool_calls(self, timeout: Duration | None = None,
                       stream: str | None = None) -> list[dict[str, Any]]:
        """Reads the stream to done and returns its tool calls, assembled from their deltas.

        OpenAI streams a tool call in pieces (``choices.0.delta.tool_calls``), each with the
        ``index`` of its call; the pieces are joined per index into ``{"index", "id",
        "type", "name", "arguments"}``, ``arguments`` being the whole JSON text. Calls that
        come whole, as Ollama streams them (``message.tool_calls``), are taken as they are.

        Example:
        | @{calls} = | `Get Tool Calls` |
        | Should Be Equal | ${calls}[0][name] | get_weather |
        """
        chosen = self.stream(stream)
        return completions.tool_calls(self.items_to_done(chosen, timeout))

    @keyword(tags=TAGS)
    def tool_call_should_be(self, name: str, arguments: Any = None, index: int = 0,
                            timeout: Duration | None = None, stream: str | None = None) -> None:
        """Fails unless tool call ``index`` of the stream calls ``name`` with ``arguments``.

        ``arguments`` is compared as JSON (JSON text or a Robot dictionary): key order and
        spacing do not matter. Without it only the name is checked.

        Example:
        | `Tool Call Should Be` | get_weather | {"city": "Paris"} |
        """
        calls = self.get_tool_calls(timeout, stream)
        chosen = self.stream(stream)
        found = next((call for call in calls if call["index"] == index), None)
        if found is None:
            raise ExpectationFailed(
                f"Expected tool call {index} on stream '{chosen.name}' to call '{name}', but "
                f"the stream has {len(calls)} tool call{'' if len(calls) == 1 else 's'}."
            )
        if found["name"] != name:
            raise ExpectationFailed(
                f"Expected tool call {index} on stream '{chosen.name}' to call '{name}', "
                f"got '{found['name']}'."
            )
        if arguments is not None:
            try:
                got = json.loads(found["arguments"] or "null")
            except ValueError:
                raise ExpectationFailed(
                    f"Expected tool call {index} on stream '{chosen.name}' to have JSON "
                    f"arguments, got {found['arguments']!r}."
                ) from None
            wanted = json_value(arguments)
            if got != wanted:
                raise ExpectationFailed(
                    f"Expected tool call {index} ('{name}') on stream '{chosen.name}' to have "
                    f"the arguments {json.dumps(wanted)}, got {json.dumps(got)}."
                )

    @keyword(tags=TAGS)
    def finish_reason_should_be(self, expected: str, timeout: Duration | None = None,
                                stream: str | None = None) -> None:
        """Fails unless the stream's ``finish_reason`` is ``expected`` (``stop``, ``length``...).

        Reads the stream to done; the reason is the last one given: an OpenAI chunk's
        (``choices.0.finish_reason``, of the first choice), Ollama's ``done_reason`` or
        Gemini's ``finishReason``.

        Example:
        | `Finish Reason Should Be` | tool_calls |
        """
        chosen = self.stream(stream)
        items = self.items_to_done(chosen, timeout)
        done = self.json_done(chosen)
        got = completions.finish_reason(items if done is None else [*items, done])
        if got != expected:
            said = "no chunk gave one" if got is None else f"got '{got}'"
            raise ExpectationFailed(
                f"Expected the finish reason '{expected}' on stream '{chosen.name}', {said}."
            )
        logger.info(f"Stream '{chosen.name}' finished with the reason '{got}'.")

    @keyword(tags=TAGS)
    def get_stream_metrics(self, field: str | None = None, timeout: Duration | None = None,
                           stream: str | None = None) -> StreamMetrics:
        """Reads the stream to done and returns its latency figures, and logs them.

        Time to first token is the arrival of the first item with content (empty and
        role-only chunks do not count), from the moment the request was sent; inter-token
        latencies are the gaps between items with content. The result has
        ``time_to_first_token_ms``, ``time_per_output_token_ms`` (the mean gap),
        ``itl_p50_ms``, ``itl_p95_ms``, ``itl_max_ms``, ``operation_duration_ms``,
        ``output_items``, ``items_per_second`` and the server's ``input_tokens`` and
        ``output_tokens`` if it reported usage. ``field`` is as in `Read Streamed Text`.

        Example:
        | ${m} = | `Get Stream Metrics` |
        | Should Be True | ${m.time_to_first_token_ms} < 300 |
        """
        chosen = self.stream(stream)
        figures = self.figures(chosen, self.items_to_done(chosen, timeout), field)
        logger.info(str(figures))
        return figures

    @keyword(tags=TAGS)
    def time_to_first_token_should_be_below(self, bound: Duration, field: str | None = None,
                                            timeout: Duration | None = None,
                                            stream: str | None = None) -> float:
        """Fails unless the stream's first content arrived within ``bound``; returns it in ms.

        See `Get Stream Metrics` for what counts as content; ``field`` is as there.

        Example:
        | `Time To First Token Should Be Below` | 300ms |
        """
        figures = self.get_stream_metrics(field, timeout, stream)
        return _below("time to first token", figures.time_to_first_token_ms, bound, figures)

    @keyword(tags=TAGS)
    def inter_token_latency_p95_should_be_below(self, bound: Duration, field: str | None = None,
                                                timeout: Duration | None = None,
                                                stream: str | None = None) -> float:
        """Fails unless the 95th percentile of the gaps between content items is below ``bound``.

        Returns it in milliseconds. See `Get Stream Metrics`; ``field`` is as there.

        Example:
        | `Inter Token Latency P95 Should Be Below` | 50ms |
        """
        figures = self.get_stream_metrics(field, timeout, stream)
        return _below("95th percentile inter-token latency", figures.itl_p95_ms, bound, figures)


    @keyword(tags=TAGS)
    def items_per_second_should_be_above(self, rate: float, after_first: bool = False,
                                         field: str | None = None,
                                         timeout: Duration | None = None,
                                         stream: str | None = None) -> float:
        """Fails unless the stream carried more than ``rate`` content items per second.

        Over the whole stream from the request (``items_per_second``), or with
        ``after_first`` from the first content item to the last
        (``items_per_second_after_first``: the pace once the answer started). Returns the
        figure. See `Get Stream Metrics`; ``field`` is as there.

        Example:
        | `Items Per Second Should Be Above` | 20 | after_first=${True} |
        """
        figures = self.get_stream_metrics(field, timeout, stream)
        value = figures.items_per_second_after_first if after_first else figures.items_per_second
        what = "content items per second" + (" after the first" if after_first else "")
        if value is None or value <= rate:
            if value is not None:
                got = f"got {value:.1f}"
            elif figures.output_items > 1:
                got = "its content items all arrived at once"
            else:
                got = "it carried too few content items to measure"
            raise ExpectationFailed(
                f"Expected more than {rate:g} {what} on stream '{figures.stream}', {got} "
                f"({figures})."
            )
        logger.info(f"Stream '{figures.stream}' carried {value:.1f} {what}, bound {rate:g}.")
        return value

    @keyword(tags=TAGS)
    def stream_should_follow_the_openai_chunk_format(self, timeout: Duration | None = None,
                                                     stream: str | None = None) -> None:
        """Fails unless the stream is a well-formed OpenAI chat-completions stream.

        Reads it to done and checks the rules clients rely on: one ``id`` throughout and
        ``object: chat.completion.chunk``; a ``delta`` object in every choice;
        ``finish_reason`` only on the last chunk with choices; an ``index`` on every
        tool-call delta, and ``id`` and name on the first of each call; a usage chunk
        (empty ``choices``) when the request asked for ``stream_options.include_usage``;
        and ``data: [DONE]`` last, with nothing after it. Lists every rule broken. After
        `Expect Error Event`, the chunks before the error are checked (a failed reply owes
        no usage chunk and no ``[DONE]``).

        Example:
        | `Start Stream` | POST | /v1/chat/completions | json=${body} | done=openai |
        | `Stream Should Follow The OpenAI Chunk Format` |
        """
        chosen = self.stream(stream)
        items = self.items_to_done(chosen, timeout)
        failed = chosen.error_item is not None  # expected by Expect Error Event
        asked = _asked_usage(chosen.request) and not failed
        problems = completions.openai_format_problems(items, asked)
        if not failed and (chosen.done_item is None or chosen.done_item.data.strip() != "[DONE]"):
            problems.append("it did not end with data: [DONE]")
        if problems:
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to follow the OpenAI chunk format, but "
                f"{'; '.join(problems)}."
            )
        logger.info(f"Stream '{chosen.name}' follows the OpenAI chunk format "
                    f"({len(items)} chunks, then {'its error' if failed else '[DONE]'}).")


def _asked_usage(request: Any) -> bool:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        return False
    options = body.get("stream_options") if isinstance(body, dict) else None
    return isinstance(options, dict) and bool(options.get("include_usage"))


def _below(what: str, value: float | None, bound: Duration, figures: StreamMetrics) -> float:
    limit = seconds(bound, 1.0, "Bound") * 1000
    if value is None:
        raise ExpectationFailed(
            f"Expected a {what} below {limit:g} ms on stream '{figures.stream}', but it has "
            f"{figures.output_items} item{'' if figures.output_items == 1 else 's'} with content."
        )
    if value >= limit:
        raise ExpectationFailed(
            f"Expected a {what} below {limit:g} ms on stream '{figures.stream}', got "
            f"{value:.1f} ms ({figures})."
        )
    logger.info(f"The {what} of stream '{figures.stream}' was {value:.1f} ms, bound {limit:g} ms.")
    return value
