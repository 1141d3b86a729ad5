"""What keywords return: a response that knows where it came from, and a cleanup result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .httpclient import httpx
from .masking import mask


class ApiResponse:
    """One response, whole or the opening of a stream.

    In Robot: ``${response.status_code}``, ``${response.headers}``, ``${response.text}``,
    ``${response.json()}``; anything else httpx's response has is reachable too. A stream's
    response has status and headers, but its body is read item by item with the stream
    keywords, so ``text``, ``content`` and ``json()`` say so instead of returning nothing.
    """

    __slots__ = ("raw", "stream")

    def __init__(self, raw: httpx.Response, stream: str | None = None) -> None:
        self.raw = raw
        self.stream = stream

    @property
    def streamed(self) -> bool:
        """True for the opening response of a stream."""
        return self.stream is not None

    @property
    def status_code(self) -> int:
        return self.raw.status_code

    @property
    def reason_phrase(self) -> str:
        return self.raw.reason_phrase

    @property
    def headers(self) -> httpx.Headers:
        return self.raw.headers

    @property
    def request(self) -> httpx.Request:
        return self.raw.request

    @property
    def content(self) -> bytes:
        self._refuse_body()
        return self.raw.content

    @property
    def text(self) -> str:
        self._refuse_body()
        return self.raw.text

    def json(self) -> Any:
        self._refuse_body()
        return self.raw.json()

    def described(self) -> str:
        """``POST /chat`` and, for a stream, its name: how messages refer to it."""
        request = self.raw.request
        shown = f"{request.method} {request.url.path}"
        return f"{shown} (stream '{self.stream}')" if self.streamed else shown

    def _refuse_body(self) -> None:
        """A stream's body is read item by item; a stream that was refused (not 2xx) had
        its whole body read when it opened, so checks on it read that."""
        if not self.streamed:
            return
        if 200 <= self.status_code < 300:
            raise UsageError(
                f"The response of {self.described()} is a stream; read its body with "
                "'Read Next Event', 'Read Next Chunk' or 'Read Until Done'."
            )
        try:
            self.raw.content  # noqa: B018  (read when the stream was refused)
        except httpx.ResponseNotRead:
            raise UsageError(
                f"The body of {self.described()} (status {self.status_code}, not a stream) "
                "did not arrive within 5 s of its headers."
            ) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def __str__(self) -> str:
        return mask(f"{self.status_code} {self.reason_phrase} from {self.described()}")

    __repr__ = __str__


@dataclass(frozen=True)
class CleanupResult:
    """What `Expect Cleanup` observed: how the server's handling of a stream ended."""

    stream: str
    outcome: str
    after_disconnect_ms: float | None
    fakes_checked: int
    error: str = ""  # what the handler raised because the client had left, if it did

    def __str__(self) -> str:
        took = ""
        if self.after_disconnect_ms is not None:
            took = f" {self.after_disconnect_ms:.1f} ms after the disconnect"
        how = "its handler returned"
        if self.outcome == "raised":
            how = f"its handler ended with {self.error}, raised as the client had left"
        fakes = ""
        if self.fakes_checked:
            noun = "fake upstream" if self.fakes_checked == 1 else "fake upstreams"
            fakes = f"; the {self.fakes_checked} {noun} had no open calls left"
        return f"The server finished stream {self.stream}{took}: {how}{fakes}."

    __repr__ = __str__
