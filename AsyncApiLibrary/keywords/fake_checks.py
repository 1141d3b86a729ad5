"""Keywords that check how the app used a fake upstream."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import anyio
from robot.api import logger
from robot.api.deco import keyword

from ..arguments import Duration, json_value, seconds
from ..errors import ExpectationFailed, UsageError
from ..fakes import FakeCall
from ..jsonpath import json_matches, shown_json
from .base import LibraryComponent

TAGS = ["fakes", "checks"]


class FakeCheckKeywords(LibraryComponent):
    """How often the app called a fake, with what, and whether it closed or cancelled it."""

    def _calls(self, fake: str | None) -> list[FakeCall]:
        return list(self.ctx.fake(fake).calls)

    @keyword(tags=TAGS)
    def fake_should_have_been_awaited_once(self, fake: str | None = None) -> None:
        """Fails unless the app made exactly one call on the fake and used it (awaited or iterated) once.

        Example:
        | `Fake Should Have Been Awaited Once` |
        """
        calls = self._calls(fake)
        used = [c for c in calls if c.awaited or c.iterated]
        if len(calls) != 1 or len(used) != 1 or used[0].awaited > 1:
            shown = "; ".join(f"{c.describe()} awaited {c.awaited}x" for c in calls) or "none"
            raise ExpectationFailed(
                f"Expected the fake to be called and awaited exactly once, but it had "
                f"{len(calls)} calls: {shown}."
            )

    @keyword(tags=TAGS)
    def fake_should_have_been_called_times(self, count: int, fake: str | None = None) -> None:
        """Fails unless the app called the fake exactly ``count`` times.

        Example:
        | `Fake Should Have Been Called Times` | 3 |
        """
        calls = self._calls(fake)
        if len(calls) != count:
            raise ExpectationFailed(
                f"Expected the fake to be called {_times(count)}, but it was called {_times(len(calls))}."
            )

    @keyword(tags=TAGS)
    def fake_should_not_have_been_called(self, fake: str | None = None) -> None:
        """Fails if the app called the fake at all (e.g. auth must fail before the upstream).

        Example:
        | `Fake Should Not Have Been Called` |
        """
        calls = self._calls(fake)
        if calls:
            raise ExpectationFailed(
                f"Expected the fake not to be called, but it was called {_times(len(calls))}, "
                f"first as {calls[0].describe()}."
            )

    @keyword(tags=TAGS)
    def fake_should_have_received(self, fake: str | None = None, **expected: Any) -> None:
        """Fails unless the last call on the fake had these keyword arguments.

        ``expected`` are ``name=value`` pairs, each compared as JSON: JSON text
        (``messages=[{"role": "user"}]``) or a Robot value. An expected object matches an
        object that has at least its fields, so ``{"role": "user"}`` matches the message
        dictionary the app passed, content and all; numbers match their text, so
        ``max_tokens=5`` matches ``5``. To check a call of one method, use
        `Fake Method Should Have Received`.

        Example:
        | `Fake Should Have Received` | prompt=Hello | max_tokens=5 |
        """
        if not expected:
            raise UsageError("Give the arguments to check, as name=value pairs.")
        calls = self._calls(fake)
        if not calls:
            raise ExpectationFailed("Expected the fake to have been called, but it never was.")
        _check_arguments(calls[-1], "the fake's last call", expected)

    @keyword(tags=TAGS)
    def fake_method_should_have_received(self, method: str, fake: str | None = None,
                                         call: int | None = None, **expected: Any) -> None:
        """Fails unless a call of ``method`` on the fake had these keyword arguments.

        The last call of ``method``, or its ``call``-th (1 for the first). ``expected``
        compare as in `Fake Should Have Received`.

        Example:
        | `Fake Method Should Have Received` | publish | call=1 | topic=jobs | body={"state": "done"} |
        """
        calls = [c for c in self._calls(fake) if c.method == method]
        if not calls or (call is not None and not 1 <= call <= len(calls)):
            raise ExpectationFailed(
                f"Expected call {call or 'any'} of '{method}' on the fake, but it had "
                f"{len(calls)} call{'' if len(calls) == 1 else 's'} of it."
            )
        chosen = calls[-1] if call is None else calls[call - 1]
        _check_arguments(chosen, f"call {chosen.number_of_method} of '{method}'", expected)

    @keyword(tags=TAGS)
    def fake_should_have_been_awaited_times(self, count: int, method: str | None = None,
                                            fake: str | None = None) -> None:
        """Fails unless exactly ``count`` calls (of ``method``, if given) were awaited or iterated.

        A call the app made but never awaited is a coroutine that never ran: it does not count.

        Example:
        | `Fake Should Have Been Awaited Times` | 2 | method=complete |
        """
        calls = [c for c in self._calls(fake) if method is None or c.method == method]
        used = [c for c in calls if c.awaited or c.iterated]
        if len(used) != count:
            what = f"calls of '{method}'" if method else "calls"
            raise ExpectationFailed(
                f"Expected {count} {what} on the fake to be awaited, but {len(used)} of "
                f"{len(calls)} were."
            )

    @keyword(tags=TAGS)
    def fake_calls_should_be_in_order(self, *calls: str) -> None:
        """Fails unless the calls on the named fakes happened in exactly this order.

        ``calls`` are ``FAKE.METHOD``: every call on the fakes named in them, ordered by
        when the app made it, must be this list; nothing more, nothing less.

        Example:
        | `Fake Calls Should Be In Order` | shard-a.search | shard-b.search | model.complete |
        """
        names = {entry.split(".", 1)[0] for entry in calls}
        made = sorted((c.called_at, f"{name}.{c.method}") for name in names
                      for c in self.ctx.fake(name).calls)
        got = [label for _, label in made]
        if got != list(calls):
            raise ExpectationFailed(
                f"Expected the calls on {', '.join(sorted(names))} in the order "
                f"{', '.join(calls)}, but they were {', '.join(got) or 'none'}."
            )

    @keyword(tags=TAGS)
    def wait_until_fake_is_called(self, count: int = 1, timeout: Duration | None = None,
                                  fake: str | None = None) -> None:
        """Waits until the app has called the fake ``count`` times in all; fails at ``timeout``.

        Example:
        | `Wait Until Fake Is Called` | timeout=1s |
        """
        target = self.ctx.fake(fake)
        limit = seconds(timeout, self.ctx.settings.timeout)
        if not self.run(target.wait_called, count, limit, deadline=limit):
            raise ExpectationFailed(
                f"Expected the fake to be called {_times(count)} within {limit:g} s, but it was "
                f"called {_times(len(target.calls))}."
            )

    @keyword(tags=TAGS)
    def fake_should_be_closed(self, timeout: Duration = timedelta(seconds=1),
                              fake: str | None = None) -> None:
        """Fails unless every streamed call on the fake is closed within ``timeout``.

        Example:
        | `Fake Should Be Closed` | timeout=500ms |
        """
        target = self.ctx.fake(fake)
        limit = seconds(timeout, 1.0)
        still_open = self.run(target.wait_closed, limit, deadline=limit)
        if still_open:
            raise ExpectationFailed(
                f"Expected every call on the fake to be closed within {limit:g} s, but "
                f"{', '.join(c.describe() for c in still_open)} is still open."
            )

    @keyword(tags=TAGS)
    def fake_should_have_been_cancelled(self, timeout: Duration = timedelta(seconds=1),
                                        fake: str | None = None) -> None:
        """Fails unless the fake's last call was cancelled (e.g. by a client disconnect) within ``timeout``.

        Example:
        | `Fake Should Have Been Cancelled` |
        """
        target = self.ctx.fake(fake)
        limit = seconds(timeout, 1.0)
        if not target.calls:
            raise ExpectationFailed("Expected the fake to have been cancelled, but it was never called.")
        last = target.calls[-1]
        self.run(_wait_finished, last, limit, deadline=limit)
        if not last.cancelled:
            raise ExpectationFailed(
                f"Expected the fake's call {last.describe()} to be cancelled, but it ended "
                f"as '{last.outcome}'."
            )


    @keyword(tags=TAGS)
    def fake_should_have_been_cancelled_within(self, bound: Duration,
                                               stream: str | None = None,
                                               fake: str | None = None) -> float:
        """Fails unless the fake's last call was cancelled within ``bound`` of the stream's disconnect.

        Measures from `Disconnect Client` to the moment the call saw its cancellation, and
        returns that latency in milliseconds. An app that defers the cancellation (a
        shielded read that only ends at the upstream's own deadline) fails here even when
        that deadline is a few seconds away, where `Fake Should Have Been Cancelled`, which
        waits up to its timeout from the moment it is called, would pass.

        Example:
        | `Disconnect Client` |
        | `Fake Should Have Been Cancelled Within` | 200ms |
        """
        target = self.ctx.fake(fake)
        chosen = self.stream(stream)
        limit = seconds(bound, 0.2, "Bound")
        if chosen.disconnected_at is None:
            raise UsageError(
                f"Stream '{chosen.name}' has not been disconnected; use 'Disconnect Client' "
                "first, so that there is a moment to measure from."
            )
        if not target.calls:
            raise ExpectationFailed("Expected the fake to have been cancelled, but it was never called.")
        last = target.calls[-1]
        left = chosen.disconnected_at + limit - time.perf_counter()
        if left > 0:
            self.run(_wait_finished, last, left, deadline=left)
        took = None if last.cancelled_at is None else last.cancelled_at - chosen.disconnected_at
        if took is None or took > limit:
            what = (f"it was cancelled only {took * 1000:.1f} ms after it" if took is not None
                    else f"it was not cancelled by then (it is '{last.outcome}')")
            raise ExpectationFailed(
                f"Expected the fake's call {last.describe()} to be cancelled within "
                f"{limit * 1000:g} ms of the disconnect of stream '{chosen.name}', but {what}."
            )
        logger.info(f"The fake's call {last.describe()} was cancelled {took * 1000:.1f} ms "
                    f"after the disconnect (bound {limit * 1000:g} ms).")
        return took * 1000


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


async def _wait_finished(call: FakeCall, limit: float) -> None:
    with anyio.move_on_after(limit):
        await call.finished.wait()


def _check_arguments(made: FakeCall, what: str, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key not in made.kwargs:
            raise ExpectationFailed(
                f"Expected {what} to have argument '{key}', but it was {made.describe()}."
            )
        wanted = json_value(value)
        if not json_matches(made.kwargs[key], wanted):
            raise ExpectationFailed(
                f"Expected the argument '{key}' of {what} to be {shown_json(wanted)}, got "
                f"{shown_json(made.kwargs[key])}."
            )
