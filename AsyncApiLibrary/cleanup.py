"""Waiting, with a deadline, for the server side to finish with a request."""

from __future__ import annotations

import time

import anyio

from .errors import ExpectationFailed, UsageError
from .fakes import FakeUpstream
from .streams import LiveStream
from .targets import Target


async def wait_for_cleanup(
    target: Target, stream: LiveStream, fakes: list[FakeUpstream], timeout: float
) -> str:
    """Wait until the app call for ``stream`` has returned and every fake call is closed.

    Returns a one-line account of what was observed; raises ``ExpectationFailed`` naming
    what was still running at the deadline.
    """
    if target.tracker is None:
        raise UsageError(
            f"Expect Cleanup needs the app in this process, but client '{target.alias}' "
            "reaches it by URL; wait on a signal the service exposes with "
            "'Wait Until Json Field Is' instead."
        )
    record = target.tracker.records.get(stream.request_id)
    if record is None:
        raise ExpectationFailed(
            f"The server never saw the request of stream {stream.label}, so its cleanup "
            "cannot be observed."
        )
    deadline = time.perf_counter() + timeout
    with anyio.move_on_after(timeout):
        await record.ended.wait()
    since = _since(stream)
    if record.running:
        raise ExpectationFailed(
            f"The server was still handling {stream.label} {since} ({timeout:g} s deadline); "
            "its stream did not finish cleaning up."
        )
    if record.outcome == "cancelled":
        raise ExpectationFailed(
            f"The server did not finish {stream.label} by itself; it ended only when the "
            "library cancelled it after the disconnect grace period."
        )
    leftover: list[str] = []
    for fake in fakes:
        remaining = max(deadline - time.perf_counter(), 0.0)
        still_open = await fake.wait_closed(remaining)
        leftover += [f"{call.describe()} on fake '{fake._name}'" for call in still_open]
    if leftover:
        raise ExpectationFailed(
            f"The server finished {stream.label} but left the upstream open: "
            f"{', '.join(leftover)} was not closed within {timeout:g} s."
        )
    target.tracker.forget(stream.request_id)
    took = ""
    if stream.disconnected_at is not None and record.ended_at is not None:
        took = f" {max(record.ended_at - stream.disconnected_at, 0) * 1000:.1f} ms after the disconnect"
    closed = f"; {len(fakes)} fake upstream(s) have no open calls" if fakes else ""
    return f"The server finished {stream.label}{took} ({record.outcome}){closed}."


def _since(stream: LiveStream) -> str:
    if stream.disconnected_at is None:
        return "at the deadline"
    return f"{time.perf_counter() - stream.disconnected_at:.2f} s after the disconnect"
