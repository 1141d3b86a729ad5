"""Scripted, awaitable fakes for an app's async dependencies (an LLM client, say).

A :class:`FakeUpstream` answers *any* method call with a :class:`FakeCall`. Awaiting the
call gives the whole reply (``await llm.complete(...)``); iterating it with ``async for``
yields tokens (``async for token in llm.stream(...)``); ``aclose()`` or ``async with``
closes it. What the fake does is set by a :class:`Script`; every call is recorded with
its arguments, how often it was awaited, when it was closed, and whether it was
cancelled, so tests can assert how the app used it.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.lowlevel

from .errors import UsageError
from .httpclient import httpx
from .script import FAKE_URL, Script, ScriptBook
from .tasks import STARTER


class FakeCall:
    """One call made on a fake: awaitable, async-iterable and closeable."""

    def __init__(self, fake: FakeUpstream, method: str, args: tuple, kwargs: dict) -> None:
        self.fake = fake
        self.method = method
        self.args = args
        self.kwargs = kwargs
        self.number = len(fake.calls) + 1  # among all calls on the fake
        self.number_of_method = 1 + sum(c.method == method for c in fake.calls)
        self.script = fake.book.for_call(method, self.number_of_method, self.number)
        self.called_at = time.perf_counter()
        self.starter = STARTER.get()  # the request that made the call, when tracked
        self.awaited = 0
        self.iterated = False
        self.tokens_sent = 0
        self.closed_at: float | None = None
        self.cancelled = False
        self.cancelled_at: float | None = None
        self.finished = anyio.Event()
        self.closed = anyio.Event()
        self.outcome = "called"

    # -- as a coroutine --------------------------------------------------------------
    def __await__(self) -> Any:
        return self._reply().__await__()

    async def _reply(self) -> Any:
        self.awaited += 1
        parts = []
        async for token in self._tokens():
            parts.append(token)
        return self.script.reply(parts)

    # -- as an async iterator ----------------------------------------------------------
    def __aiter__(self) -> FakeCall:
        return self  # registration as an open stream happens at the first __anext__

    async def __anext__(self) -> Any:
        if self._iterator is None:
            self.iterated = True
            self.fake.open_streams.add(self)
            self._iterator = self._tokens()
        if self.closed_at is not None:
            raise StopAsyncIteration
        return await self._iterator.__anext__()

    _iterator: Any = None

    async def _tokens(self) -> Any:
        script = self.script
        try:
            for position, token in enumerate(script.tokens):
                if script.fail_after is not None and position >= script.fail_after:
                    break
                if script.paced:
                    await self.fake._take_permit()
                self.tokens_sent += 1
                yield token
            if script.hang:
                self.outcome = "hanging"
                await self.fake._removed.wait()
                raise self.fake._removed_error()
            if script.fail_after is not None:
                self.outcome = f"failed ({script.failure})"
                raise script.error()
            self.outcome = "completed"
        except anyio.get_cancelled_exc_class():
            self.mark_cancelled()
            raise
        finally:
            self.finished.set()

    def mark_cancelled(self, outcome: str = "cancelled") -> None:
        """Record that whoever was waiting on this call was cancelled."""
        self.cancelled = True
        self.cancelled_at = time.perf_counter()
        self.outcome = outcome

    async def aclose(self) -> None:
        # A real client's close awaits I/O; so does this one. Code that closes it from a
        # cancelled scope without shielding the cleanup therefore never gets it closed.
        await anyio.lowlevel.checkpoint()
        if self._iterator is not None:
            await self._iterator.aclose()
        if self.closed_at is None:
            self.closed_at = time.perf_counter()
        self.fake.open_streams.discard(self)
        self.finished.set()
        self.closed.set()

    async def __aenter__(self) -> FakeCall:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    def describe(self) -> str:
        args = ", ".join([repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        return f"{self.method}({args})"


class FakeUpstream:
    """An awaitable stand-in for an async dependency, scripted from the test."""

    def __init__(self, name: str = "upstream") -> None:
        self.fake_name = name
        self.book = ScriptBook()
        self.calls: list[FakeCall] = []
        self.open_streams: set[FakeCall] = set()
        self.called = anyio.Event()
        self._permits = 0
        self._permit_added = anyio.Event()
        self._removed = anyio.Event()

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args: Any, **kwargs: Any) -> FakeCall:
            made = FakeCall(self, method, args, kwargs)
            self.calls.append(made)
            self.called.set()
            return made

        return call

    def __repr__(self) -> str:
        return f"<FakeUpstream {self.fake_name}>"

    async def aclose(self) -> None:
        """Lets an app close the fake like a real client; calls stay recorded."""

    @property
    def script(self) -> Script:
        """The default script: what every call does unless one was written for it."""
        return self.book.default

    def set_script(self, script: Script) -> None:
        self.book.default = script
        self._permits = 0

    def release(self, count: int = 1) -> None:
        if count < 1:
            raise UsageError(f"Release count must be 1 or more, got {count}.")
        self._permits += count
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        """Wake every call waiting for a permit: only this swaps the event, so no waiter
        can replace another's and miss a release."""
        woken, self._permit_added = self._permit_added, anyio.Event()
        woken.set()

    async def _take_permit(self) -> None:
        while self._permits <= 0:
            if self._removed.is_set():
                raise self._removed_error()
            await self._permit_added.wait()
        self._permits -= 1

    def shutdown(self) -> None:
        """The test removed the fake: calls still waiting on it fail instead of hanging."""
        self._removed.set()
        self._wake_waiters()

    def _removed_error(self) -> Exception:
        request = httpx.Request("POST", FAKE_URL)
        return httpx.RemoteProtocolError("The fake upstream was removed by the test.",
                                         request=request)

    async def wait_called(self, count: int, timeout: float) -> bool:
        with anyio.move_on_after(timeout):
            while len(self.calls) < count:
                self.called = anyio.Event()
                await self.called.wait()
        return len(self.calls) >= count

    async def wait_closed(self, timeout: float, starter: Any = None) -> list[FakeCall]:
        """Wait until no streamed call is left open; return the calls still open.

        With ``starter`` (a request's): only the calls that request made count, so the
        cleanup of one stream does not wait for another stream's calls."""
        mine = [c for c in self.open_streams if starter is None or c.starter is starter]
        with anyio.move_on_after(timeout):
            for made in mine:
                await made.closed.wait()
        return [c for c in mine if c.closed_at is None]

    def reset(self) -> None:
        self.calls.clear()
        self.open_streams.clear()
        self.book.reset()
        self._permits = 0



async def call_in_loop(func: Any, *args: Any) -> Any:
    """Call a fake's plain method on the loop thread, where its anyio events live."""
    return func(*args)
