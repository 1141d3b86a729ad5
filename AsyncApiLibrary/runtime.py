"""One event loop per library instance, running in a background thread.

Robot Framework calls keywords synchronously from its main thread. Each keyword submits
exactly one coroutine to the loop through an anyio blocking portal and waits for it. If the
wait is interrupted (a Robot ``[Timeout]`` raises in the main thread, or Ctrl-C), the
coroutine is cancelled before the exception propagates, so no work keeps running unseen.
"""

from __future__ import annotations

import asyncio
import atexit
import math
import signal
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from . import tasks
from .errors import AsyncApiError, DeadlineExceeded, UsageError
from .watchdog import LoopWatchdog

T = TypeVar("T")

_CANCEL_WAIT = 5.0
# How far past its deadline a keyword's outcome may come before the loop counts as blocked
# (timers on a loaded machine run a little late; an app that blocks the loop holds them for
# as long as it blocks), and how long past it the waiting side gives up on a loop that does
# not answer at all.
LATE_TOLERANCE = 0.25
LATE_GRACE = 0.5
_SIGNAL_CHECK = 0.05
_CAN_MASK = hasattr(signal, "pthread_sigmask")
# The signals that interrupt a waiting keyword: Robot's timeouts (SIGALRM), Ctrl-C and
# stop requests (SIGINT, SIGTERM, SIGHUP) and the user signals. Masking a short list is
# ~15x cheaper than masking every signal, and this runs once per keyword.
_MASKABLE = {getattr(signal, name) for name in ("SIGALRM", "SIGINT", "SIGTERM", "SIGHUP",
                                                "SIGUSR1", "SIGUSR2") if hasattr(signal, name)}
_live_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()


