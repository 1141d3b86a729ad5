"""WebSockets under a deadline: the handshake, and waiting for the server's close."""

from __future__ import annotations

from collections.abc import Callable

import anyio

from ..targets import Target
from ..websocket import LiveSocket
from .exchange import exchange_errors


async def open_socket(target: Target, make_socket: Callable[[], LiveSocket],
                      limit: float) -> LiveSocket:
    """Build the socket in the loop and send its handshake; accepted or refused, it is
    returned (the keyword decides which it expected)."""
    socket = make_socket()
    try:
        with exchange_errors(socket.request, limit), anyio.fail_after(limit):
            await socket.open_socket(target.client, target.task_group, target.asgi)
    except BaseException:  # unreachable, its deadline, Robot's timeout, Ctrl-C
        socket.discard()
        raise
    return socket
