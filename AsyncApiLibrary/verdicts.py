"""What a stream did wrong, as phrases: items after its end, items that broke its contract.

Functions of a ``LiveStream`` rather than its methods: the stream reads and keeps; these
say, for the reading keywords and the end-of-test check, what it kept means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .display import short

if TYPE_CHECKING:
    from .items import StreamItem
    from .streams import LiveStream


def end_word(stream: LiveStream, end: StreamItem) -> str:
    return "done event" if end is stream.done_item else "error event"


def violation(stream: LiveStream, item: StreamItem) -> str:
    """The sentence for an item that breaks the contract."""
    return (f"{item.kind.capitalize()} {item.index} of stream '{stream.name}' breaks the "
            f"contract of {stream.contract_label}: {stream.violations[item.index]} "
            f"({item.kind}: {short(item.data, 80)}).")


def unread_violations(stream: LiveStream) -> str:
    """Items that broke the contract and were never read, as a phrase ('' if none)."""
    unread = [index for index in sorted(stream.violations) if index >= stream.delivered_count]
    if not unread:
        return ""
    first = unread[0]
    return (f"stream '{stream.name}' broke the contract of {stream.contract_label} at item "
            f"{first}: {stream.violations[first]}"
            + (f" ({len(unread)} items in all)" if len(unread) > 1 else ""))


def after_end(stream: LiveStream) -> str:
    """What arrived after the done or error event that was read, as a phrase ('' if
    nothing did, or the end was not read, or the stream goes on after it: a socket)."""
    if not stream.ends_at_done:
        return ""
    end = stream.error_item or stream.done_item
    extra = 0 if end is None else stream.arrived_count - 1 - end.index
    first = 0 if end is None else end.index + 1
    if end is stream.error_item and _closing_done(stream, first):
        extra, first = extra - 1, first + 1  # an error, then done: allowed, read or not
    if extra <= 0:
        return ""
    shown = f": {stream.transcript[first].summary()}" if first < len(stream.transcript) else ""
    return (f"got {extra} item{'' if extra == 1 else 's'} after the {end_word(stream, end)} "
            f"of stream '{stream.name}'{shown}")


def _closing_done(stream: LiveStream, index: int) -> bool:
    """Whether item ``index`` (the one after the error event) is a done event: vLLM and
    OpenAI close a failed stream so, and a test that checked the error need not read it."""
    if stream.done_item is not None and stream.done_item.index == index:
        return True
    if index < len(stream.transcript):
        return stream.done.matches(stream.transcript[index])
    last = stream.last_arrived
    return last is not None and last.index == index and stream.done.matches(last)
