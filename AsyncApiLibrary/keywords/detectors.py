"""Keywords that report what no black-box client sees: a blocked event loop."""

from __future__ import annotations

from robot.api import logger
from robot.api.deco import keyword

from ..arguments import Duration, seconds
from ..errors import ExpectationFailed, UsageError
from ..watchdog import duration
from .base import LibraryComponent

TAGS = ["detectors"]


class DetectorKeywords(LibraryComponent):
    """Checks of how the app behaved on the library's own event loop."""

    @keyword(tags=TAGS)
    def event_loop_should_not_have_been_blocked_longer_than(self, bound: Duration) -> float:
        """Fails if, during this test, the app held the event loop for longer than ``bound``.

        The app runs on the library's event loop in ``in-process`` and ``server`` mode. A
        watchdog beside the loop measures how long the loop is unable to run anything
        else (``time.sleep`` or a blocking client call in an ``async def``, a long
        computation, a loop that never awaits) and, while it is blocked, samples where:
        the failure names the app's own line. Returns the longest time, in milliseconds,
        the loop took to answer during the test. The library's own work on the loop
        (importing and starting an app in `Open App`, loading a contract) does not count.
        To check every test, give `Open App`
        ``loop_block_limit`` instead.

        Example:
        | `Send Chat` | hello |
        | `Event Loop Should Not Have Been Blocked Longer Than` | 50ms |
        """
        watchdog = self.ctx.runtime.watchdog
        hosted = [o for o in self.ctx.clients.values() if o.target.mode != "url"]
        if watchdog is None or not hosted:
            raise UsageError(
                "The event loop is watched while an app runs on it; open one with "
                "'Open App' first (a service reached by URL runs in a process of its own)."
            )
        limit = seconds(bound, 0.05, "Bound")
        longest, blocks = watchdog.window()
        over = [block for block in blocks if block.seconds > limit]
        if over:
            worst = max(over, key=lambda block: block.seconds)
            more = f" ({len(over)} blocks over the bound in all)" if len(over) > 1 else ""
            raise ExpectationFailed(
                f"Expected the event loop never to be blocked longer than {duration(limit)} "
                f"in this test, but it was blocked for {worst}{more}."
            )
        logger.info(f"The event loop was never blocked longer than {duration(limit)} in this "
                    f"test; the longest it took to answer was {longest * 1000:.1f} ms.")
        return longest * 1000
