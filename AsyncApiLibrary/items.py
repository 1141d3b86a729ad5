"""What a stream delivers: items (chunks, lines, events), and matching them by name."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .conventions import DoneRule  # re-exported: stream items and their done rule
from .display import short
from .errors import ExpectationFailed, UsageError
from .masking import mask

StreamFormat = Literal["sse", "lines", "raw"]
__all__ = ["DoneRule", "ReadItems", "StreamFormat", "StreamItem", "matches_pattern"]

_MISSING = object()


@dataclass(slots=True, repr=False)
class StreamItem:
    """One chunk, line, SSE event or WebSocket message, with the time it arrived.

    In Robot: ``${item.data}``, ``${item.event}``, ``${item.id}``, ``${item.json}``,
    ``${item.index}``, ``${item.offset_ms}``.
    """

    index: int
    # "end": a stream that simply ended; "message"/"binary": a WebSocket message received
    # (text or bytes); "sent": one the test sent
    kind: Literal["chunk", "line", "event", "end", "message", "binary", "sent"]
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
        if self.kind in ("line", "message", "sent"):
            try:
                value = self.json
            except ExpectationFailed:
                return ""
            if isinstance(value, dict):
                return str(value.get("event", value.get("type", "")))
        return ""

    def describe(self) -> str:
        return f"{self.kind} {self.index}"

    def summary(self, shown: str | None = None) -> str:
        """``event 3 'token': {"index": 3}``: the item and its data (or ``shown``), cut."""
        if self.kind == "end":
            return "the end of the stream"
        label = f"{self.kind} {self.index}"
        if self.kind == "event":
            label += f" '{self.event}'"
        elif self.kind in ("message", "sent") and self.name:
            label += f" '{self.name}'"
        return f"{label}: {short(self.data if shown is None else shown, 60)}"

    def __str__(self) -> str:
        return mask(self.summary())

    __repr__ = __str__  # how Robot shows it in a list or an assignment line


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



class ReadItems(list):
    """The items read up to a stream's done event; ``done`` is the done event itself (it
    often carries usage or the final message). In Robot: ``${items.done.json}``."""

    done: StreamItem | None = None

    @classmethod
    def up_to(cls, items: list[StreamItem], done: StreamItem | None) -> ReadItems:
        read = cls(items)
        read.done = done
        return read
