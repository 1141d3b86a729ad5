"""How a stream says it is finished, and how it says it failed: its conventions.

Done: an event name (``event:done``), a data sentinel (``data:[DONE]``; ``openai`` is
that), ``end``: the stream simply ends, as some providers' streams do, or a JSON field
(below). Error: an event name (``event:error``), ``openai`` (a JSON chunk with an ``error``
key, or ``"object": "error"`` as older vLLM sends), or a JSON field. A JSON field is
``json:PATH`` (a JSON item in which that field is there and neither null nor false) or
``json:PATH=VALUE`` (that field equals VALUE, read as JSON if it is JSON: ``json:done=true``
for Ollama's last line, ``json:status="error"``). Either is set for the library, a client
or a stream, and every message that depends on one quotes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .errors import ExpectationFailed, UsageError
from .jsonpath import lookup

if TYPE_CHECKING:
    from .items import StreamItem


def _json_field(item: StreamItem, spec: str) -> bool:
    """Whether the item's JSON matches ``PATH`` (there, not null or false) or ``PATH=VALUE``."""
    if item.kind == "end" or not item.data.lstrip().startswith("{"):
        return False
    path, equals, wanted = spec.partition("=")
    try:
        value = lookup(item.json, path.strip())
    except ExpectationFailed:
        return False
    if not equals:
        return value is not None and value is not False
    expected = _json_value(wanted)
    return value == expected and isinstance(value, bool) == isinstance(expected, bool)


def _json_value(text: str) -> Any:
    """VALUE of ``json:PATH=VALUE``: JSON if it is (``True``, ``False``, ``None`` as Robot
    writes them too), else the text itself."""
    text = text.strip()
    spelled = {"true": True, "false": False, "none": None, "null": None}
    if text.lower() in spelled:
        return spelled[text.lower()]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _json_rule(value: str) -> bool:
    """Whether ``json:`` is followed by a path (``PATH`` or ``PATH=VALUE``)."""
    return bool(value.partition("=")[0].strip())


@dataclass(frozen=True)
class DoneRule:
    """How a stream says it is finished."""

    kind: Literal["event", "data", "end", "json"]
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> DoneRule:
        spec = str(text).strip()
        if spec.lower() == "openai":
            return cls("data", "[DONE]")
        if spec.lower() == "end":
            return cls("end")
        kind, colon, value = spec.partition(":")
        if colon and kind in ("event", "data") and value or kind == "json" and _json_rule(value):
            return cls(kind, value)  # type: ignore[arg-type]
        raise UsageError(
            f"Done convention '{text}' is unknown; use 'event:NAME', 'data:TEXT', 'openai', "
            "'end', 'json:PATH' or 'json:PATH=VALUE'."
        )

    def matches(self, item: StreamItem) -> bool:
        if self.kind == "data":
            return item.data.strip() == self.value
        if self.kind == "event":
            return item.name == self.value
        if self.kind == "json":
            return _json_field(item, self.value)
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
        if colon and kind == "event" and value or kind == "json" and _json_rule(value):
            return cls(kind, value)  # type: ignore[arg-type]
        raise UsageError(
            f"Error convention '{text}' is unknown; use 'event:NAME', 'openai', 'json:PATH' "
            "or 'json:PATH=VALUE'."
        )

    def matches(self, item: StreamItem) -> bool:
        if self.kind == "event":
            return item.name == self.value
        if self.kind == "openai":
            return _json_field(item, "error") or _json_field(item, 'object="error"')
        return _json_field(item, self.value)

    def __str__(self) -> str:
        if self.kind == "openai":
            return 'openai (a chunk {"error": ...})'
        return f"{self.kind}:{self.value}"
