"""Keywords that read a stream item by item and check what arrives."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import core
from ..arguments import Duration
from ..arrivals import TRANSCRIPT_LIMIT
from ..errors import DeadlineExceeded, ExpectationFailed, StreamFailure, UsageError
from ..items import ReadItems, StreamItem, matches_pattern
from ..jsonpath import lookup
from ..streams import LiveStream
from ..websocket import LiveSocket
from .base import LibraryComponent

TAGS = ["streams", "reading"]


class ReadingKeywords(LibraryComponent):
    """Read the next item, expect events in order, read to done or to an error event."""

    @keyword(tags=TAGS)
    def read_next_chunk(self, timeout: Duration | None = None,
                        stream: str | None = None) -> StreamItem:
        """Returns the next chunk (``raw``), line (``lines``) or event (``sse``) of the stream.

        Fails if nothing arrives within ``timeout``; the stream stays open and can be read
        again. Fails if the stream ended or broke, quoting the last items read.
        The item has ``data``, ``index``, ``offset_ms`` (arrival since the request was
        sent) and, for JSON data, ``json``.

        Example:
        | ${line} = | `Read Next Chunk` | timeout=2s |
        | Should Be Equal | ${line.json}[token] | Hello |
        """
        return self.read_item(self.stream(stream), timeout)

    @keyword(tags=TAGS)
    def read_next_event(self, timeout: Duration | None = None,
                        stream: str | None = None) -> StreamItem:
        """Returns the next SSE event: ``${event.event}``, ``${event.data}``, ``${event.id}``, ``${event.json}``.

        Comments and pings are never returned; an event without an ``event:`` line is
        named ``message``. See `Read Next Chunk` for timeouts.

        Example:
        | ${event} = | `Read Next Event` |
        | Should Be Equal | ${event.event} | token |
        """
        chosen = self.stream(stream)
        if chosen.fmt == "raw":
            raise UsageError(
                f"Stream '{chosen.name}' is read as raw chunks; start it with format=sse "
                "or format=lines to read events."
            )
        return self.read_item(chosen, timeout)

    @keyword(tags=TAGS)
    def expect_event(self, name: str, data: str | None = None,
                     timeout: Duration | None = None, stream: str | None = None) -> StreamItem:
        """Reads the next event and fails unless its name matches ``name`` (and data equals ``data``).

        ``name`` is a glob pattern (``tok*``) or ``regexp:...``.

        Example:
        | `Expect Event` | status | data=running |
        """
        chosen = self.stream(stream)
        item = self.read_item(chosen, timeout)
        if not matches_pattern(item, name) or (data is not None and item.data != data):
            wanted = f"'{name}'" + (f" with data {data!r}" if data is not None else "")
            raise ExpectationFailed(
                f"Expected event {wanted} on stream '{chosen.name}', got {item.summary()}."
            )
        return item

    @keyword(tags=TAGS)
    def expect_events_in_order(self, *names: str, timeout: Duration | None = None,
                               stream: str | None = None) -> list[StreamItem]:
        """Reads one item per expected name and fails at the first that does not match.

        ``names`` are glob patterns (``token``, ``tok*``) or ``regexp:...``, matched
        against each event's name (for ``lines``, its ``event`` or ``type`` field).
        Returns the items read.

        Example:
        | `Expect Events In Order` | start | token | token | done |
        """
        return self.read_in_order(self.stream(stream), names, timeout, "event")

    @keyword(tags=TAGS)
    def expect_exactly_these_events(self, *names: str, timeout: Duration | None = None,
                                    stream: str | None = None) -> list[StreamItem]:
        """Reads one item per expected name, then fails unless the stream ends with nothing more.

        The whole sequence, nothing less and nothing more: ``names`` are matched one per
        item as in `Expect Events In Order`, and after the last one the stream must end
        (within ``timeout``) without another item. Returns the items read.

        Example:
        | `Expect Exactly These Events` | start | token | token | done |
        """
        items = self.expect_events_in_order(*names, timeout=timeout, stream=stream)
        chosen = self.stream(stream)
        limit = self.stream_timeout(chosen, timeout)
        ended = self.run(chosen.wait_ended, limit, deadline=limit)
        extra = chosen.arrived_count - chosen.delivered_count
        if extra > 0:
            first = chosen.delivered_count
            shown = (f"; the first: {chosen.transcript[first].summary()}"
                     if first < len(chosen.transcript) else "")
            raise ExpectationFailed(
                f"Expected exactly {len(names)} events on stream '{chosen.name}' "
                f"({', '.join(names)}), but {extra} more arrived after them{shown}."
            )
        if not ended:
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to end after its {len(names)} expected "
                f"events, but it was still open {limit:g} s later."
            )
        if chosen.state == "failed":
            raise StreamFailure(
                f"Stream '{chosen.name}' broke after its {len(names)} expected events: "
                f"{type(chosen.error).__name__}: {chosen.error}."
            )
        return items

    @keyword(tags=TAGS)
    def expect_done_event(self, timeout: Duration | None = None,
                          stream: str | None = None) -> ReadItems:
        """Reads until the done event and returns the items read before it.

        The returned list also has the done event itself, as ``${items.done}``.

        Fails if an error event arrives first, if the stream ends without done, or if the
        done event does not arrive within ``timeout``: the whole wait, however many other
        items (a heartbeat every second, say) arrive before it.
        The done convention is set by `Open App`/library ``done`` or per stream.

        On a WebSocket, a done message that closes a failed reply (servers such as vLLM
        send one after the error message) belongs to that reply: right after `Expect Error
        Event` this keyword returns it; once the test has sent another message after the
        error arrived, it is passed over and the keyword waits for the new reply's done. A
        done that arrives only after the test's next message is that message's. Read each
        reply before sending the next: replies asked for at once cannot be told apart.

        Example:
        | @{tokens} = | `Expect Done Event` | timeout=2s |
        """
        chosen = self.stream(stream)
        items: list[StreamItem] = []
        limit = self.stream_timeout(chosen, timeout)
        ends = time.monotonic() + limit
        while True:
            item = self._read_for(chosen, ends, limit, f"the done event ({chosen.done})")
            if chosen.closes_an_earlier_reply(item):
                self._passed_over(chosen, item)
                continue
            if chosen.done.matches(item):
                return ReadItems.up_to(items, item)
            if chosen.error_rule.matches(item):
                self.log_transcript(chosen)
                raise StreamFailure(
                    f"Expected the done event on stream '{chosen.name}', but an error event "
                    f"arrived after {len(items)} items: {item.summary()}."
                )
            items.append(item)

    @staticmethod
    def _expected_error(chosen: LiveStream, error: StreamItem) -> StreamItem:
        """The error a test expected: the items before it are the reply's, for the LLM
        keywords after it (the text that came before the error, its figures)."""
        if chosen.delivered_count <= TRANSCRIPT_LIMIT:
            start = chosen.reply_start
            chosen.items_to_done = LibraryComponent.reply_items(
                chosen, start, chosen.delivered_count - start, [])
        return error

    @staticmethod
    def _passed_over(chosen: LiveStream, item: StreamItem) -> None:
        logger.info(f"Passed over {item.summary()} on {chosen.noun} {chosen.label}: it closed "
                    "the reply that failed before the test's last message.")

    def _read_for(self, chosen: LiveStream, ends: float, limit: float, goal: str) -> StreamItem:
        """The next item, by ``ends`` (a ``time.monotonic`` deadline ``limit`` seconds after
        the keyword began); a failure says what the reading was for (``goal``)."""
        left = ends - time.monotonic()
        try:
            if left <= 0:
                raise DeadlineExceeded("")
            return self.read_item(chosen, timedelta(seconds=left))
        except StreamFailure as exc:
            raise StreamFailure(f"Expected {goal}, but: {exc}") from None
        except DeadlineExceeded as exc:
            if "event loop was blocked" in str(exc):
                raise DeadlineExceeded(f"Expected {goal}, but: {exc}") from None
            raise DeadlineExceeded(
                f"Expected {goal} on {chosen.noun} {chosen.label} within {limit:g} s, but it "
                f"had not arrived by then; the {chosen.noun} is still open "
                f"({chosen.seen_so_far()})."
            ) from None

    @keyword(tags=TAGS)
    def expect_error_event(self, timeout: Duration | None = None,
                           stream: str | None = None) -> StreamItem:
        """Reads until an ``error`` event and returns it; fails if done or the end comes first.

        The error convention is set by `Open App`/library ``error`` or per stream. On an
        HTTP stream whose error event another keyword has read already (and failed on),
        it returns that event.

        Example:
        | ${error} = | `Expect Error Event` |
        | Should Be Equal | ${error.json}[kind] | upstream_failed |
        """
        chosen = self.stream(stream)
        failed = chosen.error_item
        if chosen.ends_at_done and failed is not None \
                and chosen.delivered_count == failed.index + 1:  # nothing read after it
            logger.info(f"The error event of stream '{chosen.name}' was read already: "
                        f"{failed.summary()}.")
            return self._expected_error(chosen, failed)  # an earlier keyword failed on it
        items: list[StreamItem] = []
        limit = self.stream_timeout(chosen, timeout)
        ends = time.monotonic() + limit
        while True:
            item = self._read_for(chosen, ends, limit, f"an error event ({chosen.error_rule})")
            if chosen.closes_an_earlier_reply(item):
                self._passed_over(chosen, item)
                continue
            if chosen.error_rule.matches(item):
                self.log_transcript(chosen)
                return self._expected_error(chosen, item)
            if chosen.done.matches(item):
                raise ExpectationFailed(
                    f"Expected an error event ({chosen.error_rule}) on stream "
                    f"'{chosen.name}', but it finished normally with {item.summary()} after "
                    f"{len(items)} items."
                )
            items.append(item)

    @keyword(tags=TAGS)
    def read_until_done(self, timeout: Duration | None = None,
                        stream: str | None = None) -> ReadItems:
        """Reads everything up to the done event in one keyword and returns the items before it.

        The returned list also has the done event itself, as ``${items.done}``.

        Fails like `Expect Done Event`; ``timeout`` bounds the whole read. For a very long
        stream whose items need not be kept, `Count Until Done` holds none of them. After a
        keyword that read the whole stream itself (`Get Tool Calls`, `Read Streamed Text`),
        it returns what that keyword read.

        Example:
        | @{events} = | `Read Until Done` | timeout=5s |
        """
        chosen = self.stream(stream)
        if chosen.ends_at_done and chosen.done_item is not None and chosen.items_to_done is not None:
            # a keyword before it read the stream to its done event (Get Tool Calls, say)
            return ReadItems.up_to(chosen.items_to_done, chosen.done_item)
        if isinstance(chosen, LiveSocket) and chosen.llm_read is not None \
                and chosen.llm_read is chosen.done_item and chosen.items_to_done is not None \
                and not chosen.moved_on():  # ...or a socket's reply, once
            chosen.llm_read = None
            return ReadItems.up_to(chosen.items_to_done, chosen.done_item)
        start = chosen.reply_start
        earlier = chosen.delivered_count - start  # read one by one before
        items = ReadItems.up_to(self._to_done(core.read_until_done, stream, timeout),
                                chosen.done_item)
        if chosen.reply_start != start:  # a socket's next reply: nothing of it read before
            start, earlier = chosen.reply_start, 0
        if start + earlier <= TRANSCRIPT_LIMIT:  # for the LLM keywords after it
            chosen.items_to_done = self.reply_items(chosen, start, earlier, items)
        logger.info(f"Read {len(items)} items and the done event from stream '{chosen.name}'.")
        return items

    @keyword(tags=TAGS)
    def count_until_done(self, timeout: Duration | None = None,
                         stream: str | None = None) -> int:
        """Reads everything up to the done event and returns how many items came before it.

        Like `Read Until Done`, but no item is kept, so a stream of any length is read in
        constant memory.

        Example:
        | ${count} = | `Count Until Done` | timeout=30s |
        """
        count = self._to_done(core.count_until_done, stream, timeout)
        logger.info(f"Read {count} items and the done event from stream "
                    f"'{self.stream(stream).name}'.")
        return count

    def _to_done(self, reader: Any, stream: str | None, timeout: timedelta | None) -> Any:
        chosen = self.stream(stream)
        limit = self.stream_timeout(chosen, timeout)
        try:
            return self.run(reader, chosen, limit, deadline=limit)
        finally:
            self.log_transcript(chosen)

    @keyword(tags=TAGS)
    def get_json_from_event(self, event: StreamItem, field: str | None = None) -> Any:
        """Returns the event's data parsed as JSON, or one dotted ``field`` of it.

        Example:
        | ${token} = | `Get Json From Event` | ${event} | choices.0.delta.content |
        """
        if not isinstance(event, StreamItem):
            raise UsageError(
                "Expected an event returned by a keyword such as 'Read Next Event', got "
                f"{type(event).__name__}."
            )
        value = event.json
        return self.ctx.masker.guard(lookup(value, field) if field else value)
