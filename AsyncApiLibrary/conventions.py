"""How a stream says it is finished, and how it says it failed: its conventions.

Done: an event name (``event:done``), a data sentinel (``data:[DONE]``; ``openai`` is
that), or ``end``: the stream simply ends, as some providers' streams do. Error: an event
name (``event:error``), ``openai`` (a JSON chunk with an ``error`` key), or ``json:PATH``
(a JSON chunk in which that field is present). Either is set for the library, a client
or a stream, and every message that depends on one quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import ExpectationFailed, UsageError
from .jsonpath import lookup

if TYPE_CHECKING:
    from .items import StreamItem


@dataclass(frozen=True)
class DoneRule:
    """How a stream says it is finished."""

    kind: Literal["event", "data", "end"]
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> DoneRule:
        spec = str(text).strip()
        if spec.lower() == "openai":
            return cls("data", "[DONE]")
        if spec.lower() == "end":
            return cls("end")
        kind, colon, value = spec.partition(":")
        if colon and kind in ("event", "data") and value:
            return cls(kind, value)  # type: ignore[arg-type]
        raise UsageError(
            f"Done convention '{text}' is unknown; use 'event:NAME', 'data:TEXT', 'openai' "
            "or 'end'."
        )

    def matches(self, item: StreamItem) -> bool:
        if self.kind == "data":
            return item.data.strip() == self.value
        if self.kind == "event":
            return item.name == self.value
        return item.kind == "end"

    def __str__(self) -> str:
        return "end" if self.kind == "end" else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class ErrorRule:
    """How a stream says it failed."""

    kind: Literal["event", "openai", "json"]
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> ErrorRule:
        spec = str(text).strip()
        if spec.lower() == "openai":
            return cls("openai", "error")
        kind, colon, value = spec.partition(":")
        if colon and kind in ("event", "json") and value:
            return cls(kind, value)  # type: ignore[arg-type]
        raise UsageError(
            f"Error convention '{text}' is unknown; use 'event:NAME', 'openai' or 'json:PATH'."
        )

    def matches(self, item: StreamItem) -> bool:
        if self.kind == "event":
            return item.name == self.value
        if item.kind == "end" or not item.data.lstrip().startswith("{"):
            return False
        try:
            return lookup(item.json, self.value) is not None
        except ExpectationFailed:
            return False

    def __str__(self) -> str:
        if self.kind == "openai":
            return 'openai (a chunk {"error": ...})'
        return f"{self.kind}:{self.value}"
