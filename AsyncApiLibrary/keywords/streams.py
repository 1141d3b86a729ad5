"""Keywords that open streams, disconnect them, and tell what state they are in."""

from __future__ import annotations

from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import core
from ..arguments import Duration, build_request, chat_body, json_value, seconds
from ..chunk_text import default_content
from ..errors import ExpectationFailed, StreamFailure
from ..items import StreamFormat
from ..streams import DISCONNECT_WAIT
from .base import LibraryComponent

TAGS = ["streams"]
_END_WORDS = {
    "ended": "it ended",
    "failed": "it broke",
    "disconnected": "the test disconnected it",
    "rejected": "it was refused",
}


class StreamKeywords(LibraryComponent):
    """Start a stream, disconnect it, check whether it is open or ended, log it."""

    @keyword(tags=TAGS)
    def start_stream(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        format: StreamFormat = "sse",
        done: str | None = None,
        name: str | None = None,
        timeout: Duration | None = None,
        alias: str | None = None,
        error: str | None = None,
    ) -> str:
        """Opens a streaming request and returns the stream's name once headers arrived.

        | =Argument= | =Meaning= |
        | ``method``, ``path`` | The request, e.g. ``POST`` and ``/chat/stream``; the path is relative to the client's base URL. |
        | ``json`` | Optional JSON body, as in `Send Request`. |
        | ``params`` | Optional query parameters (a dictionary). |
        | ``format`` | ``sse`` (Server-Sent Events), ``lines`` (JSON lines / NDJSON, one item a line) or ``raw`` (chunks as they arrive). |
        | ``done`` | How the stream says it is finished: ``event:NAME`` (default ``event:done``), ``data:TEXT``, ``openai`` (``data: [DONE]``), ``end`` (the stream simply ends; its end then reads as the done item), ``json:PATH`` (a JSON item with that field, not null or false) or ``json:PATH=VALUE`` (that field equals VALUE, read as JSON if it is: ``json:done=true`` for Ollama's last line). For ``lines``, ``event:NAME`` matches a line's ``event`` or ``type`` field. Defaults to the client's, then the library's. |
        | ``error`` | How the stream says it failed: ``event:NAME`` (default ``event:error``), ``openai`` (a JSON chunk with an ``error`` key, or ``"object": "error"``), ``json:PATH`` or ``json:PATH=VALUE`` (as for ``done``). Defaults to the client's, then the library's. |
        | ``name`` | Name for the stream; defaults to ``stream1``, ``stream2``... The new stream becomes the current one. |
        | ``timeout`` | Deadline for the response headers. |

        An SSE event without an ``event:`` line is named ``message``, as browsers name it.
        The opening response is the client's last response: `Status Should Be` and
        `Header Should Be` check it. A response that is not 2xx is not a stream: reading
        from it fails with its body. An ``sse`` stream whose content-type is not
        ``text/event-stream`` fails here.

        Example:
        | `Start Stream` | GET | /jobs/${id}/events |
        | `Start Stream` | POST | /v1/chat/completions | json=${body} | done=openai |
        """
        ctx = self.ctx
        client = ctx.clients.resolve(alias)
        target = ctx.target(client)
        body = json_value(json)
        request = build_request(target, method, path, body, None, params, headers)
        self.check_request(target, request, body)
        stream_name = name or ctx.next_name("stream")
        make_stream = self.stream_maker(client, request, stream_name, format, done, error)
        limit = seconds(timeout, target.options.timeout)
        stream = self.run(core.open_stream, target, make_stream, limit, deadline=limit)
        self.register_stream(stream)
        return stream_name

    @keyword(tags=TAGS)
    def start_chat_stream(
        self,
        message: str | None = None,
        path: str = "/chat/stream",
        field: str = "message",
        format: StreamFormat = "sse",
        done: str | None = None,
        name: str | None = None,
        headers: dict[str, str] | None = None,
        alias: str | None = None,
        error: str | None = None,
        **fields: Any,
    ) -> str:
        """Starts a streamed chat (``POST /chat/stream`` by default) and returns its name.

        The body is ``{field: message}`` plus any extra ``name=value`` fields, each a JSON
        value, posted to ``path``, as in `Send Chat` (``messages=[...]`` for an OpenAI-style
        gateway). ``format``, ``done``, ``error``, ``name`` and ``headers`` are as in
        `Start Stream`.

        Example:
        | `Start Chat Stream` | Tell me a story | max_tokens=${5} |
        | ${first} = | `Read Next Event` |
        """
        body = chat_body(message, field, fields)
        return self.start_stream("POST", path, json=body, headers=headers, format=format,
                                 done=done, name=name, alias=alias, error=error)

    @keyword(tags=TAGS)
    def stream_should_have_ended(self, timeout: Duration | None = None,
                                 stream: str | None = None) -> None:
        """Fails unless the server finishes sending within ``timeout`` (default 1 s).

        Items not read yet do not count against it, unless they fill the stream's buffer:
        then the server waits for the reader, as for a slow client, and the stream cannot
        end before they are read (`Count Until Done` reads them).

        Example:
        | `Stream Should Have Ended` | timeout=500ms |
        """
        chosen = self.stream(stream)
        limit = seconds(timeout, 1.0)
        if not self.run(chosen.wait_ended, limit, deadline=limit):
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to have ended, but it was still open after "
                f"{limit:g} s ({chosen.seen_so_far()})."
            )
        if chosen.state == "failed":
            raise StreamFailure(
                f"Stream '{chosen.name}' did not end cleanly: {type(chosen.error).__name__}: "
                f"{chosen.error}."
            )

    @keyword(tags=TAGS)
    def stream_should_have_ended_with_nothing_unread(self, timeout: Duration | None = None,
                                                     stream: str | None = None) -> None:
        """Like `Stream Should Have Ended`, and fails if an item arrived that no keyword read.

        For a server that promises nothing after a given item: a stream that ends with its
        error chunk and no ``[DONE]``, say. (The end-of-test check allows one done after an
        error, read or not, as vLLM and OpenAI send one.)

        Example:
        | `Expect Error Event` |
        | `Stream Should Have Ended With Nothing Unread` |
        """
        chosen = self.stream(stream)
        limit = seconds(timeout, 1.0)
        try:
            self.stream_should_have_ended(timeout, stream)
        except ExpectationFailed:
            if chosen.arrived_count == chosen.delivered_count:
                raise
            ended = False  # still open: perhaps held up by the unread items themselves
        else:
            ended = True
        unread = chosen.arrived_count - chosen.delivered_count
        if unread > 0:
            first = chosen.delivered_count
            shown = (chosen.transcript[first] if first < len(chosen.transcript)
                     else chosen.last_arrived)
            what = (f": {shown.summary(default_content(shown))}"
                    if shown is not None and shown.index == first else "")
            items = f"{unread} item{'' if unread == 1 else 's'}"
            if not ended:
                raise ExpectationFailed(
                    f"Expected stream '{chosen.name}' to have ended with nothing unread, but it "
                    f"was still open after {limit:g} s, and {items} arrived after the last one "
                    f"read{what} (unread items that fill a stream's buffer keep a server "
                    "waiting)."
                )
            raise ExpectationFailed(
                f"Expected nothing unread on stream '{chosen.name}' when it ended, but "
                f"{items} arrived after the last one read{what}."
            )

    @keyword(tags=TAGS)
    def stream_should_be_open(self, stream: str | None = None) -> None:
        """Fails unless the stream is still open: the server has not finished sending.

        Example:
        | `Stream Should Be Open` |
        """
        chosen = self.stream(stream)
        if chosen.state != "open":
            count = chosen.arrived_count
            raise ExpectationFailed(
                f"Expected stream '{chosen.name}' to be open, but "
                f"{_END_WORDS.get(chosen.state, chosen.state)} after "
                f"{count} item{'' if count == 1 else 's'}."
            )

    @keyword(tags=TAGS)
    def disconnect_client(self, stream: str | None = None) -> None:
        """Closes the stream from the client side, as a user closing the page would.

        The server sees the disconnect; use `Expect Cleanup` to check it cleaned up.
        Calling it again on the same stream does nothing.

        Example:
        | `Disconnect Client` |
        | `Expect Cleanup` |
        """
        chosen = self.stream(stream)
        if chosen.state == "disconnected":
            logger.info(f"Stream '{chosen.name}' was already disconnected.")
            return
        was_open = self.run(chosen.disconnect, deadline=DISCONNECT_WAIT)
        logger.info(
            f"Disconnected {chosen.noun} '{chosen.name}' after {chosen.delivered_count} items read"
            + ("." if was_open else " (the server had already finished it).")
        )
        self.log_transcript(chosen)

    @keyword(tags=TAGS)
    def disconnect_all_streams(self) -> None:
        """Disconnects every stream that is still open. Handy in ``Test Teardown``.

        Example:
        | [Teardown] | `Disconnect All Streams` |
        """
        for name, chosen in self.ctx.streams.items():
            if chosen.state in ("open", "starting"):
                self.disconnect_client(name)

    @keyword(tags=TAGS)
    def log_stream_transcript(self, stream: str | None = None) -> None:
        """Writes the stream's transcript (items, arrival times, a timeline) to the log.

        Done automatically when a stream ends, fails or is disconnected.

        Example:
        | `Log Stream Transcript` |
        """
        chosen = self.stream(stream)
        chosen.logged = False
        self.log_transcript(chosen, now=True)

