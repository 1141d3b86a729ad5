"""Keywords that check the server cleaned up: in this process, or through what it exposes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import core
from ..arguments import Duration, build_request, seconds
from ..display import expected_text, json_text
from ..errors import ExpectationFailed
from ..results import CleanupResult
from .base import LibraryComponent

TAGS = ["cleanup"]


class CleanupKeywords(LibraryComponent):
    """Wait, with a deadline, until the server has finished with what the test left."""

    @keyword(tags=TAGS)
    def expect_cleanup(self, timeout: Duration = timedelta(seconds=2),
                       stream: str | None = None) -> CleanupResult:
        """Waits until the server has finished with the stream's request; fails at ``timeout``.

        Cleanup means the app call for the request (or WebSocket) returned by itself (the
        stream generator's ``finally`` and the dependency teardowns ran), and every call it
        made on an installed fake upstream was closed. A handler that raised fails it,
        except with the errors frameworks raise because the client had left (a send into a
        closed connection); one that was cancelled after the disconnect grace fails it too.
        Works in ``in-process`` and ``server`` mode. For a service reached by URL, use
        `Wait Until Json Field Is` on something it exposes (an active-streams gauge).
        Returns what was observed: ``outcome`` (``returned``, or ``raised`` for such a
        client-gone error), ``after_disconnect_ms`` and ``fakes_checked``; asked again
        about the same stream, it returns the same observation.

        Example:
        | `Disconnect Client` |
        | ${cleanup} = | `Expect Cleanup` | timeout=1s |
        """
        chosen = self.stream(stream)
        target = self.ctx.target(chosen.client)
        fakes = [entry.fake for entry in self.ctx.fakes.values()
                 if entry.target is target and entry.fake is not None]
        limit = seconds(timeout, 2.0)
        observed = self.run(core.wait_for_cleanup, target, chosen, fakes, limit,
                            deadline=limit)
        logger.info(str(observed))
        return observed

    @keyword(tags=TAGS)
    def wait_until_json_field_is(
        self,
        path: str,
        field: str,
        expected: Any,
        timeout: Duration = timedelta(seconds=5),
        interval: Duration = timedelta(milliseconds=50),
        alias: str | None = None,
    ) -> Any:
        """Polls ``GET path`` until JSON ``field`` equals ``expected``; fails at ``timeout``.

        For black-box checks of a running service, e.g. that its active-stream gauge is
        back to zero after a disconnect. It asks again every ``interval`` (50 ms by
        default). Logs how long it waited.

        Example:
        | `Wait Until Json Field Is` | /ops/stats | active_streams | 0 | timeout=2s |
        """
        target = self.ctx.target(alias)
        limit = seconds(timeout, 5.0)
        pause = seconds(interval, 0.05, "Interval")
        request = build_request(target, "GET", path)
        waited, last = self.run(core.poll_json_field, target, request, field, expected,
                                limit, pause, deadline=limit)
        if waited is None:
            raise ExpectationFailed(
                f"JSON field '{field}' of GET {path} did not become "
                f"{expected_text(expected)} within {limit:g} s; last value: {json_text(last)}."
            )
        logger.info(f"JSON field '{field}' of GET {path} was {expected_text(expected)} after "
                    f"{waited:.1f} ms.")
        return self.ctx.masker.guard(last)
