"""Keep credentials out of logs: mask sensitive headers, fields, URL parts and known secrets.

Secrets are remembered process-wide: a token registered by one library instance is masked
in everything any instance logs, returns or fails with, as Robot puts them all in one log.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from .errors import AsyncApiError, UsageError

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
     "apikey", "x-auth-token", "x-access-token"}
)
MASK = "***"
SHORTEST = 4  # a shorter secret cannot be masked without masking ordinary words
_NAMES = r"(?:api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token|" \
         r"auth|authorization|secret|client[_-]?secret|password|passwd|pwd|signature|sig)"
# ?api_key=VALUE or &token=VALUE in a URL
_QUERY = re.compile(rf"([?&]{_NAMES}=)[^&#\s'\"]+", re.IGNORECASE)
# "password": "VALUE" in JSON
_FIELD = re.compile(rf'("{_NAMES}"\s*:\s*)"(?:\\.|[^"\\])*"', re.IGNORECASE)
# scheme://user:PASSWORD@host
_USERINFO = re.compile(r"(\w+://[^/\s:@]*:)[^/\s@]+@")
_secrets: set[str] = set()
_longest_first: list[str] = []  # the secrets, longest first: kept sorted as they are added
_CREDENTIAL_NAME = re.compile(
    r"(^|[-_])(token|secret|password|passwd|api[-_]?key|apikey|auth[-_]?token|session)$")


def secret_value(value: Any) -> str:
    """The plain text of a value that may be a Robot Framework ``Secret``."""
    return str(getattr(value, "value", value))


def mask(text: str) -> str:
    """``text`` with every known secret, and every credential-shaped part, replaced."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, MASK)
    if "=" in text:
        text = _QUERY.sub(rf"\1{MASK}", text)
    if "@" in text:
        text = _USERINFO.sub(rf"\1{MASK}@", text)
    return text


def mask_body(text: str) -> str:
    """A request or response body for the log: ``mask`` plus the values of credential
    fields (``"password": "..."``, ``"api_key": "..."``). Only bodies get the field rule:
    elsewhere a field named ``token`` is as often a model's output as a credential."""
    text = mask(text)
    return _FIELD.sub(rf'\1"{MASK}"', text) if ":" in text else text


class Masker:
    """Remembers secret strings and replaces them wherever they would be logged."""

    def add(self, value: Any) -> None:
        """Remember a secret, also as it looks percent-encoded in a URL."""
        text = secret_value(value)
        if len(text) < SHORTEST:
            return
        new = {text, quote(text, safe=""), quote_plus(text, safe="")} - _secrets
        if new:
            _secrets.update(new)
            _longest_first[:] = sorted(_secrets, key=len, reverse=True)

    def guard(self, value: Any) -> Any:
        """A value a keyword returns: text holding a known secret comes back as a Robot
        ``Secret``, so the assignment line Robot logs does not show it."""
        if isinstance(value, str) and mask(value) != value:
            from robot.api.types import Secret

            return Secret(value)
        return value

    def add_given(self, value: Any, what: str = "A token") -> None:
        """Remember a credential a test gave; one too short to mask safely is refused."""
        text = secret_value(value)
        if len(text) < SHORTEST:
            raise UsageError(
                f"{what} must have at least {SHORTEST} characters, so that the log can hide "
                f"it without hiding ordinary words; this one has {len(text)}."
            )
        self.add(text)

    def text(self, text: str) -> str:
        return mask(text)

    def body(self, text: str) -> str:
        return mask_body(text)

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]],
                learn: bool = True) -> dict[str, str]:
        """The headers as they may be logged. Credentials are shown as ``***`` and, for
        headers the test sent (``learn``), remembered as secrets."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        shown = {}
        for name, value in pairs:
            if _sensitive(name):
                if learn:
                    self.learn([(name, value)])
                shown[name] = MASK
            else:
                shown[name] = mask(value)
        return shown

    @staticmethod
    def is_credential(name: str) -> bool:
        """True for a header that carries a credential (its value is never shown)."""
        return _sensitive(name)

    def learn(self, headers: Iterable[tuple[str, str]]) -> None:
        """Remember the credentials in headers the test sends, without rendering them: an
        authorization's credential (after its scheme), each cookie's value."""
        for name, value in headers:
            lowered = name.lower()
            if lowered in ("cookie", "set-cookie"):
                for pair in value.split(";" if lowered == "cookie" else "\n"):
                    self.add(pair.split(";", 1)[0].partition("=")[2].strip())
            elif _sensitive(name):
                self.add(value.split(" ", 1)[-1])


def _sensitive(name: str) -> bool:
    """A header whose value is a credential: the known ones, and names ending in a
    credential word (``x-auth-token``, ``x-api-key``), not ones that merely mention one
    (``x-ratelimit-limit-tokens`` is a number)."""
    lowered = name.lower()
    return lowered in SENSITIVE_HEADERS or _CREDENTIAL_NAME.search(lowered) is not None


def masked_failures(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` whose library failures carry their message masked.

    ``functools.wraps`` keeps the name, docs, signature and Robot's keyword attributes,
    so Robot and libdoc see the method itself.
    """

    @functools.wraps(method)
    def keyword(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except AsyncApiError as exc:
            shown = mask(str(exc))
            if shown == str(exc):
                raise
            raise type(exc)(shown) from None

    return keyword
