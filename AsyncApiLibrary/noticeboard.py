"""What Python itself says about the app's async code gone wrong, collected per test.

Coroutines never awaited (``RuntimeWarning``), resources never closed
(``ResourceWarning``), exceptions nobody could raise (``sys.unraisablehook``: an error in
a ``__del__`` or a finalizer) and what the loop reports on its own ("Task exception was
never retrieved", "Task was destroyed but it is pending") normally go to stderr, where no
report reader looks. While Robot runs the library's tests, those raised on the library's
loop thread, where the app runs, come here instead, and the end-of-test check reports them
against the test, as ``leak_check`` says. What the test's own code or another library
causes on Robot's thread is left as Python shows it.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import warnings
from typing import Any

from .apps import importing_an_app

_NEVER_AWAITED = r"coroutine .* was never awaited"


class Noticeboard:
    """Hooks for warnings, unraisable exceptions and one loop's exception handler."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notices: list[str] = []
        self._installed = False
        self._previous: dict[str, Any] = {}
        self._thread: int | None = None  # the loop thread: the app's code runs there

    def watch_loop(self, loop: asyncio.AbstractEventLoop, thread_id: int) -> None:
        """Take what the library's loop reports, from the moment it runs an app; only what
        happens on its thread (the app's code) is collected at all."""
        self._thread = thread_id
        if loop.get_exception_handler() is None:
            loop.set_exception_handler(self._loop_exception)

    def install(self) -> None:
        """Start collecting warnings and unraisable errors (once, while Robot runs tests)."""
        if self._installed:
            return
        self._installed = True
        self._previous = {"showwarning": warnings.showwarning,
                          "unraisablehook": sys.unraisablehook,
                          "filters": list(warnings.filters)}
        warnings.filterwarnings("always", category=ResourceWarning)
        warnings.filterwarnings("always", message=_NEVER_AWAITED, category=RuntimeWarning)
        warnings.showwarning = self._show
        sys.unraisablehook = self._unraisable

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        warnings.showwarning = self._previous["showwarning"]
        sys.unraisablehook = self._previous["unraisablehook"]
        warnings.filters[:] = self._previous["filters"]

    def take(self) -> list[str]:
        """The notices since the last ``take``: the ones of the test that just ended."""
        with self._lock:
            notices, self._notices = self._notices, []
        return notices

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self._notices:
                self._notices.append(text)

    def _mine(self) -> bool:
        """On the loop thread, or in a thread importing the app (its module-level code)."""
        if self._thread is not None and threading.get_ident() == self._thread:
            return True
        return importing_an_app()

    def _show(self, message: Any, category: type[Warning], filename: str, lineno: int,
              file: Any = None, line: str | None = None) -> None:
        wanted = issubclass(category, ResourceWarning) or (
            issubclass(category, RuntimeWarning) and "was never awaited" in str(message))
        if wanted and self._mine():
            self._note(f"{category.__name__}: {message} ({filename}:{lineno})")
        else:
            self._previous["showwarning"](message, category, filename, lineno, file, line)

    def _unraisable(self, unraisable: Any) -> None:
        if not self._mine():
            self._previous["unraisablehook"](unraisable)
            return
        error = unraisable.exc_value
        where = f" in {unraisable.object!r}" if unraisable.object is not None else ""
        shown = f"{type(error).__name__}: {error}" if error is not None else "an exception"
        self._note(f"{shown} was raised where nothing could catch it{where}")

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        detail = f": {type(error).__name__}: {error}" if error is not None else ""
        task = context.get("task") or context.get("future")
        what = f" ({_task_name(task)})" if task is not None else ""
        self._note(f"{context.get('message', 'the event loop reported an error')}{what}{detail}")


def _task_name(task: Any) -> str:
    coro = getattr(task, "get_coro", lambda: None)()
    name = getattr(coro, "__qualname__", None) or getattr(task, "get_name", lambda: "")()
    return f"task {name}" if name else repr(task)
