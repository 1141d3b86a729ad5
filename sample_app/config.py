"""Settings read from the environment when the app is created."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import bugs


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}='{raw}' is not a number of seconds.") from None
    if value < 0:
        raise ValueError(f"{name}='{raw}' must not be negative.")
    return value


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}='{raw}' must be a whole number of 1 or more.")
    return int(raw)


def _tokens(name: str, default: str) -> frozenset[str]:
    return frozenset(t.strip() for t in os.environ.get(name, default).split(",") if t.strip())


@dataclass(frozen=True)
class Settings:
    """What the gateway is configured with.

    ``tokens`` are the bearer tokens it accepts (``SAMPLE_APP_TOKENS``, comma-separated);
    ``expired_tokens`` were valid once and are refused as expired
    (``SAMPLE_APP_EXPIRED_TOKENS``). ``llm_max_connections`` bounds the connections the
    OpenAI-compatible client keeps to its upstream (``SAMPLE_APP_LLM_MAX_CONNECTIONS``).
    """

    upstream_timeout: float = 2.0
    token_delay: float = 0.0
    job_step_delay: float = 0.005
    tokens: frozenset[str] = field(default_factory=lambda: frozenset({"test-token"}))
    expired_tokens: frozenset[str] = field(default_factory=lambda: frozenset({"expired-token"}))
    llm_url: str = ""
    llm_key: str = ""
    llm_max_connections: int = 100
    bug: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            upstream_timeout=_float("SAMPLE_APP_UPSTREAM_TIMEOUT", 2.0),
            token_delay=_float("SAMPLE_APP_TOKEN_DELAY", 0.0),
            job_step_delay=_float("SAMPLE_APP_JOB_STEP_DELAY", 0.005),
            tokens=_tokens("SAMPLE_APP_TOKENS", "test-token"),
            expired_tokens=_tokens("SAMPLE_APP_EXPIRED_TOKENS", "expired-token"),
            llm_url=os.environ.get("SAMPLE_APP_LLM_URL", ""),
            llm_key=os.environ.get("SAMPLE_APP_LLM_KEY", ""),
            llm_max_connections=_count("SAMPLE_APP_LLM_MAX_CONNECTIONS", 100),
            bug=bugs.active(),
        )

    def has_bug(self, name: str) -> bool:
        """Whether the catalogued bug ``name`` is switched on (a name not in it is an error)."""
        if name not in bugs.BUGS:
            raise ValueError(f"'{name}' is not a bug of the catalogue in sample_app/bugs.py.")
        return self.bug == name
