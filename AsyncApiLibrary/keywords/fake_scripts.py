"""Keywords that script what a fake upstream does when the app calls it."""

from __future__ import annotations

import re
from typing import Any

from robot.api.deco import keyword

from ..arguments import json_value
from ..errors import UsageError
from ..fakes import call_in_loop
from ..script import exception as exception_for
from .base import LibraryComponent

TAGS = ["fakes", "scripts"]


class FakeScriptKeywords(LibraryComponent):
    """Tell a fake what to answer: a reply, tokens, a timeout, a status, a hang-up, pacing."""

    def _script(self, fake: str | None, call: int | None, method: str | None,
                **changes: Any) -> None:
        self.ctx.fake(fake).book.edit(method, call, **changes)

    @keyword(tags=TAGS)
    def fake_replies_with(self, text: str, fake: str | None = None,
            call: int | None = None, method: str | None = None) -> None:
        """Makes the fake answer with ``text`` (streamed word by word when iterated).

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Replies With` | The answer is 42 |
        """
        tokens = re.findall(r"\S+\s*", text) or [text]
        self._script(fake, call, method, tokens=tokens, fail_after=None, hang=False)

    @keyword(tags=TAGS)
    def fake_streams_tokens(self, *tokens: str, fake: str | None = None,
            call: int | None = None, method: str | None = None) -> None:
        """Makes the fake yield exactly these tokens, then end normally.

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Streams Tokens` | Hel | lo | ! |
        """
        if not tokens:
            raise UsageError("Give at least one token to stream.")
        self._script(fake, call, method, tokens=list(tokens), fail_after=None, hang=False)

    @keyword(tags=TAGS)
    def fake_times_out(self, after_tokens: int = 0, fake: str | None = None,
            call: int | None = None, method: str | None = None) -> None:
        """Makes the fake raise ``httpx.ReadTimeout`` after ``after_tokens`` tokens.

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Times Out` | after_tokens=2 |
        """
        self._check_count(after_tokens)
        self._script(fake, call, method, fail_after=after_tokens, failure="timeout", hang=False)

    @keyword(tags=TAGS)
    def fake_fails_with_status(self, status: int, retry_after: str | None = None,
                               after_tokens: int = 0, fake: str | None = None,
                               call: int | None = None, method: str | None = None) -> None:
        """Makes the fake raise ``httpx.HTTPStatusError`` with ``status`` after ``after_tokens`` tokens.

        ``retry_after`` becomes the upstream response's ``Retry-After`` header.

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Fails With Status` | 429 | retry_after=7 |
        """
        if not 400 <= status <= 599:
            raise UsageError(f"A failing status must be 400 to 599, got {status}.")
        self._check_count(after_tokens)
        self._script(fake, call, method, fail_after=after_tokens, failure="status",
                     status=status, retry_after=retry_after, hang=False)

    @keyword(tags=TAGS)
    def fake_hangs_up(self, after_tokens: int = 0, fake: str | None = None,
            call: int | None = None, method: str | None = None) -> None:
        """Makes the fake drop its connection (``httpx.RemoteProtocolError``) after ``after_tokens`` tokens.

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Hangs Up` | after_tokens=3 |
        """
        self._check_count(after_tokens)
        self._script(fake, call, method, fail_after=after_tokens, failure="disconnect",
                     hang=False)

    @keyword(tags=TAGS)
    def fake_hangs_until_cancelled(self, after_tokens: int = 0, fake: str | None = None,
            call: int | None = None, method: str | None = None) -> None:
        """Makes the fake yield ``after_tokens`` tokens, then wait until it is cancelled or closed.

        ``call`` (1 for the first call) and ``method`` make this the script of one call
        or one method only; see `Fakes`.

        Example:
        | `Fake Hangs Until Cancelled` |
        """
        self._check_count(after_tokens)
        target = self.ctx.fake(fake)
        tokens = target.book.for_call(method or "", call or 0, call or 0).tokens[:after_tokens]
        self._script(fake, call, method, tokens=tokens, fail_after=None, hang=True)

    @keyword(tags=TAGS)
    def fake_waits_for_release(self, fake: str | None = None) -> None:
        """Makes the fake hold each token until the test calls `Release Next Token`.

        Pacing without sleeps: the test decides when each token exists.

        Example:
        | `Fake Waits For Release` |
        | `Start Chat Stream` | hi |
        | `Release Next Token` |
        | `Expect Event` | token |
        """
        self.ctx.fake(fake).book.edit_all(paced=True)

    @keyword(tags=TAGS)
    def release_next_token(self, count: int = 1, fake: str | None = None) -> None:
        """Lets the paced fake produce ``count`` more tokens.

        Example:
        | `Release Next Token` | count=2 |
        """
        target = self.ctx.fake(fake)
        self.run(call_in_loop, target.release, count)

    @keyword(tags=TAGS)
    def reset_fake(self, fake: str | None = None) -> None:
        """Forgets the fake's recorded calls and puts its script back to ``fake reply``.

        A fake HTTP upstream also forgets its routes: each path answers 404 again.

        For a fake that lives longer than one test, such as a fake OpenAI server started
        in a suite setup.

        Example:
        | Test Setup | `Reset Fake` | openai |
        """
        target = self.ctx.fake(fake)
        self.run(call_in_loop, target.reset)
        server = getattr(self.ctx.fakes.get(fake).closer, "manager", None)
        if isinstance(getattr(server, "routes", None), list):
            self.run(call_in_loop, server.routes.clear)

    @keyword(tags=TAGS)
    def fake_returns(self, value: Any, fake: str | None = None, call: int | None = None,
                     method: str | None = None) -> None:
        """Makes awaiting the fake's call return ``value``: a JSON value or any Robot value.

        JSON text (``{"id": 7, "ok": true}``) becomes the object it spells; a Robot
        dictionary, list or number is returned as it is. ``call`` (1 for the first call)
        and ``method`` make this the script of one call or one method only; see `Fakes`.

        Example:
        | `Fake Returns` | {"user": "ann", "plan": "pro"} | method=get_user |
        """
        self._script(fake, call, method, result=json_value(value), fail_after=None, hang=False)

    @keyword(tags=TAGS)
    def fake_raises(self, exception: str, message: str = "", after_tokens: int = 0,
                    fake: str | None = None, call: int | None = None,
                    method: str | None = None) -> None:
        """Makes the fake raise ``exception`` (a class by import path) with ``message``.

        ``exception`` is a built-in name (``TimeoutError``), a dotted path
        (``httpx2.ReadTimeout``, ``asyncio.TimeoutError``) or ``module:Class`` for an app's
        own exception. It is raised after ``after_tokens`` tokens when the call is iterated,
        at once when it is awaited. ``call`` (1 for the first call) and ``method`` make this
        the script of one call or one method only; see `Fakes`.

        Example:
        | `Fake Raises` | myapp.errors:QuotaExceeded | over quota | call=1 |
        """
        self._check_count(after_tokens)
        exception_for(exception, message)  # a bad path fails here, not in the app
        self._script(fake, call, method, fail_after=after_tokens, failure="raise",
                     raises=exception, message=message, hang=False)

    @keyword(tags=TAGS)
    def fake_streams_items(self, *items: Any, fake: str | None = None, call: int | None = None,
                           method: str | None = None) -> None:
        """Makes iterating the fake's call yield these items (JSON values, not only text).

        Each item is a JSON value as in `Fake Returns`. ``call`` (1 for the first call) and
        ``method`` make this the script of one call or one method only; see `Fakes`.

        Example:
        | `Fake Streams Items` | {"doc": 1, "score": 0.9} | {"doc": 2, "score": 0.4} | method=search |
        """
        if not items:
            raise UsageError("Give at least one item to stream.")
        self._script(fake, call, method, tokens=[json_value(item) for item in items],
                     fail_after=None, hang=False)

    @staticmethod
    def _check_count(count: int) -> None:
        if count < 0:
            raise UsageError(f"After-tokens must be 0 or more, got {count}.")
