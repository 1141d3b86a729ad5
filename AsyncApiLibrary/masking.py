"""Keep credentials out of logs: mask sensitive headers and known secret values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
     "x-auth-token", "x-access-token"}
)
MASK = "***"


def secret_value(value: Any) -> str:
    """The plain text of a value that may be a Robot Framework ``Secret``."""
    return str(getattr(value, "value", value))


class Masker:
    """Remembers secret strings and replaces them wherever they would be logged."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, value: Any) -> None:
        text = secret_value(value)
        if len(text) >= 4:
            self._secrets.add(text)

    def text(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """The headers as they may be logged; their credentials are remembered as secrets."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        shown = {}
        for name, value in pairs:
            if _sensitive(name):
                self.add(value.split(" ", 1)[-1])
                shown[name] = MASK
            else:
                shown[name] = self.text(value)
        return shown

    def learn(self, headers: Iterable[tuple[str, str]]) -> None:
        """Remember the credentials in ``headers`` without rendering them for the log."""
        for name, value in headers:
            if _sensitive(name):
                self.add(value.split(" ", 1)[-1])


def _sensitive(name: str) -> bool:
    lowered = name.lower()
    return lowered in SENSITIVE_HEADERS or "token" in lowered or "secret" in lowered
