"""Reading a stream to its done event in one coroutine, with one deadline for it all."""

from __future__ import annotations

from collections.abc import Callable

import anyio

from ..errors import AsyncApiError, DeadlineExceeded, StreamFailure
from ..items import StreamItem
from ..streams import LiveStream


async def read_until_done(stream: LiveStream, limit: float) -> list[StreamItem]:
    """Every item before the done event; fails on an error event, the end, or ``limit``."""
    items: list[StreamItem] = []
    await _to_done(stream, limit, items.append)
    return items


async def count_until_done(stream: LiveStream, limit: float) -> int:
    """How many items came before the done event, holding none of them."""
    return await _to_done(stream, limit, None)


async def _to_done(stream: LiveStream, limit: float,
                   keep: Callable[[StreamItem], None] | None) -> int:
    counted = [0]
    try:
        with anyio.fail_after(limit):
            while True:
                # One deadline above covers every read; items already here need no await,
                # and the pump wakes this reader only for what it must see at once.
                item = stream.arrived_item()
                if item is None:
                    await stream.wait_for_end_or_full()
                    item = stream.arrived_item() or await stream.next_item(None)
                if _is_done(stream, item, counted, keep):
                    return counted[0]
    except TimeoutError:
        while (item := stream.arrived_item()) is not None:  # what arrived before the deadline
            if _is_done(stream, item, counted, keep):
                return counted[0]
        count = counted[0]
        raise DeadlineExceeded(
            f"{stream.noun[0].upper()}{stream.noun[1:]} '{stream.name}' did not reach its done event "
            f"within {limit:g} s; "
            f"{count} item{'' if count == 1 else 's'} read ({stream.seen_so_far()})."
        ) from None


def _is_done(stream: LiveStream, item: StreamItem, counted: list[int],
             keep: Callable[[StreamItem], None] | None) -> bool:
    """True for the done item; fails on an error item; counts (and keeps) any other.
    (Delivering the item matched it against the stream's done and error rules.)

    A done after an error closes the reply that failed (vLLM and OpenAI send one): read
    right after that error, it is the done this read returns, as `Expect Done Event` does;
    on a socket where the test has sent its next message since, it is passed over, and the
    next reply follows."""
    if item is stream.done_item:
        return not stream.closes_an_earlier_reply(item)
    if item is stream.error_item:
        raise StreamFailure(
            f"Expected the done event on stream '{stream.name}', but an error "
            f"event arrived after {counted[0]} items: {item.summary()}."
        )
    counted[0] += 1
    if keep is not None:
        keep(item)
    return False


async def wait_event(event: anyio.Event, limit: float) -> bool:
    """Wait up to ``limit`` seconds for ``event``; True if it was set."""
    with anyio.move_on_after(limit):
        await event.wait()
    return event.is_set()


async def read_all_until_done(
        streams: list[LiveStream], limit: float,
        keep: Callable[[int, list[StreamItem]], None] | None = None) -> list[list[StreamItem]]:
    """Read every stream to its done event at once, under one deadline for them all.

    A stream that fails does not stop the others: every one is read to its done event, its
    failure or the deadline, so a failure says how many failed, and which came first in
    the list, the same in every run. ``keep(index, items)`` is called for each stream read
    to done, as it is, so what was read is not lost when another fails."""
    results: list[list[StreamItem]] = [[] for _ in streams]
    failed: dict[int, AsyncApiError] = {}

    async def one(index: int) -> None:
        try:
            results[index] = await read_until_done(streams[index], limit)
        except AsyncApiError as exc:
            failed[index] = exc
            return
        if keep is not None:
            keep(index, results[index])

    async with anyio.create_task_group() as group:
        for index in range(len(streams)):
            group.start_soon(one, index)
    if failed:
        first = failed[min(failed)]
        if len(failed) == 1:
            raise first
        raise type(first)(f"{len(failed)} of {len(streams)} streams did not reach their done "
                          f"event; the first: {first}")
    return results
