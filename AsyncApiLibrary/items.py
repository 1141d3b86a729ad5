"""What a stream delivers: items (chunks, lines, events) and the rule that says "done"."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .display import short
from .errors import ExpectationFailed, UsageError
from .masking import mask

StreamFormat = Literal["sse", "lines", "raw"]

_MISSING = object()


@dataclass(slots=True, repr=False)
class StreamItem:
    """One chunk, line or SSE event, with the time it arrived.

    In Robot: ``${item.data}``, ``${item.event}``, ``${item.id}``, ``${item.json}``,
    ``${item.index}``, ``${item.offset_ms}``.
    """

    index: int
    kind: Literal["chunk", "line", "event"]
    data: str
    arrived: float
    offset_ms: float = 0.0
    event: str = ""
    id: str = ""
    retry: int | None = None
    raw: bytes = b""
    _json: Any = field(default=_MISSING, repr=False, compare=False)

    @property
    def json(self) -> Any:
        """The item's data parsed as JSON; fails with a clear message if it is not JSON."""
        if self._json is _MISSING:
            try:
                self._json = json.loads(self.data)
            except ValueError:
                raise ExpectationFailed(
                    f"{self.describe().capitalize()} is not JSON: {short(self.data)}."
                ) from None
        return self._json

    @property
    def name(self) -> str:
        """The event name for SSE, else the line's ``event``/``type`` JSON field, else ''."""
        if self.kind == "event":
            return self.event
        if self.kind == "line":
            try:
                value = self.json
            except ExpectationFailed:
                return ""
            if isinstance(value, dict):
                return str(value.get("event", value.get("type", "")))
        return ""

    def describe(self) -> str:
        return f"{self.kind} {self.index}"

    def summary(self) -> str:
        label = f"{self.kind} {self.index}"
        if self.kind == "event":
            label += f" '{self.event}'"
        return f"{label}: {short(self.data, 60)}"

    def __str__(self) -> str:
        return mask(self.summary())

    __repr__ = __str__  # how Robot shows it in a list or an assignment line


@dataclass(frozen=True)
class DoneRule:
    """How a stream says it is finished: an event name, or a data sentinel."""

    kind: Literal["event", "data"]
    value: str

    @classmethod
    def parse(cls, text: str) -> DoneRule:
        spec = str(text).strip()
        if spec.lower() == "openai":
            return cls("data", "[DONE]")
        kind, colon, value = spec.partition(":")
        if colon and kind in ("event", "data") and value:
            return cls(kind, value)  # type: ignore[arg-type]
        raise UsageError(
            f"Done convention '{text}' is unknown; use 'event:NAME', 'data:TEXT' or 'openai'."
        )

    def matches(self, item: StreamItem) -> bool:
        if self.kind == "data":
            return item.data.strip() == self.value
        return item.name == self.value

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def matches_pattern(item: StreamItem, pattern: str) -> bool:
    """True if the item's name matches ``pattern`` (glob, or ``regexp:...``)."""
    from fnmatch import fnmatchcase

    name = item.name or item.data
    if pattern.startswith("regexp:"):
        try:
            return re.fullmatch(pattern[len("regexp:"):], name) is not None
        except re.error as exc:
            raise UsageError(
                f"Pattern '{pattern}' is not a valid regular expression: {exc}."
            ) from None
    return fnmatchcase(name, pattern)

