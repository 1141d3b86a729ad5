"""What the gateway answers when its model fails: one mapping for replies and streams.

- no answer within the upstream deadline: 504 ``upstream_timeout``, "The model did not
  answer within N s.";
- 429: 429 ``upstream_rate_limited``, "The model is rate limited; retry later.", with the
  upstream's ``Retry-After``;
- any other 4xx or 5xx: 502 ``upstream_error``, "The model failed with status N.";
- unreachable, or hung up: 502 ``upstream_unavailable``, "The model could not be reached
  (<error>)."

An upstream 401, 403, 400 or 404 is the gateway's problem (its key, its request), never
the caller's: it is 502, not passed on. The answer's body is ``{"error": {"kind": ...,
"message": ...}}``; in a stream the same ``kind`` and ``message`` arrive as the ``error``
event that ends it, with the number of tokens sent before (``after_tokens``). A failure
the upstream reports in the middle of its stream counts with the status it reports.
"""

from __future__ import annotations

from .config import Settings
from .llm import UpstreamReportedError, httpx


class UpstreamFailure(Exception):
    def __init__(self, status: int, kind: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.headers = headers or {}


def upstream_status(exc: BaseException) -> int | None:
    """The HTTP status the upstream failed with, before or during its reply."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code
    if isinstance(exc, UpstreamReportedError):
        return exc.status
    return None


def map_upstream_error(exc: BaseException, settings: Settings) -> UpstreamFailure:
    """Translate what the upstream did into the HTTP answer the gateway gives."""
    bug = settings.has_bug
    timeouts = (TimeoutError, httpx.TimeoutException)
    if bug("hang-up-as-timeout"):
        timeouts = (TimeoutError, httpx.TransportError)
    if isinstance(exc, timeouts):
        status = 500 if bug("timeout-as-500") else 504
        return UpstreamFailure(status, "upstream_timeout",
                               f"The model did not answer within {settings.upstream_timeout:g} s.")
    upstream = upstream_status(exc)
    if upstream is not None:
        if upstream == 429 and not bug("rate-limit-as-500"):
            headers = {}
            retry = getattr(getattr(exc, "response", None), "headers", {}).get("retry-after")
            if retry and not bug("no-retry-after"):
                headers["Retry-After"] = retry
            return UpstreamFailure(429, "upstream_rate_limited",
                                   "The model is rate limited; retry later.", headers)
        status = 500 if upstream == 429 else 502
        if bug("upstream-4xx-passed-through") and 400 <= upstream < 500:
            status = upstream
        return UpstreamFailure(status, "upstream_error",
                               f"The model failed with status {upstream}.")
    return UpstreamFailure(502, "upstream_unavailable",
                           f"The model could not be reached ({type(exc).__name__}).")
