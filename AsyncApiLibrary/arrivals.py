"""What the pump does with each received body part: items, arrival stamps and figures."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .items import StreamItem

if TYPE_CHECKING:
    from .httpclient import httpx
    from .streams import LiveStream

TRANSCRIPT_LIMIT = 200  # the items a stream keeps for its transcript


class RawDecoder:
    """Raw chunks: each received part is one item."""

    def feed(self, chunk: bytes) -> list[bytes]:
        return [chunk]

    def flush(self) -> list[bytes]:
        return []


def make_batch(self: LiveStream, parts: list[Any], now: float) -> list[StreamItem]:
    """Items for everything decoded from one received body part; they share its arrival.

    The pump calls it for each part: it stamps the arrival, keeps the timing figures and
    the first items for the transcript, and checks each item against the contract.
    """
    if not parts:
        return []
    offset = (now - self.sent_at) * 1000
    if self.last_arrival is None:
        self.first_offset_ms = offset
        self.first_arrival.set()
    elif (gap := (now - self.last_arrival) * 1000) > self.max_gap_ms:
        self.max_gap_ms = gap
    self.last_arrival = now
    first = self.arrived_count
    self.arrived_count += len(parts)
    if self.fmt == "sse":
        if len(parts) == 1:  # the usual case: one event per body part
            part = parts[0]
            batch = [StreamItem(first, "event", part.data, now, offset, part.event, part.id,
                                part.retry)]
        else:
            batch = [StreamItem(first + n, "event", part.data, now, offset, part.event,
                                part.id, part.retry) for n, part in enumerate(parts)]
    elif self.fmt == "lines":
        batch = [StreamItem(first + n, "line", part, now, offset)
                 for n, part in enumerate(parts)]
    elif self.fmt == "websocket":
        batch = [StreamItem(first + n, "message", value, now, offset) if kind == "text"
                 else StreamItem(first + n, "binary", value.decode("utf-8", "replace"), now,
                                 offset, raw=value)
                 for n, (kind, value) in enumerate(parts)]
    else:
        batch = [StreamItem(first + n, "chunk", part.decode("utf-8", "replace"), now, offset,
                            raw=part) for n, part in enumerate(parts)]
    if len(self.transcript) < TRANSCRIPT_LIMIT:
        self.transcript.extend(batch[:TRANSCRIPT_LIMIT - len(self.transcript)])
    self.last_arrived = batch[-1]
    if self.checker is not None:  # as each item arrives, even on a stream that never ends
        for item in batch:
            problem = self.checker(item)
            if problem is not None and not _sentinel(self, item):
                self.violations[item.index] = problem
    return batch


def body_parts(response: httpx.Response) -> Any:
    """The body as it arrives: uncompressed parts as they are, skipping httpx's decoder
    layer, which costs a little on every part and does nothing for them."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return response.aiter_raw()
    return response.aiter_bytes()


def urgent(stream: LiveStream, batch: list[StreamItem]) -> bool:
    """A batch that a waiting bulk reader must see at once: it holds a done or error item,
    or one that breaks the contract (anything else may wait until the buffer is full)."""
    for item in batch:
        if (stream.done.matches(item) or stream.error_rule.matches(item)
                or item.index in stream.violations):
            return True
    return False


def _sentinel(stream: LiveStream, item: StreamItem) -> bool:
    """A done or error marker that is no data item (OpenAI's ``data: [DONE]``): its data is
    not JSON, so the contract's item schema is not its. A done or error event that
    carries JSON is checked like any other."""
    if not (stream.done.matches(item) or stream.error_rule.matches(item)):
        return False
    try:
        json.loads(item.data)
    except ValueError:
        return True
    return False
