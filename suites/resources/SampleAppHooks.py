"""Keywords that look inside the sample app when it runs in this process."""

import os
import socket
import sys
import time
from urllib.parse import urlsplit

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

    @keyword
    def connections_to_should_be(self, url: str, count: int, timeout: float = 2.0) -> None:
        """Fails unless this process has ``count`` TCP connections open to ``url``'s port
        within ``timeout`` seconds (Linux: read from ``/proc``).

        For an app running in this process (``in-process`` or ``server`` mode): what its
        clients keep open to an upstream, counted from the operating system's side.

        Example:
        | Connections To Should Be | ${upstream} | 0 |
        """
        port = urlsplit(url).port
        deadline = time.monotonic() + float(timeout)
        while True:
            found = _established_to(port)
            if found == int(count):
                return
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"Expected {count} connection(s) from this process to {url} within "
                    f"{float(timeout):g} s, but {found} are open."
                )
            time.sleep(0.02)


def _established_to(port: int) -> int:
    """Connections of this process in state ESTABLISHED whose remote port is ``port``."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as rows:
                lines = rows.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[3] == "01" and remote_port == port and fields[9] in mine:
                count += 1
    return count
