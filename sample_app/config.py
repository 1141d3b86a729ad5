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


@dataclass(frozen=True)
class Settings:
    upstream_timeout: float = 2.0
    token_delay: float = 0.0
    job_step_delay: float = 0.005
    tokens: frozenset[str] = field(default_factory=lambda: frozenset({"test-token"}))
    llm_url: str = ""
    llm_key: str = ""
    bug: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        tokens = os.environ.get("SAMPLE_APP_TOKENS", "test-token")
        return cls(
            upstream_timeout=_float("SAMPLE_APP_UPSTREAM_TIMEOUT", 2.0),
            token_delay=_float("SAMPLE_APP_TOKEN_DELAY", 0.0),
            job_step_delay=_float("SAMPLE_APP_JOB_STEP_DELAY", 0.005),
            tokens=frozenset(t.strip() for t in tokens.split(",") if t.strip()),
            llm_url=os.environ.get("SAMPLE_APP_LLM_URL", ""),
            llm_key=os.environ.get("SAMPLE_APP_LLM_KEY", ""),
            bug=bugs.active(),
        )

    def has_bug(self, name: str) -> bool:
        return self.bug == name
