"""A watchdog beside the library's loop: how long the loop was blocked, and by which line.

The app runs on the library's loop, in process and under the library's own uvicorn. A
thread pings the loop every few milliseconds (``call_soon_threadsafe``) and measures how
late each ping runs. While a ping is late it samples the loop thread's stack
(``sys._current_frames``) and keeps the innermost frame outside the standard library,
installed packages and this library: the app's own line that blocks. Only this thread
waits; nothing in a test sleeps.
"""

from __future__ import annotations

import asyncio
import functools
import linecache
import os
import sys
import sysconfig
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PING = 0.005  # seconds between two pings
SAMPLE = 0.002  # how often the stack of a loop that is late is sampled
FLOOR = 0.02  # a ping later than this is a block worth naming; less is timer noise
_HERE = str(Path(__file__).resolve().parent)
_SKIPPED = tuple({str(Path(p).resolve()) for key in ("stdlib", "platstdlib", "purelib", "platlib")
                  if (p := sysconfig.get_paths().get(key))} | {_HERE})
UNKNOWN = "a place no sample caught"


@dataclass(frozen=True)
class Block:
    """The loop ran nothing else for ``seconds``, most of that time at ``where``."""

    seconds: float
    where: str
    ended: float = 0.0  # time.monotonic() when the loop answered again

    def __str__(self) -> str:
        return f"{duration(self.seconds)} at {self.where}"


class LoopWatchdog:
    """Watches one loop from a daemon thread; ``window`` is what happened since ``reset``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, thread_id: int) -> None:
        self._loop = loop
        self._thread_id = thread_id
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._blocks: list[Block] = []
        self._longest = 0.0
        self._thread = threading.Thread(target=self._watch, name="asyncapi-loop-watchdog",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def reset(self) -> None:
        """Start a new window (a new test)."""
        with self._lock:
            self._blocks = []
            self._longest = 0.0

    def forget_since(self, moment: float) -> None:
        """Drop what happened from ``moment`` (``time.monotonic()``) on: the library's own
        work on the loop (importing and starting an app, loading its contract)."""
        with self._lock:
            self._blocks = [block for block in self._blocks if block.ended < moment]
            self._longest = max([block.seconds for block in self._blocks],
                                default=min(self._longest, FLOOR))

    def window(self) -> tuple[float, list[Block]]:
        """The longest lag in seconds since ``reset``, and the blocks over ``FLOOR``."""
        with self._lock:
            return self._longest, list(self._blocks)

    def _watch(self) -> None:
        while not self._stop.is_set():
            answered = threading.Event()
            places: Counter[str] = Counter()
            try:
                self._loop.call_soon_threadsafe(self._answered, time.monotonic(), places,
                                                answered)
            except RuntimeError:
                return  # the loop is closed
            while not answered.wait(SAMPLE):
                if self._stop.is_set():
                    return
                where = self._where()
                with self._lock:
                    places[where] += 1
            self._stop.wait(PING)

    def _answered(self, sent: float, places: Counter[str], answered: threading.Event) -> None:
        """Runs on the loop: the lag is recorded before anything the block held up runs,
        so a keyword that the block delayed already finds it in the window."""
        lag = time.monotonic() - sent
        with self._lock:
            self._longest = max(self._longest, lag)
            if lag >= FLOOR:
                known = [(n, w) for w, n in places.items() if w != UNKNOWN]
                self._blocks.append(Block(lag, max(known)[1] if known else UNKNOWN,
                                          time.monotonic()))
        answered.set()

    def _where(self) -> str:
        return app_frame(sys._current_frames().get(self._thread_id)) or UNKNOWN


def app_frame(frame: Any) -> str:
    """The innermost frame of the app's own code from ``frame`` outwards, described as
    ``path:line in function: code`` ('' if there is none)."""
    while frame is not None:
        path = frame.f_code.co_filename
        if _is_app_code(path):
            return _describe(path, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return ""


@functools.lru_cache(maxsize=4096)
def _is_app_code(path: str) -> bool:
    """Code of the app under test: not the standard library, an installed package or ours."""
    return not path.startswith("<") and not os.path.realpath(path).startswith(_SKIPPED)


def _describe(path: str, line: int, function: str) -> str:
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    code = linecache.getline(path, line).strip()
    return f"{shown}:{line} in {function}" + (f": {code}" if code else "")


def duration(seconds: float) -> str:
    """Milliseconds under a second, seconds above."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
