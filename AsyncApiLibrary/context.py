"""The one context every keyword group receives: settings, loop, masker and registries.

Keyword groups never call each other; what more than one of them (or the listener) needs,
such as closing a client with its streams and fakes, is done here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from robot.api import logger

from . import core
from .applog import AppLogCollector
from .conventions import DoneRule, ErrorRule
from .errors import ExpectationFailed, UsageError
from .fakes import FakeUpstream, call_in_loop
from .masking import Masker
from .noticeboard import Noticeboard
from .owner import Owner, open_owned
from .registry import Registry
from .results import ApiResponse
from .runtime import Runtime
from .streams import LiveStream
from .targets import Target
from .verdicts import after_end, unread_violations
from .watchdog import duration

SETTLE = 1.0  # seconds a disconnected stream's handler may take to finish after the test
LeakCheck = Literal["warn", "fail", "off"]


@dataclass
class Settings:
    """The library-wide defaults given at import."""

    timeout: float = 10.0
    done: DoneRule = field(default_factory=lambda: DoneRule("event", "done"))
    error: ErrorRule = field(default_factory=lambda: ErrorRule("event", "error"))
    buffer_size: int = 64
    leak_check: LeakCheck = "warn"


@dataclass
class OpenClient:
    """An opened app or service: its target, what closes it, and when it was opened."""

    target: Target
    closer: Any
    opened_in_test: bool
    loop_block_limit: float | None = None


@dataclass
class InstalledFake:
    """A fake in place of an app dependency (``target`` set) or serving HTTP (``closer`` set)."""

    fake: FakeUpstream
    target: Target | None
    dependency: Any
    dependency_path: str
    installed_in_test: bool
    closer: Any = None
    restore: Any = None  # puts back what a replaced attribute or an override held


class LibraryContext:
    """State one library instance keeps between keywords, and how keywords reach the loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime = Runtime()
        self.masker = Masker()
        self.app_log = AppLogCollector()
        self.clients: Registry[OpenClient] = Registry(
            "No app or service is open; use 'Open App' or 'Open Url' first.",
            "No client is open with the alias '{name}'; open ones: {known}.")
        self.streams: Registry[LiveStream] = Registry(
            "No stream has been started; use 'Start Stream' first.",
            "No stream is named '{name}'; known streams: {known}.")
        self.fakes: Registry[InstalledFake] = Registry(
            "No fake upstream is installed; use 'Install Fake Upstream' first.",
            "No fake is named '{name}'; installed fakes: {known}.")
        self.notices = Noticeboard()
        self.in_test = False
        self._counter = 0
        self._last: tuple[str, ApiResponse] | None = None

    def next_name(self, prefix: str) -> str:
        """A fresh default name: ``app1``, ``stream2``..."""
        self._counter += 1
        return f"{prefix}{self._counter}"

    # -- running on the loop ------------------------------------------------------------
    def run(self, func: Any, *args: Any, deadline: float | None = None) -> Any:
        """Run the coroutine ``func(*args)`` on the library's loop and return its result.

        ``deadline`` is the keyword's own deadline: the keyword fails soon after it even
        when the app blocks the loop (see ``Runtime.run``).
        """
        try:
            return self.runtime.run(func, *args, deadline=deadline)
        finally:
            self.flush_app_log()

    def enter(self, manager: Any) -> Owner:
        """Enter an async context manager in a task of its own on the loop; an interrupted
        keyword leaves nothing of it running. ``Owner.close`` exits it later."""
        self.app_log.attach()
        loop = self.runtime.started_loop()
        self.notices.watch_loop(loop, self.runtime.thread_id)
        return self.run(open_owned, manager)

    def make(self, factory: Any, *args: Any, **kwargs: Any) -> Any:
        """Construct an object in the loop thread (anyio objects need it)."""
        return self.runtime.make(factory, *args, **kwargs)

    def flush_app_log(self) -> None:
        self.app_log.flush_to_robot(self.masker)

    # -- looking things up ------------------------------------------------------------
    def target(self, alias: str | None = None) -> Target:
        return self.clients.get(alias).target

    def stream_target(self, stream: LiveStream) -> Target | None:
        opened = self.clients.find(stream.client)
        return opened.target if opened is not None else None

    def fake(self, name: str | None = None) -> FakeUpstream:
        installed = self.fakes.get(name)
        if installed.fake is None:
            raise UsageError(
                f"'{self.fakes.resolve(name)}' puts a plain value in place of "
                f"{installed.dependency_path}; it records no calls. Use a fake for that."
            )
        return installed.fake

    # -- the last response: of this test, from a client still open ------------------------
    def remember(self, alias: str, response: ApiResponse) -> None:
        self._last = (alias, response)

    def last_response(self) -> ApiResponse:
        if self._last is None:
            where = "in this test" if self.in_test else "yet"
            raise UsageError(f"No response has been received {where}; send a request first.")
        return self._last[1]

    def forget_responses(self, alias: str | None = None) -> None:
        """Forget the last response: at a test's start and end, or when its client closes."""
        if alias is None or (self._last is not None and self._last[0] == alias):
            self._last = None

    # -- ending what the library owns ----------------------------------------------------
    def release_stream(self, name: str) -> None:
        stream = self.streams.pop(name)
        self.run(stream.release)

    def remove_fake(self, name: str) -> None:
        installed = self.fakes.pop(name)
        if installed.fake is not None:
            self.run(call_in_loop, installed.fake.shutdown)
        if installed.restore is not None:
            installed.restore()
            logger.info(f"Removed '{name}'; {installed.dependency_path} is real again.")
            return
        if installed.closer is not None:
            self.run(installed.closer.close)
            logger.info(f"Stopped the fake OpenAI server '{name}'.")
            return
        overrides = getattr(installed.target.user_app, "dependency_overrides", {})
        overrides.pop(installed.dependency, None)
        logger.info(f"Removed fake '{name}'; {installed.dependency_path} is real again.")

    def close_client(self, alias: str) -> None:
        """Close a client: its streams, the fakes in its app, then the app's shutdown."""
        opened = self.clients.pop(alias)
        self.forget_responses(alias)
        for name, stream in self.streams.items():
            if stream.client == alias:
                self.release_stream(name)
        for name, installed in self.fakes.items():
            if installed.target is opened.target:
                self.remove_fake(name)
        self.run(opened.closer.close)
        work = self.run(call_in_loop, opened.target.work_left)
        if work:
            sentence = (f"The app of client '{alias}' left work running after its shutdown, "
                        f"now cancelled: {'; '.join(work)}.")
            if self.in_test and self.settings.leak_check == "fail":
                raise ExpectationFailed(self.masker.text(sentence))
            logger.warn(self.masker.text(sentence))
        logger.info(f"Closed {opened.target.describe()}.")

    def close_clients(self) -> None:
        """Close every client, each even if closing another failed; the first failure is
        raised once all are closed."""
        failures = []
        for alias in self.clients:
            try:
                self.close_client(alias)
            except Exception as exc:  # the others still get their shutdown
                failures.append(exc)
        if failures:
            raise failures[0]

    def close_everything(self) -> None:
        try:
            self.close_clients()
        finally:
            for name in self.fakes:
                self.remove_fake(name)

    def shutdown(self) -> None:
        """Close everything and stop the loop; at the end of the run."""
        try:
            self.close_everything()
        except Exception as exc:  # keep going: the loop must stop regardless
            logger.warn(f"Closing the clients and fakes failed: {exc}")
        finally:
            self.runtime.close()
            self.app_log.detach()
            self._tell_outside_tests()
            self.notices.uninstall()

    # -- detectors, checked at the end of every test -------------------------------------
    def new_test(self) -> None:
        """A test starts: a fresh window for what the detectors saw."""
        self.in_test = True
        self.forget_responses()
        if self.runtime.watchdog is not None:
            self.runtime.watchdog.reset()
        self.notices.install()
        self._tell_outside_tests()

    def _tell_outside_tests(self) -> None:
        """Notices from between tests (setups, teardowns, shutdowns) go to the log."""
        for notice in self.notices.take():
            logger.warn(f"Outside any test: {self.masker.text(notice)}")

    def not_the_app_since(self, moment: float) -> None:
        """Loop blocks from ``moment`` on were the library's own work, not the app's."""
        if self.runtime.watchdog is not None:
            self.runtime.watchdog.forget_since(moment)

    def ignore_findings(self) -> list[str]:
        """With the check off: what the detectors collected is dropped, nothing cancelled."""
        self.notices.take()
        return []

    def findings(self) -> list[str]:
        """What the detectors saw in this test that breaks a client's limits."""
        found = [f"made Python report {self.masker.text(n)}" for n in self.notices.take()]
        found += [self.masker.text(told) for stream in self.streams.values()
                  for told in (after_end(stream), unread_violations(stream)) if told]
        work = [w for o in self.clients.values() if o.target.tracker is not None
                for w in self.run(call_in_loop, o.target.tracker.work_left)]
        if work:
            found.append(f"left work running after its request: {'; '.join(work)}")
        limits = [o.loop_block_limit for o in self.clients.values() if o.loop_block_limit]
        watchdog = self.runtime.watchdog
        if not limits or watchdog is None:
            return found
        limit = min(limits)
        over = [block for block in watchdog.window()[1] if block.seconds > limit]
        if over:
            worst = max(over, key=lambda block: block.seconds)
            found.append(f"blocked the event loop for {worst} (limit {duration(limit)})")
        return found

    # -- leak accounting ------------------------------------------------------------------
    def leftovers(self, settle: bool = True) -> list[str]:
        """What the test left behind, after the handlers of its disconnects had a moment."""
        if settle:
            trackers = [opened.target.tracker for opened in self.clients.values()]
            ending = core.ending_handlers(self.streams.values(), trackers)
            closing = [s for s in self.streams.values() if s.finishing and s.state == "open"]
            starters = [starter for tracker in trackers if tracker is not None
                        for starter in tracker.started]
            if ending or closing or starters:
                self.run(core.settle_disconnects, ending, closing, SETTLE, starters)
        return core.find_leftovers(self.streams.items(), self.fakes.items(),
                                   self.clients.items())

    def release_test_streams(self) -> None:
        """Streams belong to the test that started them: at its end they are let go."""
        for name, stream in self.streams.items():
            if stream.in_test:
                self.release_stream(name)

    def release_leftovers(self) -> None:
        """Free every stream, and the fakes and clients the test itself made.

        Handlers still running are blamed on this test alone: they, and the handlers of
        the streams released here, are never reported against a later test.
        """
        setup = {stream.request_id for stream in self.streams.values() if not stream.in_test}
        self.release_test_streams()
        core.mark_reported((opened.target.tracker for opened in self.clients.values()), setup)
        for name, installed in self.fakes.items():
            if installed.installed_in_test:
                self.remove_fake(name)
        for alias, opened in self.clients.items():
            if opened.opened_in_test:
                self.close_client(alias)