class Runtime:
    """Owns the background event loop and runs coroutines on it."""

    def __init__(self) -> None:
        self._portal_cm: Any = None
        self._portal: BlockingPortal | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._watchdog: LoopWatchdog | None = None
        self.thread_id: int | None = None  # the loop thread's, once it runs

    @property
    def portal(self) -> BlockingPortal:
        return self._started()[0]

    def _started(self) -> tuple[BlockingPortal, asyncio.AbstractEventLoop]:
        """The portal and its loop, started on first use; refuses once closed."""
        with self._lock:
            if self._closed:
                raise UsageError("The library's event loop has already been shut down.")
            if self._portal is None:
                self._portal_cm = start_blocking_portal(backend="asyncio")
                self._portal = self._portal_cm.__enter__()
                self._loop = self._portal.call(_running_loop)
                self.thread_id = self._portal.call(_thread_id)
                _live_runtimes.add(self)
            return self._portal, self._loop

    def run(self, func: Callable[..., Awaitable[T]], *args: Any,
            deadline: float | None = None) -> T:
        """Run ``func(*args)`` on the loop and return its result.

        Any exception raised while waiting (Robot's timeout, KeyboardInterrupt) cancels
        the coroutine, waits briefly for its cancellation to finish, and is re-raised.

        ``deadline`` is the keyword's own deadline in seconds, which the coroutine
        enforces itself. It can only do so while the loop runs: an app that blocks the
        loop (``time.sleep`` in an ``async def``, a loop that never awaits) holds every
        timer. So the waiting side holds the deadline too: a result that the loop
        finished more than ``LATE_TOLERANCE`` seconds after it is refused, and a keyword
        whose loop has not answered ``LATE_GRACE`` seconds after it gives up. Either way it fails with a sentence
        that says the loop was blocked.

        Robot's timeout is a signal handled in the main thread, so it can land on any
        bytecode. The waiting therefore uses only a plain lock, whose ``acquire`` an
        interrupt leaves cleanly: ``Future.result()`` waits on a condition variable
        whose bookkeeping an interrupt at the wrong moment leaves inconsistent.
        """
        outcome: dict[str, Any] = {}
        done = threading.Lock()
        done.acquire()

        async def tracked() -> None:
            outcome["started"] = True
            try:
                outcome["value"] = await func(*args)
            except Exception as exc:
                outcome["error"] = exc
            finally:
                outcome["finished"] = time.monotonic()
                done.release()

        # An interrupt that lands while the work is being handed over would leave it
        # running unseen, so signals wait until the future exists (main thread only) and
        # are let through inside the ``try`` that cancels it.
        # One hop: the coroutine becomes a task on the portal's loop directly (the
        # portal's own start_task_soon waits for a second round trip to spawn it).
        loop = self._started()[1]  # before the mask: the loop thread must not inherit it
        blocked = _block_signals()
        try:
            started = time.monotonic()
            future: Future[None] = asyncio.run_coroutine_threadsafe(tracked(), loop)
        except BaseException:
            _restore_signals(blocked)
            raise
        give_up = math.inf if deadline is None else started + deadline + LATE_GRACE
        try:
            _restore_signals(blocked)
            # A signal that arrives just before a blocking acquire is only handled after
            # it returns; a bounded wait in a loop gives the handler its chance.
            while not done.acquire(timeout=_SIGNAL_CHECK):
                if time.monotonic() > give_up:
                    break
        except BaseException as exc:
            future.cancel()
            _wait_cancelled(done, future, outcome)
            single = _single_library_error(exc)
            if single is not None:
                raise single from None
            raise
        if "finished" not in outcome:
            future.cancel()  # taken up whenever the loop runs again
            raise DeadlineExceeded(
                f"The keyword's {deadline:g} s deadline passed while the event loop was "
                f"blocked, and the loop had still not answered {LATE_GRACE:g} s later: the "
                "app runs code that does not await (time.sleep in an async def, or a loop "
                "that never awaits)."
            )
        late = outcome["finished"] - started - deadline if deadline is not None else 0.0
        if late > LATE_TOLERANCE:
            own = outcome.get("error")
            raise DeadlineExceeded(
                f"The keyword's {deadline:g} s deadline passed while the event loop was "
                f"blocked for at least {late:.2f} s, so its outcome is not taken: the app "
                "ran code that does not await (time.sleep in an async def, or a loop that "
                "never awaits)." + (f" Its own outcome was: {own}" if own is not None else "")
            )
        if "error" in outcome:
            error = outcome["error"]
            single = _single_library_error(error)
            if single is not None:
                raise single from None
            raise error
        if "value" not in outcome:
            raise UsageError("The library's event loop stopped before the keyword finished.")
        return outcome["value"]

    def started_loop(self) -> asyncio.AbstractEventLoop:
        """The loop, started if it was not yet."""
        return self._started()[1]

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop, if it has started."""
        return self._loop

    @property
    def watchdog(self) -> LoopWatchdog | None:
        """The loop's watchdog, once an app runs on the loop (see ``watch``)."""
        return self._watchdog

    def watch(self) -> LoopWatchdog:
        """Start watching the loop for blocks (once): an app is about to run on it."""
        if self._watchdog is None:
            loop = self._started()[1]
            self._watchdog = LoopWatchdog(loop, self.thread_id)
            self._watchdog.start()
            tasks.install(loop)
        return self._watchdog

    def make(self, factory: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Construct ``factory(*args, **kwargs)`` in the loop thread (anyio objects need it)."""

        async def build() -> T:
            return factory(*args, **kwargs)

        return self.run(build)

    def close(self) -> None:
        """Stop the loop. Tasks still running are cancelled first."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            portal, cm = self._portal, self._portal_cm
            self._portal = self._portal_cm = None
        if self._watchdog is not None:
            self._watchdog.stop()
        if portal is None:
            return
        try:
            portal.call(portal.stop, True)
        finally:
            cm.__exit__(None, None, None)


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def _thread_id() -> int:
    return threading.get_ident()


def _wait_cancelled(done: threading.Lock, future: Future[None], outcome: dict) -> None:
    """Give a cancelled keyword coroutine time to run its cleanup (bounded)."""
    deadline = time.monotonic() + _CANCEL_WAIT
    while not done.acquire(timeout=0.01):
        if future.done() and "started" not in outcome:
            return  # cancelled before it ever ran: nothing to clean up
        if time.monotonic() > deadline:
            return


def _block_signals() -> Any:
    if not _CAN_MASK or threading.current_thread() is not threading.main_thread():
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _MASKABLE)


def _restore_signals(previous: Any) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _single_library_error(exc: BaseException) -> BaseException | None:
    """A task group wraps errors in groups; a group holding one library error is that error."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, AsyncApiError):
        return exc
    return None


def _close_leftover_runtimes() -> None:
    """A portal left open would keep the interpreter alive after the last test."""
    for runtime in list(_live_runtimes):
        runtime.close()


# Non-daemon threads are joined before ``atexit`` handlers run, so the guard must run
# earlier, among threading's own exit hooks (last registered runs first).
_register = getattr(threading, "_register_atexit", atexit.register)
_register(_close_leftover_runtimes)
