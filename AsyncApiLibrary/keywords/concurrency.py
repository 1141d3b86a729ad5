"""Keywords that send many requests, or open many streams, at once from one keyword."""

from __future__ import annotations

from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import completions, core
from ..arguments import Duration, build_request, json_value, seconds
from ..completions import StreamsMetrics
from ..errors import ExpectationFailed, UsageError
from ..items import StreamFormat, StreamItem
from ..results import ApiResponse
from ..websocket import LiveSocket
from .base import LibraryComponent

TAGS = ["concurrency"]


def _bodies(count: int | None, json: Any, bodies: list | None) -> list[Any]:
    if bodies is not None:
        if count is not None:
            raise UsageError("Give either 'count' (copies of one body) or 'bodies', not both.")
        if not bodies:
            raise UsageError("Give at least one body in 'bodies'.")
        return [json_value(body) for body in bodies]
    if count is None or count < 1:
        raise UsageError(f"Give 'count' (1 or more) or a list of 'bodies'; got count={count}.")
    return [json_value(json)] * count


class ConcurrencyKeywords(LibraryComponent):
    """Many requests or streams in flight together, and checks of every reply."""

    @keyword(tags=TAGS)
    def send_requests_concurrently(
        self,
        method: str,
        path: str,
        count: int | None = None,
        json: Any = None,
        bodies: list | None = None,
        headers: dict[str, str] | None = None,
        timeout: Duration | None = None,
        alias: str | None = None,
    ) -> list[ApiResponse]:
        """Sends ``count`` copies of one request, or one per body in ``bodies``, all at once.

        | =Argument= | =Meaning= |
        | ``method``, ``path`` | The request, as in `Send Request`. |
        | ``count`` | How many copies of the request with body ``json``. |
        | ``json`` | The body of every copy (a JSON value, as in `Send Request`). |
        | ``bodies`` | A list of bodies instead: one request each. |
        | ``headers`` | Extra headers of every request. |
        | ``timeout`` | One deadline for the whole batch. |

        Returns the responses in order. They are in flight together as with
        `Send Chats Concurrently`; check them all with `Every Response Should Have Status`.

        Example:
        | @{replies} = | `Send Requests Concurrently` | POST | /chat | count=50 | json={"message": "hi"} |
        | `Every Response Should Have Status` | ${replies} | 200 |
        """
        name = self.ctx.clients.resolve(alias)
        target = self.ctx.target(name)
        requests = [build_request(target, method, path, body, None, None, headers)
                    for body in _bodies(count, json, bodies)]
        limit = seconds(timeout, target.options.timeout)
        answered = self.run(core.gather, target, requests, limit, deadline=limit)
        for raw in answered:
            self.check_response(target, raw)
        responses = [ApiResponse(raw) for raw in answered]
        self.ctx.remember(name, responses[-1])
        logger.info(f"Sent {len(responses)} requests {method} {path} concurrently.")
        return responses

    @keyword(tags=TAGS)
    def every_response_should_have_status(self, responses: list[ApiResponse],
                                          expected: int) -> None:
        """Fails unless every response in ``responses`` has status ``expected``; names the others.

        Example:
        | `Every Response Should Have Status` | ${replies} | 200 |
        """
        if not responses:
            raise ExpectationFailed(
                f"Expected responses with status {expected}, but the list of responses is empty."
            )
        others = [(n, r) for n, r in enumerate(responses) if self.response(r).status_code != expected]
        if others:
            shown = "; ".join(f"#{n} {r.status_code} {r.reason_phrase}" for n, r in others[:5])
            raise ExpectationFailed(
                f"Expected status {expected} from all {len(responses)} responses, but "
                f"{len(others)} differ: {shown}{'; ...' if len(others) > 5 else ''}."
            )

    @keyword(tags=TAGS)
    def start_streams_concurrently(
        self,
        method: str,
        path: str,
        count: int | None = None,
        json: Any = None,
        bodies: list | None = None,
        headers: dict[str, str] | None = None,
        format: StreamFormat = "sse",
        done: str | None = None,
        error: str | None = None,
        name: str = "stream",
        timeout: Duration | None = None,
        alias: str | None = None,
    ) -> list[str]:
        """Opens ``count`` streams (or one per body in ``bodies``) at once; returns their names.

        The streams are named ``NAME-1``, ``NAME-2``... (``name`` defaults to ``stream``).
        ``method``, ``path``, ``count``, ``json``, ``bodies`` and ``headers`` are as in
        `Send Requests Concurrently`; ``format``, ``done`` and ``error`` as in `Start Stream`.
        Read them all at once with `Get Metrics Of Streams`, or one by one with the
        ``stream`` argument of the reading keywords.

        Example:
        | @{streams} = | `Start Streams Concurrently` | POST | /v1/chat/completions | count=50 | json=${body} | done=openai |
        | ${m} = | `Get Metrics Of Streams` | ${streams} |
        """
        client = self.ctx.clients.resolve(alias)
        target = self.ctx.target(client)
        makers = []
        for number, body in enumerate(_bodies(count, json, bodies), start=1):
            request = build_request(target, method, path, body, None, None, headers)
            makers.append(self.stream_maker(client, request, f"{name}-{number}", format, done,
                                            error))
        limit = seconds(timeout, target.options.timeout)
        streams = self.run(core.open_streams, target, makers, limit, deadline=limit)
        for stream in streams:
            self.register_stream(stream)
        return [stream.name for stream in streams]

    @keyword(tags=TAGS)
    def get_metrics_of_streams(self, streams: list[str], field: str | None = None,
                               timeout: Duration | None = None) -> StreamsMetrics:
        """Reads every stream to done at once and returns the spread of their latency figures.

        For each figure of `Get Stream Metrics`, the spread across the streams:
        ``ttft_p50_ms``, ``ttft_p95_ms``, ``ttft_max_ms`` (time to first token),
        ``itl_p95_ms`` (the 95th percentile of all inter-token gaps of all streams), and
        ``per_stream`` (each stream's own figures). ``field`` is as in `Get Stream Metrics`;
        ``timeout`` bounds reading them all.

        Streams whose items a keyword kept (this one, or one that read them to their done
        event, or `Expect Error Event`) are not read again: their figures are the same, so
        the assertion keywords below may follow this one.

        Example:
        | ${m} = | `Get Metrics Of Streams` | ${streams} |
        | Should Be True | ${m.ttft_p95_ms} < 500 |
        """
        chosen = [self.stream(name) for name in streams]
        if not chosen:
            raise UsageError("Give the names of the streams, as `Start Streams Concurrently` returned them.")
        if len({id(stream) for stream in chosen}) < len(chosen):
            twice = next(s.name for n, s in enumerate(chosen) if s in chosen[:n])
            raise UsageError(f"Stream '{twice}' is named twice; each stream is read once.")
        pending = [stream for stream in chosen if stream.items_to_done is None
                   or isinstance(stream, LiveSocket) and stream.moved_on()]
        # Where each reply began and how much of it was read one by one before.
        starts = [(stream.reply_start, stream.delivered_count - stream.reply_start)
                  for stream in pending]

        def keep(index: int, new: list[StreamItem]) -> None:
            """A stream read to done keeps its reply, even if another one fails."""
            stream = pending[index]
            self.keep_reply(stream, self.reply_items(stream, *starts[index], new))

        limit = self.stream_timeout(chosen[0], timeout)
        try:
            if pending:
                self.run(core.read_all_until_done, pending, limit, keep, deadline=limit)
        finally:
            for stream in pending:
                self.log_transcript(stream)
        figures = [self.figures(stream, stream.items_to_done or [], field) for stream in chosen]
        spread = completions.spread(figures)
        logger.info(str(spread))
        return spread

    @keyword(tags=TAGS)
    def time_to_first_token_p95_of_streams_should_be_below(
            self, streams: list[str], bound: Duration, field: str | None = None,
            timeout: Duration | None = None) -> float:
        """Fails unless the streams' 95th percentile time to first token is below ``bound``.

        Returns it in milliseconds. Reads the streams as `Get Metrics Of Streams` does (or
        takes what it read); ``field`` is as there.

        Example:
        | @{streams} = | `Start Streams Concurrently` | POST | /v1/chat/completions | count=50 | json=${body} |
        | `Time To First Token P95 Of Streams Should Be Below` | ${streams} | 500ms |
        """
        figures = self.get_metrics_of_streams(streams, field, timeout)
        silent = [f.stream for f in figures.per_stream if f.time_to_first_token_ms is None]
        if silent:
            raise ExpectationFailed(
                f"Expected the 95th percentile time to first token of {figures.streams} "
                f"streams, but {len(silent)} of them carried no content: "
                f"{', '.join(repr(name) for name in silent[:5])}"
                f"{' and more' if len(silent) > 5 else ''}."
            )
        return _spread_below("95th percentile time to first token", figures.ttft_p95_ms,
                             bound, figures)

    @keyword(tags=TAGS)
    def inter_token_latency_p95_of_streams_should_be_below(
            self, streams: list[str], bound: Duration, field: str | None = None,
            timeout: Duration | None = None) -> float:
        """Fails unless the 95th percentile of all the streams' inter-token gaps is below ``bound``.

        Returns it in milliseconds. ``field`` is as in `Get Stream Metrics`.

        Example:
        | `Inter Token Latency P95 Of Streams Should Be Below` | ${streams} | 50ms |
        """
        figures = self.get_metrics_of_streams(streams, field, timeout)
        return _spread_below("95th percentile inter-token latency", figures.itl_p95_ms,
                             bound, figures)


def _spread_below(what: str, value: float | None, bound: Duration,
                  figures: StreamsMetrics) -> float:
    limit = seconds(bound, 1.0, "Bound") * 1000
    if value is None or value >= limit:
        got = "none could be measured" if value is None else f"got {value:.1f} ms"
        raise ExpectationFailed(
            f"Expected the {what} of {figures.streams} streams below {limit:g} ms, {got} "
            f"({figures})."
        )
    logger.info(f"The {what} of {figures.streams} streams was {value:.1f} ms, bound {limit:g} ms.")
    return value
