"""Keywords that put scripted fakes in place of an app's async dependencies."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import anyio
from robot.api import logger
from robot.api.deco import keyword

from ..apps import import_object
from ..errors import ExpectationFailed, UsageError
from ..fakes import FakeCall, FakeUpstream, Script
from ..openai_fake import FakeOpenAIServer
from ..state import InstalledFake, KeywordGroup, seconds


class FakeKeywords(KeywordGroup):
    @keyword
    def install_fake_upstream(self, dependency: str, name: str = "upstream",
                              alias: str | None = None) -> str:
        """Replaces the app's dependency ``dependency`` with a scripted, awaitable fake.

        ``dependency`` is the import path of the FastAPI dependency function, e.g.
        ``sample_app.deps:get_llm_client``. The fake goes into the app's
        ``dependency_overrides`` (so the app must run in this process: ``in-process`` or
        ``server`` mode) and answers every method the app calls on it: awaiting a call
        returns the whole reply, ``async for`` over it yields tokens. Until scripted it
        replies ``fake reply``. ``name`` names the fake for the ``fake`` argument of the
        other keywords; ``alias`` picks the client whose app gets it. It becomes the
        current fake. Remove it with
        `Remove Fake Upstream` (or it is removed, with a warning, at the end of the test).

        Example:
        | `Install Fake Upstream` | sample_app.deps:get_llm_client |
        | `Fake Streams Tokens` | Hello | , | world |
        """
        target = self._target(alias)
        app = target.user_app
        if app is None:
            raise UsageError(
                f"Fakes need the app in this process, but client '{target.alias}' reaches it "
                "by URL; point the service at the fake OpenAI upstream instead."
            )
        if not hasattr(app, "dependency_overrides"):
            raise UsageError(
                f"The app of client '{target.alias}' has no 'dependency_overrides'; "
                "fakes work with FastAPI apps."
            )
        if name in self.state.fakes:
            raise UsageError(f"A fake named '{name}' is already installed; remove it first.")
        dep = import_object(dependency, "dependency")
        fake = self.state.runtime.make(FakeUpstream, name)
        app.dependency_overrides[dep] = lambda: fake
        self.state.fakes[name] = InstalledFake(fake, target, dep, dependency, self.state.in_test)
        self.state.current_fake = name
        logger.info(f"Installed fake '{name}' in place of {dependency}.")
        return name

    def _fake(self, name: str | None) -> FakeUpstream:
        state = self.state
        if not state.fakes:
            raise UsageError("No fake upstream is installed; use 'Install Fake Upstream' first.")
        key = name if name is not None else state.current_fake
        if key not in state.fakes:
            raise UsageError(
                f"No fake is named '{key}'; installed fakes: {', '.join(sorted(state.fakes))}."
            )
        return state.fakes[key].fake

    @keyword
    def remove_fake_upstream(self, name: str | None = None) -> None:
        """Puts the real dependency back for the fake ``name`` (the current one if not given).

        Safe to call when the fake is already gone.

        Example:
        | [Teardown] | `Remove Fake Upstream` |
        """
        key = name if name is not None else self.state.current_fake
        if key in self.state.fakes:
            self._uninstall(key)

    @keyword
    def remove_all_fakes(self) -> None:
        """Puts every real dependency back and stops every fake OpenAI server.

        Example:
        | Test Teardown | `Remove All Fakes` |
        """
        for key in list(self.state.fakes):
            self._uninstall(key)

    def _uninstall(self, name: str) -> None:
        installed = self.state.fakes.pop(name)
        if self.state.current_fake == name:
            self.state.current_fake = next(iter(self.state.fakes), None)
        self._run(_call_in_loop, installed.fake.shutdown)
        if installed.closer is not None:
            try:
                installed.closer.__exit__(None, None, None)
            finally:
                self._flush_app_log()
            logger.info(f"Stopped the fake OpenAI server '{name}'.")
            return
        app = installed.target.user_app
        overrides = getattr(app, "dependency_overrides", {})
        overrides.pop(installed.dependency, None)
        logger.info(f"Removed fake '{name}'; {installed.dependency_path} is real again.")

    @keyword
    def start_fake_openai_server(self, name: str = "openai") -> str:
        """Starts a fake OpenAI-compatible upstream on 127.0.0.1 and returns its base URL.

        ``name`` names it for the ``fake`` argument of the other fake keywords.

        Black-box fakes: point a separately started service at the returned URL (the
        sample app reads ``SAMPLE_APP_LLM_URL``) and script the upstream from the test.
        The server answers ``POST /v1/chat/completions``, plain or with ``"stream": true``
        (``data: {...}`` chunks, then ``data: [DONE]``). The script keywords
        (`Fake Streams Tokens`, `Fake Fails With Status`, `Fake Times Out`,
        `Fake Hangs Up`, `Fake Hangs Until Cancelled`, `Fake Waits For Release`) and the
        assertion keywords work on it with ``fake=NAME`` or as the current fake. Over HTTP,
        `Fake Times Out` means the server stops sending (the caller's timeout fires),
        `Fake Hangs Up` cuts the connection, and a status after some tokens is sent as an
        error chunk. Each request is one call, recorded with the body's fields plus
        ``prompt`` (the last message's content); a call is cancelled when the caller went
        away before the reply was complete.

        Stop it with `Stop Fake OpenAI Server`; one started in a test is stopped (and
        reported by the leak check) at the end of that test.

        Example:
        | ${url} = | `Start Fake OpenAI Server` |
        | `Fake Streams Tokens` | Hel | lo |
        | `Start Process` | uvicorn | sample_app.main:app | env:SAMPLE_APP_LLM_URL=${url} |
        """
        if name in self.state.fakes:
            raise UsageError(f"A fake named '{name}' is already installed; remove it first.")
        fake = self.state.runtime.make(FakeUpstream, name)
        server = self.state.runtime.make(FakeOpenAIServer, fake, name=name)
        self.state.app_log.attach()
        closer = self.state.runtime.portal.wrap_async_context_manager(server)
        try:
            closer.__enter__()
        finally:
            self._flush_app_log()
        self.state.fakes[name] = InstalledFake(fake, None, None, server.base_url,
                                               self.state.in_test, closer)
        self.state.current_fake = name
        logger.info(f"Started the fake OpenAI server '{name}' at {server.base_url}.")
        return server.base_url

    @keyword
    def stop_fake_openai_server(self, name: str = "openai") -> None:
        """Stops the fake OpenAI server ``name``; requests still waiting on it are cut.

        Safe to call when it is already stopped.

        Example:
        | Suite Teardown | `Stop Fake OpenAI Server` |
        """
        installed = self.state.fakes.get(name)
        if installed is not None and installed.closer is None:
            raise UsageError(
                f"Fake '{name}' is installed in an app, not served over HTTP; use "
                "'Remove Fake Upstream' for it."
            )
        if installed is not None:
            self._uninstall(name)

    # -- scripts ----------------------------------------------------------------------
    def _script(self, fake: str | None, **changes: Any) -> None:
        target = self._fake(fake)
        script = Script(**{**target.script.__dict__, **changes})
        target.set_script(script)

    @keyword
    def fake_replies_with(self, text: str, fake: str | None = None) -> None:
        """Makes the fake answer with ``text`` (streamed word by word when iterated).

        Example:
        | `Fake Replies With` | The answer is 42 |
        """
        tokens = re.findall(r"\S+\s*", text) or [text]
        self._script(fake, tokens=tokens, fail_after=None, hang=False)

    @keyword
    def fake_streams_tokens(self, *tokens: str, fake: str | None = None) -> None:
        """Makes the fake yield exactly these tokens, then end normally.

        Example:
        | `Fake Streams Tokens` | Hel | lo | ! |
        """
        if not tokens:
            raise UsageError("Give at least one token to stream.")
        self._script(fake, tokens=list(tokens), fail_after=None, hang=False)

    @keyword
    def fake_times_out(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake raise ``httpx.ReadTimeout`` after ``after_tokens`` tokens.

        Example:
        | `Fake Times Out` | after_tokens=2 |
        """
        self._check_count(after_tokens)
        self._script(fake, fail_after=after_tokens, failure="timeout", hang=False)

    @keyword
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

    @keyword
    def fake_hangs_up(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake drop its connection (``httpx.RemoteProtocolError``) after ``after_tokens`` tokens.

        Example:
        | `Fake Hangs Up` | after_tokens=3 |
        """
        self._check_count(after_tokens)
        self._script(fake, fail_after=after_tokens, failure="disconnect", hang=False)

    @keyword
    def fake_hangs_until_cancelled(self, after_tokens: int = 0, fake: str | None = None) -> None:
        """Makes the fake yield ``after_tokens`` tokens, then wait until it is cancelled or closed.

        Example:
        | `Fake Hangs Until Cancelled` |
        """
        self._check_count(after_tokens)
        target = self._fake(fake)
        tokens = target.script.tokens[:after_tokens] or []
        self._script(fake, tokens=tokens, fail_after=None, hang=True)

    @keyword
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

    @keyword
    def release_next_token(self, count: int = 1, fake: str | None = None) -> None:
        """Lets the paced fake produce ``count`` more tokens.

        Example:
        | `Release Next Token` | count=2 |
        """
        target = self._fake(fake)
        self._run(_call_in_loop, target.release, count)

    @keyword
    def reset_fake(self, fake: str | None = None) -> None:
        """Forgets the fake's recorded calls and puts its script back to ``fake reply``.

        For a fake that lives longer than one test, such as a fake OpenAI server started
        in a suite setup.

        Example:
        | Test Setup | `Reset Fake` | openai |
        """
        target = self._fake(fake)
        self._run(_call_in_loop, target.reset)

    @staticmethod
    def _check_count(count: int) -> None:
        if count < 0:
            raise UsageError(f"After-tokens must be 0 or more, got {count}.")

    # -- assertions -----------------------------------------------------------------
    def _calls(self, fake: str | None) -> list[FakeCall]:
        return list(self._fake(fake).calls)

    @keyword
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

    @keyword
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

    @keyword
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

    @keyword
    def fake_should_have_received(self, fake: str | None = None, **expected: Any) -> None:
        """Fails unless the last call on the fake had these keyword arguments.

        ``expected`` are ``name=value`` pairs. Values compare as text, so
        ``max_tokens=5`` matches ``5``.

        Example:
        | `Fake Should Have Received` | prompt=Hello | max_tokens=5 |
        """
        calls = self._calls(fake)
        if not calls:
            raise ExpectationFailed("Expected the fake to have been called, but it never was.")
        last = calls[-1]
        for key, value in expected.items():
            if key not in last.kwargs:
                raise ExpectationFailed(
                    f"Expected the fake's last call to have argument '{key}', but it was "
                    f"{last.describe()}."
                )
            if last.kwargs[key] != value and str(last.kwargs[key]) != str(value):
                raise ExpectationFailed(
                    f"Expected the fake's argument '{key}' to be {value!r}, got "
                    f"{last.kwargs[key]!r}."
                )

    @keyword
    def wait_until_fake_is_called(self, count: int = 1, timeout: timedelta | None = None,
                                  fake: str | None = None) -> None:
        """Waits until the app has called the fake ``count`` times in all; fails at ``timeout``.

        Example:
        | `Wait Until Fake Is Called` | timeout=1s |
        """
        target = self._fake(fake)
        limit = seconds(timeout, self.state.timeout)
        if not self._run(target.wait_called, count, limit):
            raise ExpectationFailed(
                f"Expected the fake to be called {_times(count)} within {limit:g} s, but it was "
                f"called {_times(len(target.calls))}."
            )

    @keyword
    def fake_should_be_closed(self, timeout: timedelta = timedelta(seconds=1),
                              fake: str | None = None) -> None:
        """Fails unless every streamed call on the fake is closed within ``timeout``.

        Example:
        | `Fake Should Be Closed` | timeout=500ms |
        """
        target = self._fake(fake)
        limit = seconds(timeout, 1.0)
        still_open = self._run(target.wait_closed, limit)
        if still_open:
            raise ExpectationFailed(
                f"Expected every call on the fake to be closed within {limit:g} s, but "
                f"{', '.join(c.describe() for c in still_open)} is still open."
            )

    @keyword
    def fake_should_have_been_cancelled(self, timeout: timedelta = timedelta(seconds=1),
                                        fake: str | None = None) -> None:
        """Fails unless the fake's last call was cancelled (e.g. by a client disconnect) within ``timeout``.

        Example:
        | `Fake Should Have Been Cancelled` |
        """
        target = self._fake(fake)
        limit = seconds(timeout, 1.0)
        if not target.calls:
            raise ExpectationFailed("Expected the fake to have been cancelled, but it was never called.")
        last = target.calls[-1]
        self._run(_wait_finished, last, limit)
        if not last.cancelled:
            raise ExpectationFailed(
                f"Expected the fake's call {last.describe()} to be cancelled, but it ended "
                f"as '{last.outcome}'."
            )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


async def _call_in_loop(func: Any, *args: Any) -> Any:
    return func(*args)


async def _wait_finished(call: FakeCall, limit: float) -> None:
    with anyio.move_on_after(limit):
        await call.finished.wait()
