"""How values are shown in log lines and failure messages: decoded, quoted, clipped."""

from __future__ import annotations

from typing import Any

BODY_LOG = 2000  # characters of a body shown at DEBUG


def clip(content: bytes, limit: int = BODY_LOG) -> str:
    """A body as text for a message: decoded, quoted, and cut at ``limit`` characters."""
    text = content.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def short(value: Any, limit: int = 120) -> str:
    """A value's text, quoted and cut to ``limit`` characters."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
