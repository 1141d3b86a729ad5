"""Keywords that check when a stream's items arrived."""

from __future__ import annotations

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
        if chosen.max_gap_ms >= limit:
            raise ExpectationFailed(
                f"The largest gap between items of stream '{chosen.name}' was "
                f"{chosen.max_gap_ms:.1f} ms, not below {limit:g} ms."
            )
        return chosen.max_gap_ms
