"""The base of every keyword group: the shared context and the helpers all groups use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.api import logger

from .. import transcript
from ..arguments import seconds
from ..context import LibraryContext
from ..display import short
from ..errors import UsageError
from ..results import ApiResponse
from ..streams import LiveStream


class LibraryComponent:
    """One group of keywords. It reaches shared state only through ``self.ctx``."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def run(self, func: Any, *args: Any, deadline: float | None = None) -> Any:
        """Run one core coroutine on the library's loop, under the keyword's ``deadline``."""
        return self.ctx.run(func, *args, deadline=deadline)

    def stream(self, name: str | None) -> LiveStream:
        return self.ctx.streams.get(name)

    def stream_timeout(self, stream: LiveStream, timeout: timedelta | None) -> float:
        """The read deadline: ``timeout``, else the stream's client's, else the library's."""
        target = self.ctx.stream_target(stream)
        default = target.options.timeout if target is not None else self.ctx.settings.timeout
        return seconds(timeout, default)

    def response(self, response: ApiResponse | None) -> ApiResponse:
        """The response given, or the last one received in this test."""
        if response is None:
            return self.ctx.last_response()
        if not isinstance(response, ApiResponse):
            raise UsageError(
                f"Expected a response returned by a keyword such as 'Send Request', got "
                f"{type(response).__name__} {self.ctx.masker.text(short(response, 60))}."
            )
        return response

    def log_transcript(self, stream: LiveStream) -> None:
        """The stream's transcript to the log, once (when it ends, fails or is disconnected)."""
        if stream.logged:
            return
        stream.logged = True
        logger.info(transcript.render(stream, self.ctx.masker), html=True)

