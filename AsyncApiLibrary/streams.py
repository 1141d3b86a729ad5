"""An open stream, read by one pump task.

The pump reads the HTTP response as it arrives, decodes it (SSE, lines or raw chunks),
timestamps each item, and hands items to the test through a bounded memory stream. A
read applies its deadline to that hand-over only, so a timed-out read leaves the stream
alive; an error in the pump is kept and raised by the next read.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import anyio

from .arrivals import RawDecoder, body_parts, make_batch, urgent
from .chunk_text import default_content
from .contract import item_checker, response_problem
from .conventions import DoneRule, ErrorRule
from .display import clip
from .errors import DeadlineExceeded, ExpectationFailed, StreamFailure, UsageError
from .httpclient import httpx
from .items import StreamItem
from .lines import LineDecoder
from .sse import SseDecoder
from .transport import ARRIVALS
from .verdicts import end_word, violation

DISCONNECT_WAIT = 5.0  # seconds a disconnect waits for the pump to stop, and for the close
REFUSAL_KEPT = 4000  # characters of a refusal's body kept (masked, then cut, when shown)


class LiveStream:
    """One streaming response and the pump that reads it."""

    noun = "stream"  # what a sentence calls it
    item_word = "item"  # ...and what it carries
    ends_at_done = True  # nothing may follow its done or error item
    reply_start = 0  # where the items of the current reply begin (a socket has many)

    def __init__(
        self,
        name: str,
        request: httpx.Request,
        *,
        fmt: str,
        done: DoneRule,
        error_rule: ErrorRule = ErrorRule("event", "error"),
        buffer_size: int = 64,
        request_id: str = "",
        client: str = "",
        in_test: bool = False,
    ) -> None:
        self.name = name
        self.request = request
        self.fmt = fmt
        self.done = done
        self.error_rule = error_rule
        self.request_id = request_id
        self.client = client  # the alias of the client that opened it
        self.in_test = in_test  # made in a test (let go at its end), not in a setup
        self.response: httpx.Response | None = None
        self.state = "starting"  # starting | open | ended | failed | rejected | disconnected
        self.error: BaseException | None = None
        self.rejected_body = ""
        self.sent_at = time.perf_counter()
        self.disconnected_at: float | None = None
        self.ended_at: float | None = None  # when the server ended or broke it
        self.arrived_count = 0
        self.delivered_count = 0
        self.first_offset_ms: float | None = None
        self.max_gap_ms = 0.0
        self.last_arrival: float | None = None
        self.transcript: list[StreamItem] = []
        self.last_arrived: StreamItem | None = None
        self.recent: deque[StreamItem] = deque(maxlen=5)  # the last read, for messages
        self.done_item: StreamItem | None = None  # the last item read that matched ``done``
        self.error_item: StreamItem | None = None  # the error event, once it was read
        self.logged = False
        self.cleanup: Any = None  # what Expect Cleanup observed, once it has
        self.items_to_done: list[StreamItem] | None = None  # kept by the LLM keywords
        self.checker: Any = None  # the contract's item check: item -> problem or None
        self.contract_label = ""  # the operation it checks against, for messages
        self.violations: dict[int, str] = {}  # item index -> how it breaks the contract
        # Items travel in batches: everything decoded from one received body part. The
        # buffer bounds the batches waiting, as a socket's buffer bounds received parts.
        self._send, self._receive = anyio.create_memory_object_stream[list[StreamItem]](
            max(buffer_size, 0))
        self._ready: deque[StreamItem] = deque()
        self._pump_scope = anyio.CancelScope()
        self._pump_done = anyio.Event()
        self._attention: anyio.Event | None = None  # a bulk reader waits on it (see below)
        self._pump_blocked = False  # the pump waits for room in the buffer
        self.first_arrival = anyio.Event()

    # -- describing -------------------------------------------------------------------
    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.request.method} {self.request.url.path})"

    def seen_so_far(self) -> str:
        if not self.recent:
            return "nothing was read yet"
        items = "; ".join(item.summary(default_content(item)) for item in self.recent)
        return f"last {len(self.recent)} read: {items}"

    def closes_an_earlier_reply(self, item: StreamItem) -> bool:
        """True for a done that a test reading the next reply must pass over (sockets)."""
        return False

    # -- lifecycle --------------------------------------------------------------------
    async def open(self, client: httpx.AsyncClient, task_group: Any,
                   contract: Any = None) -> None:
        """Send the request; once the headers arrived, start the pump (for a 2xx stream).

        ``contract`` (a ``Contract``) checks the opening status at once, and every item
        as it arrives, in the pump."""
        self.sent_at = time.perf_counter()
        try:
            self.response = await client.send(self.request, stream=True)
        except BaseException:
            self.state = "failed"
            self._send.close()
            raise
        status = self.response.status_code
        content_type = self.response.headers.get("content-type", "")
        if contract is not None:
            await self._check_opening(contract, status, content_type)
        if not 200 <= status < 300:
            await self._reject()
            return
        if self.fmt == "sse" and not content_type.startswith("text/event-stream"):
            await self._reject()
            raise StreamFailure(
                f"Stream {self.label} is not an SSE stream: the response has content-type "
                f"'{content_type or 'none'}', not 'text/event-stream'."
            )
        self.state = "open"
        task_group.start_soon(self._pump)

    async def _check_opening(self, contract: Any, status: int, content_type: str) -> None:
        method, path = self.request.method, self.request.url.path
        problem = response_problem(contract, method, path, status, content_type, None)
        if problem is not None:
            await self._reject()
            raise ExpectationFailed(f"Stream {self.label} breaks the contract: {problem}.")
        checking = item_checker(contract, method, path, status, content_type)
        if checking is not None and self.fmt != "raw":  # raw chunks are not the items
            self.contract_label, self.checker = checking

    async def _reject(self) -> None:
        self.state = "rejected"
        try:
            with anyio.move_on_after(5):
                await self.response.aread()
                self.rejected_body = self.response.text[:REFUSAL_KEPT]
        finally:
            await self.response.aclose()
            self._send.close()
            self._pump_done.set()

    async def _pump(self) -> None:
        """Read until the end, a failure (kept for the next read) or a disconnect."""
        try:
            with self._pump_scope:
                try:
                    async with self._send:
                        await self._pump_items()
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    pass
                except Exception as exc:
                    self.error = exc
                    self.state = "failed"
                    self.ended_at = time.perf_counter()
        finally:
            self._pump_done.set()  # however it ended, cancelled included
            self._call_reader()

    async def _pump_items(self) -> None:
        decoder: Any = {"sse": SseDecoder, "lines": LineDecoder}.get(self.fmt, RawDecoder)()
        # In process the transport knows when the app sent each part: that is its arrival.
        # Over a socket it arrives when the pump reads it, stamped before decoding.
        source = self.response.extensions.get(ARRIVALS)
        async for piece in body_parts(self.response):
            now = (source.arrived if source is not None else None) or time.perf_counter()
            batch = make_batch(self, decoder.feed(piece), now)
            if batch:
                await self._hand_over(batch)
        batch = make_batch(self, decoder.flush(), time.perf_counter())
        if batch:
            await self._hand_over(batch)
        self.state = "ended"
        self.ended_at = time.perf_counter()

    async def _hand_over(self, batch: list[StreamItem]) -> None:
        try:
            self._send.send_nowait(batch)  # room in the buffer: no trip through the loop
        except anyio.WouldBlock:
            # A full buffer: a slow reader. Wait, as a full socket would, and have a bulk
            # reader take it now (it receives while the flag is up: no lost wake-up).
            self._pump_blocked = True
            self._call_reader()
            try:
                await self._send.send(batch)
            finally:
                self._pump_blocked = False
            return
        if self._attention is not None and urgent(self, batch):  # a bulk reader waits
            self._attention.set()

    def _call_reader(self) -> None:
        if self._attention is not None:
            self._attention.set()

    async def wait_for_end_or_full(self) -> None:
        """For a reader that takes everything up to the done event at once: wait until the
        pump has handed over a done or error item or one that breaks the contract, filled
        the buffer, or stopped, instead of waking for every received part (half the loop's
        work per item over a socket).
        Call it when `arrived_item` found nothing, and then receive: it returns at once
        if the pump stopped or waits for room (whose batch a receive then takes).
        """
        if self._pump_done.is_set() or self._pump_blocked or self.state not in ("open", "starting"):
            return
        if self._attention is None:  # a second reader waits on the same wake-up
            self._attention = anyio.Event()
        attention = self._attention
        try:
            await attention.wait()
        finally:
            if self._attention is attention:
                self._attention = None

    async def disconnect(self) -> bool:
        """Close the stream from the client side. Returns False if it was already closed."""
        if self.state == "disconnected":
            return False
        was_live = self.state in ("open", "starting")
        self.state = "disconnected"
        self.disconnected_at = time.perf_counter()
        self._pump_scope.cancel()
        self._receive.close()
        if self.response is not None:
            with anyio.CancelScope(shield=True):
                with anyio.move_on_after(DISCONNECT_WAIT):
                    await self._pump_done.wait()
                with anyio.move_on_after(DISCONNECT_WAIT):
                    await self.response.aclose()
        return was_live

    def discard(self) -> None:
        """A stream that never opened: free its buffer, as nothing else will."""
        if self.state in ("starting", "open"):
            self.state = "failed"
        self._send.close()
        self._receive.close()

    async def release(self) -> None:
        """The library lets go of the stream: disconnect it if live, free its buffer."""
        if self.state in ("open", "starting"):
            await self.disconnect()
        self._receive.close()

    # -- reading ----------------------------------------------------------------------
    def _check_readable(self) -> None:
        if self.state == "disconnected":
            raise UsageError(
                f"Stream {self.label} was disconnected by the test; it cannot be read any more."
            )
        if self.state == "rejected":
            status = self.response.status_code if self.response is not None else "no"
            raise StreamFailure(
                f"Stream {self.label} was answered with status {status}, not a stream: "
                f"{clip(self.rejected_body, 200)}."
            )

    async def next_item(self, timeout: float | None) -> StreamItem:
        """The next item; raises if the stream ended, failed, or ``timeout`` passes.

        ``timeout=None`` sets no deadline of its own, for callers that hold one around
        many reads (a deadline per item costs more than reading it).
        """
        self._check_readable()
        try:
            if not self._ready:
                self._ready.extend(await self._receive_batch(timeout))
            item = self._ready.popleft()
        except TimeoutError:
            raise DeadlineExceeded(
                f"No {self.item_word} arrived on {self.noun} {self.label} within {timeout:g} s; "
                f"the {self.noun} is still open ({self.seen_so_far()})."
            ) from None
        except anyio.EndOfStream:
            if self.done.kind == "end" and self.error is None and self.done_item is None:
                return self._deliver(self._end_item())  # the end is this stream's done
            raise self._ended_error() from None
        return self._deliver(item)

    def _end_item(self) -> StreamItem:
        now = time.perf_counter()
        return StreamItem(self.arrived_count, "end", "", now, (now - self.sent_at) * 1000)

    def arrived_item(self) -> StreamItem | None:
        """The next item if it has already arrived, else None: no waiting, no loop trip.

        Bulk readers take what is there this way and await `next_item` only when it is not.
        """
        if self.state == "disconnected":
            return None
        if not self._ready:
            try:
                self._ready.extend(self._receive.receive_nowait())
            except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
                return None  # nothing here yet, or the end: `next_item` says which
        return self._deliver(self._ready.popleft())

    def _deliver(self, item: StreamItem) -> StreamItem:
        end = self.done_item or self.error_item
        self.delivered_count += 1
        self.recent.append(item)
        if end is self.error_item and end is not None and self.done.matches(item):
            self.done_item = item  # a done after the error closes it (vLLM, OpenAI do so)
            return item
        if end is not None:
            raise ExpectationFailed(
                f"Stream {self.label} sent {item.summary()} after its {end_word(self, end)}: "
                "nothing may follow the end of a stream."
            )
        if item.index in self.violations:
            raise ExpectationFailed(violation(self, item))
        if self.done.matches(item):
            self.done_item = item
        elif self.error_rule.matches(item):
            self.error_item = item
        return item

    async def _receive_batch(self, timeout: float | None) -> list[StreamItem]:
        try:
            return self._receive.receive_nowait()  # no trip through the loop when ready
        except anyio.WouldBlock:
            pass
        if timeout is None:
            return await self._receive.receive()
        with anyio.fail_after(timeout):
            return await self._receive.receive()

    def _ended_error(self) -> StreamFailure:
        if self.error is not None:
            return StreamFailure(
                f"Stream {self.label} broke after {self.arrived_count} items: "
                f"{type(self.error).__name__}: {self.error} ({self.seen_so_far()})."
            )
        return StreamFailure(
            f"Stream {self.label} ended after {self.arrived_count} items; "
            f"nothing more will arrive ({self.seen_so_far()})."
        )

    @property
    def finishing(self) -> bool:
        """True once the test is done with it: it ended, broke, was disconnected or
        refused, or its done or error event was read (the server may still be closing it;
        on a socket the next reply may follow an error, so there only a done counts)."""
        ended = self.done_item if not self.ends_at_done else self.done_item or self.error_item
        return self.state != "open" or ended is not None

    async def body_done(self) -> None:
        """Wait until nothing more will arrive (the pump stopped), however it ended."""
        await self._pump_done.wait()

    async def wait_ended(self, timeout: float) -> bool:
        """Wait until the server has finished sending. True if it did within ``timeout``.

        Unread items that fill the buffer hold the server back, as a slow client does:
        such a stream cannot end before they are read."""
        self._check_readable()
        with anyio.move_on_after(timeout):
            await self._pump_done.wait()
        return self._pump_done.is_set()
