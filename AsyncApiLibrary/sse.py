"""An incremental Server-Sent Events decoder that follows the WHATWG event-stream rules.

* Lines end with CRLF, LF or CR; a CR at the end of one chunk may pair with an LF at the
  start of the next.
* A line starting with ``:`` is a comment (a ping), never an event.
* ``data`` lines join with ``\\n``; an event whose data buffer is empty is not dispatched.
* ``id`` persists to later events (an id containing NULL is ignored); ``retry`` persists
  and only all-digit values count.
* An event still being built when the stream ends is discarded.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .utf8 import Utf8Parts

_EOL = re.compile(r"\r\n|\r|\n")
# A whole event in one piece: an optional name and one line of data, LF line ends. A
# server that writes an event at a time sends little else, so it is decoded in one step.
_WHOLE_EVENT = re.compile(r"(?:event: ([^\n\r]*)\n)?data: ([^\n\r]*)\n\n")


class SseEvent(NamedTuple):
    event: str
    data: str
    id: str
    retry: int | None


class SseDecoder:
    def __init__(self) -> None:
        self._text = Utf8Parts()
        self._pending = ""
        self._parts: list[str] = []  # a long line arriving in pieces: joined once it ends
        self._started = False
        self._skip_lf = False
        self._data: list[str] = []
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        text = self._text.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if not (self._pending or self._parts or self._data or self._event or self._skip_lf):
            whole = _WHOLE_EVENT.fullmatch(text)
            if whole is not None:
                return [SseEvent(whole[1] or "message", whole[2], self._last_id, self._retry)]
        return self._lines(text)

    def flush(self) -> list[SseEvent]:
        """End of stream: an unterminated event is discarded, as the spec says."""
        self._text.decode(b"", final=True)
        self._pending = ""
        self._parts = []
        return []

    def _lines(self, text: str) -> list[SseEvent]:
        events: list[SseEvent] = []
        if self._skip_lf and text.startswith("\n"):
            text = text[1:]
        self._skip_lf = False
        if "\n" not in text and "\r" not in text:
            self._parts.append(text)  # no line ends here: copying what waits would be quadratic
            return events
        if self._parts:  # one copy of a long line: what waited and this part, joined once
            self._parts.append(text)
            text, self._parts = "".join(self._parts), []
        buffer = self._pending + text  # no copy when nothing was pending
        if "\r" not in buffer:  # the usual case: LF only, so a plain split will do
            *lines, self._pending = buffer.split("\n")
            for line in lines:
                # The two commonest lines are handled here; the rest as the spec says.
                if not line:
                    event = self._dispatch()
                    if event is not None:
                        events.append(event)
                elif line.startswith("data: "):
                    self._data.append(line[6:])
                elif line.startswith("event: "):
                    self._event = line[7:]
                else:
                    self._line(line)
            return events
        start = 0
        for end_of_line in _EOL.finditer(buffer):
            event = self._line(buffer[start:end_of_line.start()])
            if event is not None:
                events.append(event)
            start = end_of_line.end()
        if start == len(buffer) and buffer.endswith("\r"):
            self._skip_lf = True  # a CR ending this chunk may pair with an LF in the next
        self._pending = buffer[start:]
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self._retry = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return SseEvent(event or "message", "\n".join(data), self._last_id, self._retry)
