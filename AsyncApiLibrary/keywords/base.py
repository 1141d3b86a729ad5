"""The base of every keyword group: the shared context and the helpers all groups use."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from robot.api import logger

from .. import completions, core, transcript
from ..arguments import Duration, seconds
from ..arrivals import TRANSCRIPT_LIMIT
from ..chunk_text import default_content
from ..context import LibraryContext
from ..contract import request_problem, response_problem
from ..conventions import DoneRule, ErrorRule
from ..display import short
from ..errors import ExpectationFailed, StreamFailure, UsageError
from ..items import StreamItem, matches_pattern
from ..results import ApiResponse
from ..streams import LiveStream
from ..tracking import REQUEST_ID_HEADER
from ..websocket import LiveSocket


class LibraryComponent:
    """One group of keywords. It reaches shared state only through ``self.ctx``."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def run(self, func: Any, *args: Any, deadline: float | None = None) -> Any:
        """Run one core coroutine on the library's loop, under the keyword's ``deadline``."""
        return self.ctx.run(func, *args, deadline=deadline)

    def stream(self, name: str | None) -> LiveStream:
        return self.ctx.streams.get(name)

    def websocket(self, name: str | None) -> LiveSocket:
        """The WebSocket called ``name``, or the current stream if it is one."""
        chosen = self.ctx.streams.get(name)
        if not isinstance(chosen, LiveSocket):
            raise UsageError(
                f"'{chosen.name}' is an HTTP stream, not a WebSocket; name the WebSocket "
                "with websocket=NAME."
            )
        return chosen

    def stream_timeout(self, stream: LiveStream, timeout: timedelta | None) -> float:
        """The read deadline: ``timeout``, else the stream's client's, else the library's."""
        target = self.ctx.stream_target(stream)
        default = target.options.timeout if target is not None else self.ctx.settings.timeout
        return seconds(timeout, default)

    def read_item(self, stream: LiveStream, timeout: timedelta | None) -> StreamItem:
        """The stream's next item, under its read deadline; logged, and the transcript
        with it once the stream ends or its done item was read."""
        limit = self.stream_timeout(stream, timeout)
        try:
            item = self.run(stream.next_item, limit, deadline=limit)
        except StreamFailure:
            self.log_transcript(stream)
            raise
        said = default_content(item)  # an LLM chunk's text, not its envelope
        logger.info(self.ctx.masker.text(
            f"Read {item.summary(said)} at {item.offset_ms:.1f} ms from {stream.noun} "
            f"'{stream.name}'."
        ))
        if stream.done_item is item:
            self.log_transcript(stream)
        return item

    def read_in_order(self, stream: LiveStream, names: tuple[str, ...],
                      timeout: timedelta | None, noun: str) -> list[StreamItem]:
        """One item per expected name (``noun``: what the reader calls them), failing at the
        first that does not match; the items read."""
        if not names:
            raise UsageError(f"Give at least one expected {noun} name.")
        items: list[StreamItem] = []
        for position, pattern in enumerate(names, start=1):
            item = self.read_item(stream, timeout)
            items.append(item)
            if not matches_pattern(item, pattern):
                raise ExpectationFailed(self.ctx.masker.text(
                    f"Expected {noun} {position} of {len(names)} on {stream.noun} "
                    f"'{stream.name}' to be '{pattern}', got {item.summary()} (order so far: "
                    f"{', '.join(i.name or short(i.data, 20) for i in items)})."
                ))
        return items

    def stream_maker(self, client: str, request: Any, name: str, fmt: str, done: str | None,
                     error: str | None, kind: type[LiveStream] = LiveStream,
                     **extra: Any) -> Callable[[], LiveStream]:
        """What builds a stream (or a ``kind`` of one, with ``extra`` arguments) on the
        loop: its request tagged for the server side, and its conventions (its own, else
        its client's, else the library's)."""
        ctx = self.ctx
        existing = ctx.streams.find(name)
        if existing is not None and existing.state == "open":
            raise UsageError(f"A {existing.noun} named '{name}' is already open; disconnect "
                             "it first.")
        target = ctx.target(client)
        request_id = uuid.uuid4().hex
        request.headers[REQUEST_ID_HEADER] = request_id
        # Between two parts the stream may be silent as long as it likes: the reading
        # keywords' own deadlines judge that, the same in every mode (opening is bounded).
        request.extensions["timeout"] = {**request.extensions.get("timeout", {}), "read": None}
        return partial(
            kind, name, request, fmt=fmt, **extra,
            done=DoneRule.parse(done) if done is not None else target.options.done or ctx.settings.done,
            error_rule=(ErrorRule.parse(error) if error is not None
                        else target.options.error or ctx.settings.error),
            buffer_size=target.options.buffer_size, request_id=request_id, client=client,
            in_test=ctx.in_test,
        )

    def register_stream(self, stream: LiveStream) -> None:
        """A stream that opened becomes the current one; its opening response the last."""
        ctx = self.ctx
        if stream.name in ctx.streams:
            ctx.release_stream(stream.name)
        ctx.streams.add(stream.name, stream)
        ctx.remember(stream.client, ApiResponse(stream.response, stream.name))
        request = stream.request
        logger.info(ctx.masker.text(
            f"Opened stream '{stream.name}': {request.method} "
            f"{ctx.target(stream.client).shown(request.url)} -> "
            f"{stream.response.status_code} {stream.response.reason_phrase} ({stream.fmt})."
        ))

    def check_request(self, target: Any, request: Any, body: Any) -> None:
        """With a contract that checks requests: refuse a JSON body it forbids."""
        if target.contract is None or not target.options.check_requests or body is None:
            return
        problem = request_problem(target.contract, request.method, request.url.path, body)
        if problem is not None:
            raise ExpectationFailed(f"The request breaks the contract: {problem}.")

    def check_response(self, target: Any, raw: Any) -> None:
        """With a contract: a whole response must have a declared status and body."""
        if target.contract is None:
            return
        request = raw.request
        problem = response_problem(target.contract, request.method, request.url.path,
                                   raw.status_code, raw.headers.get("content-type", ""),
                                   raw.content)
        if problem is not None:
            raise ExpectationFailed(
                f"{request.method} {request.url.path} -> {raw.status_code} breaks the "
                f"contract: {problem}."
            )

    def items_to_done(self, chosen: LiveStream, timeout: Duration | None) -> list[StreamItem]:
        """Every item of the stream before its done event: those read already and the rest,
        read now. Kept on the stream, so the next such keyword reads nothing again. After
        `Expect Error Event`: the items before the error it returned."""
        if isinstance(chosen, LiveSocket) and chosen.moved_on():  # its next reply, then
            return self.keep_reply(chosen, self._read_to_done(chosen, timeout))
        if chosen.items_to_done is not None:
            return chosen.items_to_done
        if chosen.delivered_count > TRANSCRIPT_LIMIT:
            raise UsageError(
                f"Stream '{chosen.name}' had {chosen.delivered_count} items read one by one "
                f"before this keyword, more than the {TRANSCRIPT_LIMIT} it keeps; use it "
                "before reading them, and it reads the stream itself."
            )
        failed = chosen.error_item  # read, but not by Expect Error Event (it keeps the items)
        if failed is not None:
            count = failed.index - chosen.reply_start
            raise StreamFailure(
                f"Expected the done event on stream '{chosen.name}', but an error event "
                f"arrived after {count} items: {failed.summary()}."
            )
        before = [i for i in chosen.transcript[chosen.reply_start:chosen.delivered_count]
                  if i is not chosen.done_item]
        if chosen.done_item is None:
            before += self._read_to_done(chosen, timeout)
        return self.keep_reply(chosen, before)

    @staticmethod
    def keep_reply(stream: LiveStream, items: list[StreamItem]) -> list[StreamItem]:
        """Keep the reply an LLM keyword read, for the next one; on a socket, `Read Until
        Done` may ask for that reply once too."""
        stream.items_to_done = items
        if isinstance(stream, LiveSocket):
            stream.llm_read = stream.done_item
        return items

    @staticmethod
    def reply_items(stream: LiveStream, start: int, earlier: int,
                    new: list[StreamItem]) -> list[StreamItem]:
        """A reply's items: the ``earlier`` ones read one by one from ``start`` (none if a
        socket's next reply began since), then ``new``; never its done or error item."""
        if stream.reply_start != start:  # a socket's next reply: none of it read before
            start, earlier = stream.reply_start, 0
        before = [i for i in stream.transcript[start:start + earlier]
                  if i is not stream.done_item and i is not stream.error_item]
        return before + new

    def _read_to_done(self, chosen: LiveStream, timeout: Duration | None) -> list[StreamItem]:
        limit = self.stream_timeout(chosen, timeout)
        try:
            return self.run(core.read_until_done, chosen, limit, deadline=limit)
        except StreamFailure as exc:  # it ended or broke: say what was awaited
            if str(exc).startswith("Expected"):
                raise
            raise StreamFailure(f"Expected the done event ({chosen.done}), but: {exc}") from None
        finally:
            self.log_transcript(chosen)

    @staticmethod
    def figures(stream: LiveStream, items: list[StreamItem],
                field: str | None) -> completions.StreamMetrics:
        """The latency figures of a stream's reply whose ``items`` were read to done: from
        the request, or on a WebSocket from the message the reply answers."""
        done = stream.done_item
        first = items[0] if items else done
        since = stream.asked_at_ms(first) if isinstance(stream, LiveSocket) else 0.0
        usage_line = LibraryComponent.json_done(stream)
        return completions.metrics(stream.name, items, field,
                                   done.offset_ms if done is not None else None,
                                   usage_line, since)

    @staticmethod
    def json_done(stream: LiveStream) -> StreamItem | None:
        """The done item, when a JSON field marks it (Ollama's last line): it may carry the
        usage and the finish reason, which the LLM keywords read; its content is not text."""
        done = stream.done_item
        if done is not None and stream.done.kind == "json" and stream.error_item is None:
            return done
        return None

    def response(self, response: ApiResponse | None) -> ApiResponse:
        """The response given, or the last one received in this test."""
        if response is None:
            return self.ctx.last_response()
        if not isinstance(response, ApiResponse):
            raise UsageError(
                f"Expected a response returned by a keyword such as 'Send Request', got "
                f"{type(response).__name__} {self.ctx.masker.text(short(response, 60))}."
            )
        return response

    def log_transcript(self, stream: LiveStream, now: bool = False) -> None:
        """The stream's transcript to the log, once (when it ends, fails or is disconnected).

        A socket's done message ends one reply, not the socket: its transcript waits for
        the close, unless ``now``."""
        if stream.logged or (not now and not stream.ends_at_done and stream.state == "open"):
            return
        stream.logged = True
        logger.info(transcript.render(stream, self.ctx.masker), html=True)

