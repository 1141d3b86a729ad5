"""UTF-8 text arriving in parts, as the stream decoders read it."""

from __future__ import annotations

import codecs


class Utf8Parts:
    """Decodes each part as it comes: a character cut between two parts is joined, and
    bytes that are not UTF-8 become U+FFFD (as a browser reads an event stream)."""

    def __init__(self) -> None:
        self._incremental = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def decode(self, part: bytes, final: bool = False) -> str:
        if not self._incremental.buffer and not final:
            try:
                return part.decode()  # the usual part, without the incremental decoder's cost
            except UnicodeDecodeError:  # a character cut at its end, or bytes not UTF-8
                pass
        return self._incremental.decode(part, final)
