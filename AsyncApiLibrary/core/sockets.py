"""WebSockets under a deadline: the handshake, with one sentence for each way it fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio

from ..errors import ConnectionFailed, DeadlineExceeded
from ..httpclient import httpx
from ..targets import Target
from ..websocket import LiveSocket


async def open_socket(target: Target, make_socket: Callable[[], LiveSocket],
                      limit: float) -> LiveSocket:
    """Build the socket in the loop and send its handshake; accepted or refused, it is
    returned (the keyword decides which it expected)."""
    socket = make_socket()
    try:
        with handshake_errors(socket, limit), anyio.fail_after(limit):
            await socket.open_socket(target.client, target.task_group, target.asgi)
    except BaseException:  # unreachable, its deadline, Robot's timeout, Ctrl-C
        socket.discard()
        raise
    return socket


@contextmanager
def handshake_errors(socket: LiveSocket, limit: float) -> Iterator[None]:
    """The client's and anyio's exceptions during a handshake, as sentences."""
    url = socket.request.url
    where = f"the WebSocket handshake of {url.path}"
    try:
        yield
    except TimeoutError:
        raise DeadlineExceeded(f"{where.capitalize()} got no answer within {limit:g} s.") from None
    except httpx.ConnectError as exc:
        raise ConnectionFailed(
            f"Could not connect to {url.scheme}://{url.netloc.decode()} for {where}: "
            f"{exc or 'connection refused'}."
        ) from None
    except httpx.RemoteProtocolError:
        raise ConnectionFailed(
            f"The server dropped {where} without answering it; an app that fails while "
            "accepting (choosing a subprotocol the client did not offer, say) does that."
        ) from None
    except httpx.HTTPError as exc:
        raise ConnectionFailed(f"{where.capitalize()} failed: {type(exc).__name__}: {exc}.") from None
