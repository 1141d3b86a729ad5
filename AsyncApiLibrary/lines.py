"""Incremental line splitting for JSON-lines / NDJSON and plain line streams."""

from __future__ import annotations

from .utf8 import Utf8Parts


class LineDecoder:
    """Split bytes into lines on ``\\n`` (a trailing ``\\r`` is dropped); blank lines are skipped."""

    def __init__(self) -> None:
        self._text = Utf8Parts()
        self._pending = ""
        self._parts: list[str] = []  # a long line arriving in pieces: joined once it ends

    def feed(self, chunk: bytes) -> list[str]:
        text = self._text.decode(chunk)
        if "\n" not in text:
            self._parts.append(text)  # no line ends here: copying what waits would be quadratic
            return []
        buffer = self._pending + "".join(self._parts) + text
        self._parts = []
        *complete, self._pending = buffer.split("\n")
        return [line.rstrip("\r") for line in complete if line.strip()]

    def flush(self) -> list[str]:
        rest = (self._pending + "".join(self._parts)
                + self._text.decode(b"", final=True)).rstrip("\r")
        self._pending = ""
        self._parts = []
        return [rest] if rest.strip() else []
