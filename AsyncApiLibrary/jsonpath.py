"""Dotted paths into JSON documents: ``detail.0.loc`` or ``choices.0.delta.content``."""

from __future__ import annotations

import json
from typing import Any

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
    return f"the value {value!r}"


def same_value(actual: Any, expected: Any) -> bool:
    """True if ``actual`` equals ``expected``, or Robot's text of it (``3`` matches ``${3}``)."""
    if actual == expected:
        return True
    if isinstance(expected, str) and not isinstance(actual, str):
        return expected in (str(actual), json.dumps(actual))
    return False
