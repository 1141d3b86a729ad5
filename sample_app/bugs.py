"""A catalogue of classic async bugs the sample app can be started with.

Switch one on with the environment variable ``SAMPLE_APP_BUG=<name>``; ``python -m
sample_app.bugs`` prints one line per bug, its name and what it breaks (``--names``: the
names alone). Every bug must make the suites fail.
"""

from __future__ import annotations

import os
import sys

BUGS: dict[str, str] = {
    "leak-upstream-on-disconnect": "The stream never closes its upstream call when the client leaves.",
    "sync-stream-generator": "The stream generator is synchronous, so a disconnect never stops it.",
    "unshielded-cleanup": "The stream closes its upstream from a cancelled scope, so the close never completes.",
    "no-done-event": "The stream ends without its done event.",
    "no-error-event": "When the upstream dies mid-stream, the stream just stops, without an error event.",
    "timeout-as-500": "An upstream timeout surfaces as 500 instead of 504.",
    "rate-limit-as-500": "An upstream 429 is converted to 500.",
    "no-retry-after": "An upstream 429 is passed on without its Retry-After header.",
    "shared-state": "Concurrent chats share one module-level prompt slot (cross-talk).",
    "job-stuck-running": "A finished job stays 'running' forever.",
    "auth-after-stream-start": "The stream checks the token only after it started streaming.",
}

ENV = "SAMPLE_APP_BUG"


def active() -> str | None:
    """The bug switched on in the environment, or None; an unknown name is an error."""
    name = os.environ.get(ENV, "").strip()
    if not name:
        return None
    if name not in BUGS:
        raise ValueError(f"{ENV}='{name}' is not a known bug; known: {', '.join(BUGS)}.")
    return name


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    width = max(map(len, BUGS))
    for name, text in BUGS.items():
        print(name if "--names" in args else f"{name:{width}}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
