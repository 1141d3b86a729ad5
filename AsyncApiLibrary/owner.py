"""An async context manager (a client, a server) held open by a task of its own.

Anything that owns a task group must be entered and exited in the same task. A keyword
opens it through :func:`open_owned`, which runs on the loop like any keyword coroutine:
if the keyword is interrupted while the manager starts (a Robot ``[Timeout]``, Ctrl-C),
the start is cancelled and nothing is left running, not even a half-started server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio


class Owner:
    """Holds ``manager`` entered until :meth:`close`; made on the loop by ``open_owned``."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self._ready = anyio.Event()
        self._close = anyio.Event()
        self._done = anyio.Event()
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def _hold(self) -> None:
        try:
            async with self.manager:
                self._ready.set()
                await self._close.wait()
        except BaseException as exc:  # kept for the opener or the closer: this task is ours
            self._error = exc
        finally:
            self._ready.set()
            self._done.set()

    async def close(self) -> None:
        """Exit the manager in its own task and wait for it; its exit errors are raised."""
        self._close.set()
        with anyio.CancelScope(shield=True):
            await self._done.wait()
        error, self._error = self._error, None
        if error is not None:
            raise error


async def open_owned(manager: Any) -> Owner:
    """Enter ``manager`` in a task of its own and return its owner once it is entered."""
    owner = Owner(manager)
    owner._task = asyncio.get_running_loop().create_task(owner._hold())
    try:
        await owner._ready.wait()
    except BaseException:  # the keyword gave up: stop the start, leave nothing behind
        owner._task.cancel()
        with anyio.CancelScope(shield=True):
            await owner._done.wait()
        raise
    if owner._error is not None:
        error, owner._error = owner._error, None
        raise error
    return owner
