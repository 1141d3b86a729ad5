"""Work the app starts outside any task group, and which of it outlives what started it.

A task factory on the library's loop sees every task created there. While a request (or
the app's startup and shutdown) runs, a context variable names it as the starter, so a
task it creates with ``asyncio.create_task`` and leaves to run on its own is attributed
to it. Tasks spawned into a task group (anyio's or asyncio's) are the structured kind
whose group waits for them, and are not counted. A counted task still running when its
request's cleanup is checked, or after the app shut down, is work that outlived its
starter: a close fired and forgotten, a job started outside the lifespan's task group.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .watchdog import app_frame

STARTER: ContextVar[Starter | None] = ContextVar("asyncapi_starter", default=None)
_GROUPS = (("anyio", "_backends"), ("asyncio", "taskgroups.py"))
_DEPTH = 8  # frames above the factory searched for a task group's spawn


@dataclass(eq=False)
class Starter:
    """A request, or the app's startup and shutdown, and the free tasks it started.

    The tasks are held weakly: a task nobody else keeps is collected as it would be
    without the library, so Python can still say that its exception was never retrieved,
    or that it was destroyed while pending.
    """

    label: str
    tasks: list[tuple[weakref.ref[asyncio.Task[Any]], str]] = field(default_factory=list)

    def _pending(self) -> list[tuple[asyncio.Task[Any], str]]:
        return [(task, where) for ref, where in self.tasks
                if (task := ref()) is not None and not task.done()]

    def running(self) -> list[str]:
        """The started tasks that are still running, as phrases."""
        return [f"{_name(task)} (started at {where} by {self.label})"
                for task, where in self._pending()]

    def cancel_running(self) -> None:
        for task, _ in self._pending():
            task.cancel()
        self.tasks.clear()

    async def wait_running(self, limit: float) -> None:
        """Give the started tasks up to ``limit`` seconds to finish."""
        pending = [task for task, _ in self._pending()]
        if pending and limit > 0:
            await asyncio.wait(pending, timeout=limit)


def install(loop: asyncio.AbstractEventLoop) -> None:
    """Put the counting task factory on ``loop`` (once), keeping any factory it had."""
    previous = loop.get_task_factory()
    if getattr(previous, "asyncapi_counting", False):
        return

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = (previous(loop, coro, **kwargs) if previous is not None
                else asyncio.Task(coro, loop=loop, **kwargs))
        starter = STARTER.get()
        if starter is not None and not _spawned_into_a_group():
            starter.tasks.append((weakref.ref(task), app_frame(sys._getframe(1)) or "an unknown place"))
        return task

    factory.asyncapi_counting = True  # type: ignore[attr-defined]
    loop.set_task_factory(factory)


def _spawned_into_a_group() -> bool:
    frame = sys._getframe(2)
    for _ in range(_DEPTH):
        if frame is None:
            return False
        path = frame.f_code.co_filename
        if any(a in path and b in path for a, b in _GROUPS):
            return True
        frame = frame.f_back
    return False


def _name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", None) or task.get_name()
    return f"task {name}()"
