"""The state one library instance keeps between keywords, and how keywords reach the loop."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from robot.api import logger

from .errors import UsageError
from .fakes import FakeUpstream
from .httpclient import httpx
from .items import DoneRule
from .masking import Masker
from .runtime import Runtime
from .streams import LiveStream
from .targets import Target


class AppLogCollector(logging.Handler):
    """Collects log records emitted in the loop thread (app errors, uvicorn) for Robot.

    Robot only accepts log messages from its main thread, so records are queued here and
    written to the log after the keyword's coroutine returns.
    """

    LOGGERS = ("AsyncApiLibrary", "uvicorn.error")

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: deque[logging.LogRecord] = deque(maxlen=200)

    def emit(self, record: logging.LogRecord) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.records.append(record)

    def attach(self) -> None:
        for name in self.LOGGERS:
            log = logging.getLogger(name)
            log.addHandler(self)
            log.setLevel(logging.INFO)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)


@dataclass
class OpenTarget:
    target: Target
    closer: Any
    opened_in_test: bool


@dataclass
class InstalledFake:
    """A fake in place of an app dependency (``target`` set) or serving HTTP (``closer`` set)."""

    fake: FakeUpstream
    target: Target | None
    dependency: Any
    dependency_path: str
    installed_in_test: bool
    closer: Any = None


@dataclass
class LibraryState:
    timeout: float = 10.0
    done: DoneRule = field(default_factory=lambda: DoneRule("event", "done"))
    buffer_size: int = 64
    leak_check: str = "warn"
    runtime: Runtime = field(default_factory=Runtime)
    masker: Masker = field(default_factory=Masker)
    targets: dict[str, OpenTarget] = field(default_factory=dict)
    current_target: str | None = None
    streams: dict[str, LiveStream] = field(default_factory=dict)
    stream_targets: dict[str, Target] = field(default_factory=dict)
    current_stream: str | None = None
    fakes: dict[str, InstalledFake] = field(default_factory=dict)
    current_fake: str | None = None
    last_response: Any = None
    in_test: bool = False
    app_log: AppLogCollector = field(default_factory=AppLogCollector)
    counter: int = 0

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def seconds(value: timedelta | float | None, default: float, what: str = "Timeout") -> float:
    """A positive number of seconds from Robot's timedelta (``2s``, ``500ms``)."""
    if value is None:
        return default
    number = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if number <= 0:
        raise UsageError(f"{what} must be positive, got {_shown(value)}.")
    return number


def _shown(value: Any) -> str:
    if isinstance(value, timedelta):
        return f"{value.total_seconds():g} seconds"
    return repr(value)


class KeywordGroup:
    """Base of the keyword classes: shared state and a way to run one coroutine."""

    def __init__(self, state: LibraryState) -> None:
        self.state = state

    def _run(self, func: Any, *args: Any) -> Any:
        try:
            return self.state.runtime.run(func, *args)
        finally:
            self._flush_app_log()

    def _flush_app_log(self) -> None:
        records = self.state.app_log.records
        while records:
            record = records.popleft()
            message = self.state.masker.text(record.getMessage())
            level = "WARN" if record.levelno >= logging.WARNING and not record.exc_info else "INFO"
            logger.write(message, level)
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                logger.debug(self.state.masker.text(text))

    def _target(self, alias: str | None = None) -> Target:
        state = self.state
        if not state.targets:
            raise UsageError(
                "No app or service is open; use 'Open App' or 'Open Url' first."
            )
        name = alias if alias is not None else state.current_target
        if name not in state.targets:
            known = ", ".join(sorted(state.targets))
            raise UsageError(f"No client is open with the alias '{name}'; open ones: {known}.")
        return state.targets[name].target

    def _build(self, target: Target, method: str, path: str, json_body: Any,
               data: Any, params: Any, headers: Any) -> httpx.Request:
        if not isinstance(method, str) or not method.isalpha():
            raise UsageError(f"HTTP method '{method}' is not valid; use e.g. GET or POST.")
        if not str(path).startswith("/"):
            raise UsageError(f"Path '{path}' must start with '/'.")
        if json_body is not None and data is not None:
            raise UsageError("Give either 'json' or 'data' as the body, not both.")
        return target.client.build_request(
            method.upper(), target.url_for(str(path)), json=json_body, data=data,
            params=params, headers=headers,
        )
