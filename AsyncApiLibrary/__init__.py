"""AsyncApiLibrary: Robot Framework keywords for testing async HTTP APIs."""

from .errors import (
    AppLoadError,
    AsyncApiError,
    ConnectionFailed,
    DeadlineExceeded,
    ExpectationFailed,
    StreamFailure,
    UsageError,
)
from .fakes import FakeUpstream, Script
from .library import AsyncApiLibrary
from .transport import StreamingASGITransport
from .version import __version__

__all__ = [
    "AppLoadError",
    "AsyncApiError",
    "AsyncApiLibrary",
    "ConnectionFailed",
    "DeadlineExceeded",
    "ExpectationFailed",
    "FakeUpstream",
    "Script",
    "StreamFailure",
    "StreamingASGITransport",
    "UsageError",
    "__version__",
]
