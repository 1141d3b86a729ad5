"""Keywords that check when a stream's items arrived."""

from __future__ import annotations

from robot.api import logger
from robot.api.deco import keyword

from .. import core
from ..arguments import Duration, seconds
from ..errors import ExpectationFailed
from .base import LibraryComponent

TAGS = ["streams", "timing"]


class TimingKeywords(LibraryComponent):
    """Bounds on the first item's arrival and on the gaps between items."""

    @keyword(tags=TAGS)
    def first_chunk_should_arrive_within(self, bound: Duration,
                                         stream: str | None = None) -> float:
        """Fails unless the first item arrived within ``bound`` of sending the request.

        Waits up to ``bound`` for it. Returns the time to first item in milliseconds.

        Example:
        | `First Chunk Should Arrive Within` | 500ms |
        """
        chosen = self.stream(stream)
        limit = seconds(bound, 1.0, "Bound")
        self.run(core.wait_event, chosen.first_arrival, limit, deadline=limit)
        first = chosen.first_offset_ms
        if first is None or first > limit * 1000:
            shown = "nothing arrived" if first is None else f"it took {first:.1f} ms"
            raise ExpectationFailed(
                f"Expected the first item of stream '{chosen.name}' within "
                f"{limit * 1000:g} ms, but {shown}."
            )
        logger.info(f"First item of stream '{chosen.name}' after {first:.1f} ms, bound "
                    f"{limit * 1000:g} ms.")
        return first

    @keyword(tags=TAGS)
    def largest_gap_should_be_below(self, bound: Duration, stream: str | None = None) -> float:
        """Fails if any two consecutive items so far arrived more than ``bound`` apart.

        Returns the largest gap in milliseconds.

        Example:
        | `Largest Gap Should Be Below` | 200ms |
        """
        chosen = self.stream(stream)
        limit = seconds(bound, 1.0, "Bound") * 1000
        between = _largest_gap_between(chosen.transcript)
        if chosen.max_gap_ms >= limit:
            raise ExpectationFailed(
                f"Expected no gap of {limit:g} ms or more between items of stream "
                f"'{chosen.name}', but the largest was {chosen.max_gap_ms:.1f} ms{between}."
            )
        logger.info(f"Largest gap of stream '{chosen.name}' {chosen.max_gap_ms:.1f} ms"
                    f"{between}, bound {limit:g} ms.")
        return chosen.max_gap_ms


def _largest_gap_between(items: list) -> str:
    """Where the largest gap lies among the items kept (', between items 3 and 4')."""
    gaps = [(b.offset_ms - a.offset_ms, a.index, b.index)
            for a, b in zip(items, items[1:], strict=False) if b.offset_ms > a.offset_ms]
    if not gaps:
        return ""
    _, first, second = max(gaps)
    return f", between items {first} and {second}"
