"""Keywords that look inside the sample app when it runs in this process."""

import socket
import sys

from robot.api.deco import keyword, library

from sample_app import main


@library(scope="SUITE")
class SampleAppHooks:
    @keyword
    def lifecycle_should_end_with(self, *events: str) -> None:
        """Fails unless the app's latest lifecycle events are ``events``, in order.

        Example:
        | Lifecycle Should End With | startup | shutdown |
        """
        latest = main.LIFECYCLE[-len(events):] if events else []
        if list(events) != latest:
            raise AssertionError(
                f"Expected the app's lifecycle to end with {', '.join(events)}, "
                f"but it ended with {', '.join(latest) or 'nothing'}."
            )

    @keyword
    def free_loopback_port(self) -> int:
        """Returns a TCP port on 127.0.0.1 that nothing listens on right now.

        Example:
        | ${port} = | Free Loopback Port |
        """
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    @keyword
    def python_executable(self) -> str:
        """The Python running these tests, to start the gateway as its own process."""
        return sys.executable
