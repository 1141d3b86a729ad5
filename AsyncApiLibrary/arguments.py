"""Checks of keyword arguments shared by every keyword group: durations and requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .errors import UsageError
from .httpclient import httpx
from .targets import Target


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


def build_request(target: Target, method: str, path: str, json_body: Any = None,
                  data: Any = None, params: Any = None, headers: Any = None) -> httpx.Request:
    """The request a keyword sends, after checking what a user could get wrong."""
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
