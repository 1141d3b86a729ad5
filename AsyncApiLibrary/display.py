"""How values are shown in log lines and failure messages: decoded, quoted, clipped."""

from __future__ import annotations

import json
from typing import Any

from .masking import mask, mask_body

BODY_LOG = 2000  # characters of a body shown at DEBUG


def clip(content: bytes | str, limit: int = BODY_LOG) -> str:
    """A body as text for a message: decoded, masked, and cut at ``limit`` characters;
    a JSON object or array as it is (``{"detail": "..."}``), other text quoted. Masked
    before it is cut: a credential cut in half is no longer one the masker knows, and its
    first half would show."""
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    text = mask_body(text)
    cut = text if len(text) <= limit else text[:limit] + "..."
    return cut if _json_document(text) else repr(cut)


def _json_document(text: str) -> bool:
    """Whether ``text`` is a JSON object or array (what a body usually is)."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def short(value: Any, limit: int = 120) -> str:
    """A value's text, masked, quoted and cut to ``limit`` characters (masked first, as
    in `clip`)."""
    text = mask(str(value))
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def json_text(value: Any, limit: int = 120) -> str:
    """A JSON value as JSON shows it (``"text"``, ``3``, ``null``, ``{"a": [1]}``), cut to
    ``limit`` characters; what JSON cannot hold is shown as its text."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected_text(value: Any, limit: int = 120) -> str:
    """An expected value a test gave, as JSON: text that is JSON (``5``, ``true``) as that
    value, other text as a JSON string."""
    if isinstance(value, str):
        try:
            return json_text(json.loads(value), limit)
        except ValueError:
            pass
    return json_text(value, limit)
