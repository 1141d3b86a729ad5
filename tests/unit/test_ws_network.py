"""The socket side of a WebSocket: frames from a real wsproto server, read by the pump's
side object without any task in between."""

import anyio
import pytest
import wsproto
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    Request,
    TextMessage,
)

from AsyncApiLibrary.ws_network import NetworkSide

pytestmark = pytest.mark.anyio


class FakeStream:
    """An upgraded connection: what the server sent, and what the client wrote."""

    def __init__(self, incoming: list[bytes]) -> None:
        self.incoming = list(incoming)
        self.written: list[bytes] = []
        self.closed = False

    async def read(self, max_bytes: int) -> bytes:
        return self.incoming.pop(0) if self.incoming else b""

    async def write(self, data: bytes) -> None:
        self.written.append(data)

    async def aclose(self) -> None:
        self.closed = True


class FakeResponse:
    def __init__(self, stream: FakeStream) -> None:
        self.extensions = {"network_stream": stream}
        self.headers = {"sec-websocket-protocol": "chat.v1"}
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def server_frames(*events) -> tuple[wsproto.WSConnection, list[bytes]]:
    """A wsproto server past its handshake, and the frames of ``events``."""
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server.receive_data(client.send(Request(host="t", target="/")))
    next(server.events())
    server.send(AcceptConnection())
    return server, [server.send(event) for event in events]


def client_events(server: wsproto.WSConnection, written: list[bytes]) -> list:
    server.receive_data(b"".join(written))
    return list(server.events())


async def test_fragments_are_joined_and_a_ping_is_answered_by_the_reader_itself():
    server, frames = server_frames(TextMessage("Hel", message_finished=False),
                                   Ping(b"p"), TextMessage("lo"), BytesMessage(b"\x00"))
    stream = FakeStream([b"".join(frames)])
    side = NetworkSide(FakeResponse(stream))
    assert side.subprotocol == "chat.v1"
    assert await side.receive() == ("text", "Hello", None)
    assert await side.receive() == ("bytes", b"\x00", None)
    assert client_events(server, stream.written) == [Pong(b"p")]


async def test_a_close_from_the_server_is_answered_and_read_as_its_code():
    server, frames = server_frames(CloseConnection(1011, "upstream failed"))
    stream = FakeStream(frames)
    side = NetworkSide(FakeResponse(stream))
    assert await side.receive() == ("close", 1011, "upstream failed")
    answered = client_events(server, stream.written)
    assert [(e.code, e.reason) for e in answered] == [(1011, "upstream failed")]


async def test_a_connection_that_ends_without_a_close_frame_reads_as_1006():
    side = NetworkSide(FakeResponse(FakeStream([])))
    assert await side.receive() == ("close", 1006, "")


async def test_the_clients_close_sends_its_code_once_and_drops_the_connection():
    server, _ = server_frames()
    stream = FakeStream([])
    response = FakeResponse(stream)
    side = NetworkSide(response)
    await side.send("hi")
    await side.close(4001, "leaving")
    await side.close(4001, "again")
    events = client_events(server, stream.written)
    assert events[0] == TextMessage("hi")
    assert [(e.code, e.reason) for e in events[1:]] == [(4001, "leaving")]
    assert stream.closed and response.closed


async def test_a_message_over_the_limit_fails_the_read(monkeypatch):
    monkeypatch.setattr("AsyncApiLibrary.ws_network.MAX_MESSAGE", 4)
    _, frames = server_frames(TextMessage("too long"))
    side = NetworkSide(FakeResponse(FakeStream(frames)))
    with pytest.raises(Exception, match="more than 4 bytes"):
        with anyio.fail_after(1):
            await side.receive()
