"""Checks of keyword arguments shared by every keyword group: durations and requests."""

from __future__ import annotations

import ast
import json
import math
import re
from datetime import timedelta
from typing import Any

from .errors import UsageError
from .httpclient import httpx
from .targets import Target

# A deadline: a Robot time string (``2s``, ``500ms``, ``1 min``) or a number of seconds.
# Robot tries ``float`` first, so ``inf`` or ``1e300`` reach ``seconds`` as numbers and are
# refused with a sentence; as ``timedelta`` Robot's own conversion would overflow with a
# raw error. (A library converter would do it too, but Robot rebuilds the converters of a
# library on every keyword call: 0.3 ms each, measured.)
Duration = float | timedelta
LONGEST = 7 * 24 * 3600.0  # a week: longer deadlines are typos, and timers overflow near 1e9 s
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an HTTP header name or method


def seconds(value: timedelta | float | None, default: float, what: str = "Timeout") -> float:
    """A positive, finite number of seconds from Robot's timedelta (``2s``, ``500ms``)."""
    if value is None:
        return default
    try:
        number = value.total_seconds() if isinstance(value, timedelta) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not number > 0:
        raise UsageError(f"{what} must be positive, got {_shown(value)}.")
    if number > LONGEST:
        raise UsageError(f"{what} must be at most a week (604800 s), got {_shown(value)}.")
    return number


def json_value(value: Any) -> Any:
    """A JSON body from what a test gave: JSON text (``{"stream": true}``, ``"hello"``,
    ``null``), a Python or Robot literal (``{'a': True}``), a dictionary, list or scalar;
    text that is none of these is itself the JSON string."""
    if not isinstance(value, str):
        return value
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return value


def _shown(value: Any) -> str:
    if isinstance(value, timedelta):
        return f"{value.total_seconds():g} seconds"
    return repr(value)


def chat_body(message: str | None, field: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a chat: ``{field: message}`` and the extra fields, each read as a
    JSON value (``messages=[{"role": "user", "content": "hi"}]``, ``stream=true``,
    ``max_tokens=5``); without a message, ``messages`` must be given."""
    body = {name: json_value(value) for name, value in fields.items()}
    if message is not None:
        body[field] = message
    elif "messages" not in body:
        raise UsageError(
            "Give a message, or the whole conversation as messages=[{\"role\": \"user\", "
            "\"content\": \"...\"}]."
        )
    return body


def is_token(text: str) -> bool:
    """Whether ``text`` is an HTTP token (a header name, a method, a subprotocol)."""
    return bool(text) and _TOKEN.match(text) is not None


def build_request(target: Target, method: str, path: str, json_body: Any = None,
                  data: Any = None, params: Any = None, headers: Any = None) -> httpx.Request:
    """The request a keyword sends, after checking what a user could get wrong.

    What a real HTTP client refuses is refused here in every mode, so an in-process app
    never receives a request no server could have received.
    """
    if not isinstance(method, str) or not method.isalpha() or not _TOKEN.match(method):
        raise UsageError(f"HTTP method '{method}' is not valid; use e.g. GET or POST.")
    if not str(path).startswith("/"):
        raise UsageError(f"Path '{path}' must start with '/'.")
    if json_body is not None and data is not None:
        raise UsageError("Give either 'json' or 'data' as the body, not both.")
    _check_headers(headers)
    if json_body is not None:
        try:
            json.dumps(json_body, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"The JSON body cannot be sent as JSON: {exc}.") from None
    if "<secret>" in str(path):
        raise UsageError(
            f"Path '{path}' holds '<secret>', which is what a Robot Secret turns into inside "
            "a text; pass the Secret itself as a value of 'params' (or 'headers')."
        )
    try:
        url = target.url_for(str(path))
        if params and url.query:  # httpx would replace the query written in the path
            url, params = url.copy_merge_params(params), None
        return target.client.build_request(
            method.upper(), url, json=json_body, data=data, params=params, headers=headers,
        )
    except httpx.InvalidURL as exc:
        shown = str(path) if len(str(path)) <= 80 else f"{str(path)[:77]}..."
        raise UsageError(f"Path '{shown}' cannot be sent: {exc}.") from None


def _check_headers(headers: Any) -> None:
    if headers is None:
        return
    if not isinstance(headers, dict):
        raise UsageError(f"Headers must be a dictionary, got {type(headers).__name__}.")
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise UsageError(
                f"Header name {name!r} is not valid: a name is letters, digits and "
                "!#$%&'*+-.^_`|~, without spaces."
            )
        text = str(getattr(value, "value", value))  # a Robot Secret's value is checked, not shown
        if any(c in text for c in "\r\n\0"):
            raise UsageError(
                f"The value of header '{name}' holds a line break or NUL, which no HTTP "
                "client sends (it would smuggle in another header)."
            )
        if not text.isascii():
            raise UsageError(
                f"The value of header '{name}' holds characters outside ASCII, which HTTP "
                "headers cannot carry as they are; percent-encode it (or send it in the body)."
            )
        if text == "<secret>":
            raise UsageError(
                f"The value of header '{name}' is '<secret>', which is what a Robot Secret "
                "turns into inside a text; give the Secret itself as the value."
            )
