"""Leak accounting: what a test left behind, and a bounded wait for handlers still ending."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio

from ..streams import LiveStream
from ..tasks import Starter
from ..tracking import RequestRecord


def find_leftovers(streams: Iterable[tuple[str, LiveStream]],
                   fakes: Iterable[tuple[str, Any]],
                   clients: Iterable[tuple[str, Any]]) -> list[str]:
    """One phrase per thing still owned: open streams, fakes and clients the test made,
    and requests a server is still handling.

    ``fakes`` and ``clients`` are (name, entry) pairs whose entries say whether they were
    made in the test (``installed_in_test``, ``opened_in_test``); clients carry a target.
    """
    streams = list(streams)
    found = [f"{stream.noun} '{name}' is still open" for name, stream in streams
             if stream.in_test and stream.state in ("open", "starting")]
    setup = {stream.request_id for _, stream in streams if not stream.in_test}
    found += [f"fake '{name}' is still installed" for name, entry in fakes
              if entry.installed_in_test]
    for alias, opened in clients:
        if opened.opened_in_test:
            found.append(f"client '{alias}' is still open")
        found += [f"the server is still handling {r.method} {r.path} of client '{alias}'"
                  for r in unreported(opened.target.tracker) if r.request_id not in setup]
    return found


def unreported(tracker: Any) -> list[RequestRecord]:
    """Requests a server is still handling that no test has been blamed for yet."""
    return [] if tracker is None else [r for r in tracker.running if not r.reported]


def mark_reported(trackers: Iterable[Any], keep: set[str] = frozenset()) -> None:
    """What is still running now was blamed on this test; later tests are not blamed.
    Requests in ``keep`` (of streams a suite setup started) stay the setup's own."""
    for tracker in trackers:
        for record in unreported(tracker):
            if record.request_id not in keep:
                record.reported = True


def ending_handlers(streams: Iterable[LiveStream], trackers: Iterable[Any]) -> list[RequestRecord]:
    """Requests of the test's finishing streams (see ``LiveStream.finishing``) that a
    server is still handling."""
    mine = {stream.request_id for stream in streams if stream.finishing}
    return [record for tracker in trackers for record in unreported(tracker)
            if record.request_id in mine]


async def settle_disconnects(records: list[RequestRecord], streams: list[LiveStream],
                             limit: float, starters: Iterable[Starter] = ()) -> None:
    """Give handlers and streams a moment (up to ``limit`` seconds) to finish.

    A handler finishes a little after its stream does: after a disconnect, which reaches a
    real server's handler later than the test moves on, and after the done event, when
    its ``finally`` closes upstream connections before the body ends. Only what is still
    running after this is a leftover.
    """
    with anyio.move_on_after(limit) as scope:
        for record in records:
            await record.ended.wait()
        for stream in streams:
            await stream.body_done()
        for starter in starters:  # a close fired and forgotten usually ends soon
            await starter.wait_running(scope.deadline - anyio.current_time())
