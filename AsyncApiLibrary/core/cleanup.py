"""Waiting, with a deadline, for the server side to finish with a stream's request."""

from __future__ import annotations

import time

import anyio

from ..errors import ExpectationFailed, UsageError
from ..fakes import FakeUpstream
from ..results import CleanupResult
from ..streams import LiveStream
from ..targets import Target


async def wait_for_cleanup(
    target: Target, stream: LiveStream, fakes: list[FakeUpstream], timeout: float
) -> CleanupResult:
    """Wait until the app call for ``stream`` has returned and every fake call is closed.

    Returns what was observed; raises ``ExpectationFailed`` naming what was still running
    at the deadline. Asked again about the same stream, it returns the same observation.
    """
    if target.tracker is None:
        raise UsageError(
            f"Expect Cleanup needs the app in this process, but client '{target.alias}' "
            "reaches it by URL; wait on a signal the service exposes with "
            "'Wait Until Json Field Is' instead."
        )
    if stream.cleanup is not None:
        return stream.cleanup
    record = target.tracker.records.get(stream.request_id)
    if record is None:
        raise ExpectationFailed(
            f"The server never saw the request of stream {stream.label}, so its cleanup "
            "cannot be observed."
        )
    deadline = time.perf_counter() + timeout
    with anyio.move_on_after(timeout):
        await record.ended.wait()
    if record.running:
        raise ExpectationFailed(
            f"The server was still handling {stream.label} {_since(stream)} ({timeout:g} s "
            "deadline); its stream did not finish cleaning up."
        )
    if record.outcome == "cancelled":
        raise ExpectationFailed(
            f"The server did not finish {stream.label} by itself; it ended only when the "
            "library cancelled it after the disconnect grace period."
        )
    if record.outcome == "raised" and not record.client_gone:
        raise ExpectationFailed(
            f"The server's handler of {stream.label} raised {record.error} instead of "
            "returning by itself, so its cleanup did not finish as written (the app's log "
            "has the error)."
        )
    if record.starter is not None:
        await record.starter.wait_running(deadline - time.perf_counter())
        work = record.starter.running()
        if work:
            raise ExpectationFailed(
                f"The server finished {stream.label} but left work running after it, still "
                f"running at the {timeout:g} s deadline: {'; '.join(work)}."
            )
    leftover: list[str] = []
    for fake in fakes:
        remaining = max(deadline - time.perf_counter(), 0.0)
        still_open = await fake.wait_closed(remaining, record.starter)
        leftover += [f"{call.describe()} on fake '{fake.fake_name}'" for call in still_open]
    if leftover:
        raise ExpectationFailed(
            f"The server finished {stream.label} but left the upstream open: "
            f"{', '.join(leftover)} was not closed within {timeout:g} s."
        )
    target.tracker.forget(stream.request_id)
    after = None
    if stream.disconnected_at is not None and record.ended_at is not None:
        after = max(record.ended_at - stream.disconnected_at, 0) * 1000
    stream.cleanup = CleanupResult(stream.label, record.outcome, after, len(fakes),
                                   record.error)
    return stream.cleanup


def _since(stream: LiveStream) -> str:
    if stream.disconnected_at is None:
        return "at the deadline"
    return f"{time.perf_counter() - stream.disconnected_at:.2f} s after the disconnect"
