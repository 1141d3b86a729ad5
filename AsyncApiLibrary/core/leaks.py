"""Leak accounting: what a test left behind, and a bounded wait for handlers still ending."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio

from ..streams import LiveStream
from ..tracking import RequestRecord


def find_leftovers(streams: Iterable[tuple[str, LiveStream]],
                   fakes: Iterable[tuple[str, Any]],
                   clients: Iterable[tuple[str, Any]]) -> list[str]:
    """One phrase per thing still owned: open streams, fakes and clients the test made,
    and requests a server is still handling.

    ``fakes`` and ``clients`` are (name, entry) pairs whose entries say whether they were
    made in the test (``installed_in_test``, ``opened_in_test``); clients carry a target.
    """
    found = [f"stream '{name}' is still open" for name, stream in streams
             if stream.state in ("open", "starting")]
    found += [f"fake '{name}' is still installed" for name, entry in fakes
              if entry.installed_in_test]
    for alias, opened in clients:
        if opened.opened_in_test:
            found.append(f"client '{alias}' is still open")
        tracker = opened.target.tracker
        if tracker is not None:
            found += [f"the server is still handling {r.method} {r.path} of client '{alias}'"
                      for r in tracker.running]
    return found


def ending_handlers(streams: Iterable[LiveStream], trackers: Iterable[Any]) -> list[RequestRecord]:
    """Requests of streams the test disconnected that a server is still handling."""
    gone = {stream.request_id for stream in streams if stream.state == "disconnected"}
    return [record for tracker in trackers if tracker is not None
            for record in tracker.running if record.request_id in gone]


async def settle_disconnects(records: list[RequestRecord], limit: float) -> None:
    """Give handlers a moment (up to ``limit`` seconds) to finish after a disconnect.

    A disconnect reaches a real server's handler a little later than the test moves on;
    only a handler still running after this is a leftover.
    """
    with anyio.move_on_after(limit):
        for record in records:
            await record.ended.wait()
