"""Keywords that script what a fake upstream does when the app calls it."""

from __future__ import annotations

import re
from typing import Any

from robot.api.deco import keyword

from ..errors import UsageError
from ..fakes import Script, call_in_loop
from .base import LibraryComponent

TAGS = ["fakes", "scripts"]


class FakeScriptKeywords(LibraryComponent):
    """Tell a fake what to answer: a reply, tokens, a timeout, a status, a hang-up, pacing."""

    def _script(self, fake: str | None, **changes: Any) -> None:
        target = self.ctx.fake(fake)
        script = Script(**{**target.script.__dict__, **changes})
        target.set_script(script)

    @keyword(tags=TAGS)
    def fake_replies_with(self, text: str, fake: str | None = None) -> None:
        """Makes the fake answer with ``text`` (streamed word by word when iterated).

        Example:
        | `Fake Replies With` | The answer is 42 |
        """
        tokens = re.findall(r"\S+\s*", text) or [text]
        self._script(fake, tokens=tokens, fail_after=None, hang=False)

    @keyword(tags=TAGS)
    def fake_streams_tokens(self, *tokens: str, fake: str | None = None) -> None:
        """Makes the fake yield exactly these tokens, then end normally.

        Example:
        | `Fake Streams Tokens` | Hel | lo | ! |
        """
        if not tokens:
            raise UsageError("Give at least one token to stream.")
        self._script(fake, tokens=list(tokens), fail_after=None, hang=False)

    @keyword(tags=TAGS)
    def fake_times_out(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake raise ``httpx.ReadTimeout`` after ``after_tokens`` tokens.

        Example:
        | `Fake Times Out` | after_tokens=2 |
        """
        self._check_count(after_tokens)
        self._script(fake, fail_after=after_tokens, failure="timeout", hang=False)

    @keyword(tags=TAGS)
    def fake_fails_with_status(self, status: int, retry_after: str | None = None,
                               after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake raise ``httpx.HTTPStatusError`` with ``status`` after ``after_tokens`` tokens.

        ``retry_after`` becomes the upstream response's ``Retry-After`` header.

        Example:
        | `Fake Fails With Status` | 429 | retry_after=7 |
        """
        if not 400 <= status <= 599:
            raise UsageError(f"A failing status must be 400 to 599, got {status}.")
        self._check_count(after_tokens)
        self._script(fake, fail_after=after_tokens, failure="status", status=status,
                     retry_after=retry_after, hang=False)

    @keyword(tags=TAGS)
    def fake_hangs_up(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake drop its connection (``httpx.RemoteProtocolError``) after ``after_tokens`` tokens.

        Example:
        | `Fake Hangs Up` | after_tokens=3 |
        """
        self._check_count(after_tokens)
        self._script(fake, fail_after=after_tokens, failure="disconnect", hang=False)

    @keyword(tags=TAGS)
    def fake_hangs_until_cancelled(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake yield ``after_tokens`` tokens, then wait until it is cancelled or closed.

        Example:
        | `Fake Hangs Until Cancelled` |
        """
        self._check_count(after_tokens)
        target = self.ctx.fake(fake)
        tokens = target.script.tokens[:after_tokens] or []
        self._script(fake, tokens=tokens, fail_after=None, hang=True)

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
        self._script(fake, paced=True)

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

        For a fake that lives longer than one test, such as a fake OpenAI server started
        in a suite setup.

        Example:
        | Test Setup | `Reset Fake` | openai |
        """
        target = self.ctx.fake(fake)
        self.run(call_in_loop, target.reset)

    @staticmethod
    def _check_count(count: int) -> None:
        if count < 0:
            raise UsageError(f"After-tokens must be 0 or more, got {count}.")
