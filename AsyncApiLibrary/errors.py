"""The one error family of AsyncApiLibrary.

Every failure the library raises is an :class:`AsyncApiError`. Robot Framework shows
only the message (``ROBOT_SUPPRESS_NAME``), so each message is one sentence that names
what was expected and what happened.

::

    AsyncApiError
    ├── UsageError          the keyword was called with bad input or at the wrong time
    ├── AppLoadError        an app import path could not be loaded or started
    ├── ConnectionFailed    the service could not be reached
    ├── DeadlineExceeded    a keyword's own deadline ran out
    ├── StreamFailure       a stream broke, ended early or carried an error event
    └── ExpectationFailed   an assertion about a response, stream, fake or cleanup failed
"""

from __future__ import annotations


class AsyncApiError(Exception):
    """Base of every error raised by AsyncApiLibrary."""

    ROBOT_SUPPRESS_NAME = True


class UsageError(AsyncApiError, ValueError):
    """A keyword got bad input or was used at the wrong time."""


class AppLoadError(AsyncApiError):
    """An application could not be imported or started."""


class ConnectionFailed(AsyncApiError):
    """The service under test could not be reached."""


class DeadlineExceeded(AsyncApiError, TimeoutError):
    """A keyword's own deadline ran out."""


class StreamFailure(AsyncApiError):
    """A stream broke, ended early or carried an error event."""


class ExpectationFailed(AsyncApiError, AssertionError):
    """An assertion about a response, stream, fake or cleanup did not hold."""
