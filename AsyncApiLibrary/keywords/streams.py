"""Keywords that open streams, read them chunk by chunk, disconnect, and check cleanup."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any, Literal

import anyio
from robot.api import logger
from robot.api.deco import keyword

from .. import transcript
from ..cleanup import wait_for_cleanup
from ..errors import DeadlineExceeded, ExpectationFailed, StreamFailure, UsageError
from ..items import DoneRule, StreamItem, matches_pattern
from ..jsonpath import lookup
from ..state import KeywordGroup, seconds
from ..streams import LiveStream
from ..tracking import REQUEST_ID_HEADER

StreamFormat = Literal["sse", "lines", "raw"]


_END_WORDS = {
    "ended": "it ended",
    "failed": "it broke",
    "disconnected": "the test disconnected it",
    "rejected": "it was refused",
}


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


class StreamKeywords(KeywordGroup):
    @keyword
    def start_stream(
        self,
        method: str,
        path: str,
        json: dict | list | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        format: StreamFormat = "sse",
        done: str | None = None,
        name: str | None = None,
        timeout: timedelta | None = None,
        alias: str | None = None,
    ) -> str:
        """Opens a streaming request and returns the stream's name once headers arrived.

        | =Argument= | =Meaning= |
        | ``method``, ``path`` | The request, e.g. ``POST`` and ``/chat/stream``; the path is relative to the client's base URL. |
        | ``json``, ``params`` | Optional JSON body and query parameters (dictionaries). |
        | ``format`` | ``sse`` (Server-Sent Events), ``lines`` (JSON lines / NDJSON, one item a line) or ``raw`` (chunks as they arrive). |
        | ``done`` | How the stream says it is finished: ``event:NAME`` (default ``event:done``), ``data:TEXT`` or ``openai`` (``data: [DONE]``). For ``lines``, ``event:NAME`` matches a line's ``event`` or ``type`` field. |
        | ``name`` | Name for the stream; defaults to ``stream1``, ``stream2``... The new stream becomes the current one. |
        | ``timeout`` | Deadline for the response headers. |

        A response that is not 2xx is not a stream: its status can be checked with
        `Status Should Be`, and reading from it fails with its body. An ``sse`` stream
        whose content-type is not ``text/event-stream`` fails here.

        Example:
        | `Start Stream` | GET | /jobs/${id}/events |
        | `Start Stream` | POST | /v1/chat/completions | json=${body} | done=openai |
        """
        target = self._target(alias)
        request = self._build(target, method, path, json, None, params, headers)
        state = self.state
        stream_name = name or state.next_id("stream")
        if stream_name in state.streams and state.streams[stream_name].state == "open":
            raise UsageError(f"A stream named '{stream_name}' is already open; disconnect it first.")
        request_id = uuid.uuid4().hex
        request.headers[REQUEST_ID_HEADER] = request_id
        make_stream = partial(
            LiveStream,
            stream_name,
            request,
            fmt=format,
            done=DoneRule.parse(done) if done is not None else state.done,
            buffer_size=target.options.buffer_size,
            request_id=request_id,
        )
        limit = seconds(timeout, target.options.timeout)
        stream = self._run(_open_stream, target, make_stream, limit)
        replaced = state.streams.get(stream_name)
        if replaced is not None:
            self._run(replaced.release)
        state.streams[stream_name] = stream
        state.stream_targets[stream_name] = target
        state.current_stream = stream_name
        state.last_response = stream.response
        logger.info(
            self.state.masker.text(
                f"Opened stream '{stream_name}': {request.method} {request.url} -> "
                f"{stream.response.status_code} {stream.response.reason_phrase} ({format})."
            )
        )
        return stream_name

    @keyword
    def start_chat_stream(
        self,
        message: str,
        path: str = "/chat/stream",
        field: str = "message",
        format: StreamFormat = "sse",
        done: str | None = None,
        name: str | None = None,
        headers: dict[str, str] | None = None,
        alias: str | None = None,
        **fields: Any,
    ) -> str:
        """Starts a streamed chat (``POST /chat/stream`` by default) and returns its name.

        The body is ``{field: message}`` plus any extra ``name=value`` fields, posted to
        ``path``. ``format``, ``done``, ``name`` and ``headers`` are as in `Start Stream`.

        Example:
        | `Start Chat Stream` | Tell me a story | max_tokens=${5} |
        | ${first} = | `Read Next Event` |
        """
        body = {field: message, **fields}
        return self.start_stream("POST", path, json=body, headers=headers, format=format,
                                 done=done, name=name, alias=alias)

    # -- reading ----------------------------------------------------------------------
    def _stream(self, name: str | None) -> LiveStream:
        state = self.state
        if not state.streams:
            raise UsageError("No stream has been started; use 'Start Stream' first.")
        key = name if name is not None else state.current_stream
        if key not in state.streams:
            known = ", ".join(sorted(state.streams))
            raise UsageError(f"No stream is named '{key}'; known streams: {known}.")
        return state.streams[key]

    def _read(self, stream: LiveStream, timeout: timedelta | None) -> StreamItem:
        limit = seconds(timeout, self._stream_timeout(stream))
        try:
            item = self._run(stream.next_item, limit)
        except StreamFailure:
            self._log_transcript(stream)
            raise
        logger.info(self.state.masker.text(
            f"Read {item.summary()} at {item.offset_ms:.1f} ms from stream '{stream.name}'."
        ))
        return item

    def _stream_timeout(self, stream: LiveStream) -> float:
        target = self.state.stream_targets.get(stream.name)
        return target.options.timeout if target is not None else self.state.timeout

    @keyword
    def read_next_chunk(self, timeout: timedelta | None = None,
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
        return self._read(self._stream(stream), timeout)

    @keyword
    def read_next_event(self, timeout: timedelta | None = None,
                        stream: str | None = None) -> StreamItem:
        """Returns the next SSE event: ``${event.event}``, ``${event.data}``, ``${event.id}``, ``${event.json}``.

        Comments and pings are never returned; see `Read Next Chunk` for timeouts.

        Example:
        | ${event} = | `Read Next Event` |
        | Should Be Equal | ${event.event} | token |
        """
        chosen = self._stream(stream)
        if chosen.fmt == "raw":
            raise UsageError(
                f"Stream '{chosen.name}' is read as raw chunks; start it with format=sse "
                "or format=lines to read events."
            )
        return self._read(chosen, timeout)

    @keyword
    def expect_event(self, name: str, data: str | None = None,
                     timeout: timedelta | None = None, stream: str | None = None) -> StreamItem:
        """Reads the next event and fails unless its name matches ``name`` (and data equals ``data``).

        ``name`` is a glob pattern (``tok*``) or ``regexp:...``.

        Example:
        | `Expect Event` | status | data=running |
        """
        chosen = self._stream(stream)
        item = self._read(chosen, timeout)
        if not matches_pattern(item, name) or (data is not None and item.data != data):
            wanted = f"'{name}'" + (f" with data {data!r}" if data is not None else "")
            raise ExpectationFailed(
                f"Expected event {wanted} on stream '{chosen.name}', got {item.summary()}."
            )
        return item

    @keyword
    def expect_events_in_order(self, *names: str, timeout: timedelta | None = None,
                               stream: str | None = None) -> list[StreamItem]:
        """Reads one item per expected name and fails at the first that does not match.

        ``names`` are glob patterns (``token``, ``tok*``) or ``regexp:...``, matched
        against each event's name (for ``lines``, its ``event`` or ``type`` field).
        Returns the items read.

        Example:
        | `Expect Events In Order` | start | token | token | done |
        """
        if not names:
            raise UsageError("Give at least one expected event name.")
        chosen = self._stream(stream)
        items: list[StreamItem] = []
        for position, pattern in enumerate(names, start=1):
            item = self._read(chosen, timeout)
            items.append(item)
            if not matches_pattern(item, pattern):
                raise ExpectationFailed(
                    f"Expected event {position} of {len(names)} on stream '{chosen.name}' to "
                    f"be '{pattern}', got {item.summary()} (order so far: "
                    f"{', '.join(i.name or i.data for i in items)})."
                )
        return items

    @keyword
    def expect_done_event(self, timeout: timedelta | None = None,
                          stream: str | None = None) -> list[StreamItem]:
        """Reads until the done event and returns the items read before it.

        Fails if an error event arrives first, if the stream ends without done, or if the
        done event does not arrive within ``timeout`` (each read has the full timeout).
        The done convention is set by `Open App`/library ``done`` or per stream.

        Example:
        | @{tokens} = | `Expect Done Event` | timeout=2s |
        """
        chosen = self._stream(stream)
        items: list[StreamItem] = []
        while True:
            item = self._read_for_done(chosen, timeout, "the done event")
            if chosen.done.matches(item):
                self._log_transcript(chosen)
                return items
            if item.name == chosen.error_event:
                self._log_transcript(chosen)
                raise StreamFailure(
                    f"Expected the done event on stream '{chosen.name}', but an error event "
                    f"arrived after {len(items)} items: {item.summary()}."
                )
            items.append(item)

    def _read_for_done(self, chosen: LiveStream, timeout: timedelta | None,
                       goal: str) -> StreamItem:
        try:
            return self._read(chosen, timeout)
        except StreamFailure as exc:
            raise StreamFailure(f"Expected {goal} ({chosen.done}), but: {exc}") from None
        except DeadlineExceeded as exc:
            raise DeadlineExceeded(f"Expected {goal} ({chosen.done}), but: {exc}") from None

    @keyword
    def expect_error_event(self, timeout: timedelta | None = None,
                           stream: str | None = None) -> StreamItem:
        """Reads until an ``error`` event and returns it; fails if done or the end comes first.

        Example:
        | ${error} = | `Expect Error Event` |
        | Should Be Equal | ${error.json}[kind] | upstream_failed |
        """
        chosen = self._stream(stream)
        items: list[StreamItem] = []
        while True:
            item = self._read_for_done(chosen, timeout, "an error event")
            if item.name == chosen.error_event:
                self._log_transcript(chosen)
                return item
            if chosen.done.matches(item):
                raise ExpectationFailed(
                    f"Expected an error event on stream '{chosen.name}', but it finished "
                    f"normally with {item.summary()} after {len(items)} items."
                )
            items.append(item)

    @keyword
    def read_until_done(self, timeout: timedelta | None = None, stream: str | None = None,
                        keep: bool = True) -> Any:
        """Reads everything up to the done event in one keyword.

        Returns the list of items before done, or with ``keep=False`` only their count (so
        a very long stream is read without holding it in memory). Fails like
        `Expect Done Event`; ``timeout`` bounds the whole read.

        Example:
        | @{events} = | `Read Until Done` | timeout=5s |
        | ${count} = | `Read Until Done` | keep=${False} |
        """
        chosen = self._stream(stream)
        limit = seconds(timeout, self._stream_timeout(chosen))
        try:
            result = self._run(_read_all, chosen, limit, keep)
        except (StreamFailure, DeadlineExceeded):
            self._log_transcript(chosen)
            raise
        self._log_transcript(chosen)
        count = result if isinstance(result, int) else len(result)
        logger.info(f"Read {count} items and the done event from stream '{chosen.name}'.")
        return result

    @keyword
    def get_json_from_event(self, event: StreamItem, field: str | None = None) -> Any:
        """Returns the event's data parsed as JSON, or one dotted ``field`` of it.

        Example:
        | ${token} = | `Get Json From Event` | ${event} | choices.0.delta.content |
        """
        value = event.json
        return lookup(value, field) if field else value

    # -- state of the stream ---------------------------------------------------------
    @keyword
    def stream_should_have_ended(self, timeout: timedelta | None = None,
                                 stream: str | None = None) -> None:
        """Fails unless the server finishes sending within ``timeout`` (default 1 s).

        Items not read yet do not count against it.

        Example:
        | `Stream Should Have Ended` | timeout=500ms |
        """
        chosen = self._stream(stream)
        limit = seconds(timeout, 1.0)
        if not self._run(chosen.wait_ended, limit):
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to have ended, but it was still open after "
                f"{limit:g} s ({chosen.seen_so_far()})."
            )
        if chosen.state == "failed":
            raise StreamFailure(
                f"Stream '{chosen.name}' did not end cleanly: {type(chosen.error).__name__}: "
                f"{chosen.error}."
            )

    @keyword
    def stream_should_be_open(self, stream: str | None = None) -> None:
        """Fails unless the stream is still open: the server has not finished sending.

        Example:
        | `Stream Should Be Open` |
        """
        chosen = self._stream(stream)
        if chosen.state != "open":
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to be open, but "
                f"{_END_WORDS.get(chosen.state, chosen.state)} after {_items(chosen.arrived_count)}."
            )

    @keyword
    def first_chunk_should_arrive_within(self, bound: timedelta,
                                         stream: str | None = None) -> float:
        """Fails unless the first item arrived within ``bound`` of sending the request.

        Waits up to ``bound`` for it. Returns the time to first item in milliseconds.

        Example:
        | `First Chunk Should Arrive Within` | 500ms |
        """
        chosen = self._stream(stream)
        limit = seconds(bound, 1.0, "Bound")
        self._run(_wait_event, chosen.first_arrival, limit)
        first = chosen.first_offset_ms
        if first is None or first > limit * 1000:
            shown = "nothing arrived" if first is None else f"it took {first:.1f} ms"
            raise ExpectationFailed(
                f"Expected the first item of stream '{chosen.name}' within "
                f"{limit * 1000:g} ms, but {shown}."
            )
        return first

    @keyword
    def largest_gap_should_be_below(self, bound: timedelta, stream: str | None = None) -> float:
        """Fails if any two consecutive items so far arrived more than ``bound`` apart.

        Returns the largest gap in milliseconds.

        Example:
        | `Largest Gap Should Be Below` | 200ms |
        """
        chosen = self._stream(stream)
        limit = seconds(bound, 1.0, "Bound") * 1000
        if chosen.max_gap_ms >= limit:
            raise ExpectationFailed(
                f"The largest gap between items of stream '{chosen.name}' was "
                f"{chosen.max_gap_ms:.1f} ms, not below {limit:g} ms."
            )
        return chosen.max_gap_ms

    # -- disconnect and cleanup ------------------------------------------------------------
    @keyword
    def disconnect_client(self, stream: str | None = None) -> None:
        """Closes the stream from the client side, as a user closing the page would.

        The server sees the disconnect; use `Expect Cleanup` to check it cleaned up.
        Calling it again on the same stream does nothing.

        Example:
        | `Disconnect Client` |
        | `Expect Cleanup` |
        """
        chosen = self._stream(stream)
        if chosen.state == "disconnected":
            logger.info(f"Stream '{chosen.name}' was already disconnected.")
            return
        was_open = self._run(chosen.disconnect)
        logger.info(
            f"Disconnected stream '{chosen.name}' after {chosen.delivered_count} items read"
            + ("." if was_open else " (the server had already finished it).")
        )
        self._log_transcript(chosen)

    @keyword
    def disconnect_all_streams(self) -> None:
        """Disconnects every stream that is still open. Handy in ``Test Teardown``.

        Example:
        | [Teardown] | `Disconnect All Streams` |
        """
        for name, chosen in list(self.state.streams.items()):
            if chosen.state in ("open", "starting"):
                self.disconnect_client(name)

    @keyword
    def expect_cleanup(self, timeout: timedelta = timedelta(seconds=2),
                       stream: str | None = None) -> str:
        """Waits until the server has finished with the stream's request; fails at ``timeout``.

        Cleanup means the app call for the request returned by itself (the stream
        generator's ``finally`` and the dependency teardowns ran), and every call on an
        installed fake upstream was closed. Works in ``in-process`` and ``server`` mode.
        For a service reached by URL, use `Wait Until Json Field Is` on something it
        exposes (an active-streams gauge). Returns the observation as a sentence.

        Example:
        | `Disconnect Client` |
        | `Expect Cleanup` | timeout=1s |
        """
        chosen = self._stream(stream)
        target = self.state.stream_targets[chosen.name]
        fakes = [i.fake for i in self.state.fakes.values() if i.target is target]
        limit = seconds(timeout, 2.0)
        observed = self._run(wait_for_cleanup, target, chosen, fakes, limit)
        logger.info(observed)
        return observed

    @keyword
    def wait_until_json_field_is(
        self,
        path: str,
        field: str,
        expected: Any,
        timeout: timedelta = timedelta(seconds=5),
        interval: timedelta = timedelta(milliseconds=50),
        alias: str | None = None,
    ) -> Any:
        """Polls ``GET path`` until JSON ``field`` equals ``expected``; fails at ``timeout``.

        For black-box checks of a running service, e.g. that its active-stream gauge is
        back to zero after a disconnect. It asks again every ``interval`` (50 ms by
        default). Logs how long it waited.

        Example:
        | `Wait Until Json Field Is` | /ops/stats | active_streams | 0 | timeout=2s |
        """
        target = self._target(alias)
        limit = seconds(timeout, 5.0)
        pause = seconds(interval, 0.05, "Interval")
        request = self._build(target, "GET", path, None, None, None, None)
        waited, last = self._run(_poll_field, target, request, field, expected, limit, pause)
        if waited is None:
            raise ExpectationFailed(
                f"JSON field '{field}' of GET {path} did not become {expected!r} within "
                f"{limit:g} s; last value: {last!r}."
            )
        logger.info(f"JSON field '{field}' of GET {path} was {expected!r} after {waited:.1f} ms.")
        return last

    @keyword
    def log_stream_transcript(self, stream: str | None = None) -> None:
        """Writes the stream's transcript (items, arrival times, a timeline) to the log.

        Done automatically when a stream ends, fails or is disconnected.

        Example:
        | `Log Stream Transcript` |
        """
        chosen = self._stream(stream)
        chosen.logged = False
        self._log_transcript(chosen)

    def _log_transcript(self, stream: LiveStream) -> None:
        if stream.logged:
            return
        stream.logged = True
        logger.info(transcript.render(stream, self.state.masker), html=True)


async def _open_stream(target: Any, make_stream: Callable[[], LiveStream],
                       limit: float) -> LiveStream:
    """Build the stream in the loop (its anyio parts need it) and open it: one hand-over."""
    from .requests import _exchange_errors

    stream = make_stream()
    with _exchange_errors(stream.request, limit), anyio.fail_after(limit):
        await stream.open(target.client, target.task_group)
    return stream


async def _read_all(stream: LiveStream, limit: float, keep: bool) -> Any:
    items: list[StreamItem] = []
    count = 0
    error_event = stream.error_event
    try:
        with anyio.fail_after(limit):
            while True:
                # One deadline above covers every read; items already here need no await.
                item = stream.arrived_item() or await stream.next_item(None)
                if item is stream.done_item:
                    return items if keep else count
                if item.name == error_event:
                    raise StreamFailure(
                        f"Expected the done event on stream '{stream.name}', but an error "
                        f"event arrived after {count} items: {item.summary()}."
                    )
                count += 1
                if keep:
                    items.append(item)
    except TimeoutError:
        raise DeadlineExceeded(
            f"Stream '{stream.name}' did not reach its done event within {limit:g} s; "
            f"{count} items read ({stream.seen_so_far()})."
        ) from None


async def _wait_event(event: anyio.Event, limit: float) -> None:
    with anyio.move_on_after(limit):
        await event.wait()


async def _poll_field(target: Any, request: Any, field: str, expected: Any, limit: float,
                      pause: float) -> tuple[float | None, Any]:
    from .requests import _exchange, _same

    started = time.perf_counter()
    last: Any = None
    with anyio.move_on_after(limit):
        while True:
            response = await _exchange(target, target.client.build_request(
                request.method, request.url, headers=request.headers), limit)
            try:
                last = lookup(response.json(), field)
            except (ValueError, ExpectationFailed):
                last = f"<no field '{field}' in {response.status_code} response>"
            if _same(last, expected):
                return (time.perf_counter() - started) * 1000, last
            await anyio.sleep(pause)
    return None, last
