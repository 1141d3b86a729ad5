"""Incremental line splitting for JSON-lines / NDJSON and plain line streams."""

from __future__ import annotations

import codecs


class LineDecoder:
    """Split bytes into lines on ``\\n`` (a trailing ``\\r`` is dropped); blank lines are skipped."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes) -> list[str]:
        buffer = self._pending + self._text.decode(chunk)
        *complete, self._pending = buffer.split("\n")
        return [line.rstrip("\r") for line in complete if line.strip()]

    def flush(self) -> list[str]:
        rest = (self._pending + self._text.decode(b"", final=True)).rstrip("\r")
        self._pending = ""
        return [rest] if rest.strip() else []
