"""Dotted paths into JSON documents: ``detail.0.loc`` or ``choices.0.delta.content``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .display import json_text
from .errors import ExpectationFailed, UsageError


def lookup(document: Any, path: str) -> Any:
    """Follow ``path`` (keys and list indexes separated by dots) into ``document``."""
    if not isinstance(path, str) or not path.strip():
        raise UsageError("A JSON field path must not be empty; use e.g. 'detail.0.msg'.")
    current = document
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and _is_index(part, len(current)):
            current = current[int(part)]
        else:
            where = ".".join(walked) or "the top level"
            raise ExpectationFailed(
                f"JSON field '{path}' does not exist: no '{part}' at {where} "
                f"(found {_shape(current)})."
            )
        walked.append(part)
    return current


def _is_index(part: str, length: int) -> bool:
    return part.lstrip("-").isdigit() and -length <= int(part) < length


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:8])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"the value {json_text(value, 60)}"


def same_value(actual: Any, expected: Any) -> bool:
    """True if ``actual`` equals ``expected``, or Robot's text of it (``3`` matches ``${3}``)."""
    if actual == expected:
        return True
    if isinstance(expected, str) and not isinstance(actual, str):
        return expected in (str(actual), json.dumps(actual))
    return False


def plain(value: Any) -> Any:
    """A value as JSON sees it: Pydantic models and dataclasses become dictionaries."""
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def json_matches(actual: Any, expected: Any) -> bool:
    """True if ``actual`` has what ``expected`` says: objects by their expected fields
    (more fields are fine), lists item by item, scalars equal or equal as text."""
    actual = plain(actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and json_matches(actual[key], value) for key, value in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list | tuple) and len(actual) == len(expected)
                and all(json_matches(a, e) for a, e in zip(actual, expected, strict=True)))
    return same_value(actual, expected) or str(actual) == str(expected)


def shown_json(value: Any) -> str:
    """A value in JSON spelling for a message (``true``, ``null``, double quotes)."""
    try:
        return json.dumps(plain(value), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
