"""A stream's transcript for log.html: headline figures, a timeline picture, a table of items.

``render`` is what ``LibraryComponent.log_transcript`` logs (one HTML message per stream).
Every text shown passes through the masker first, is clipped next and HTML-escaped last,
so no credential reaches the log, not even cut in half by the clipping.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from itertools import pairwise

from . import timeline
from .arrivals import TRANSCRIPT_LIMIT
from .chunk_text import default_content
from .items import StreamItem
from .masking import Masker
from .streams import LiveStream

HEAD_ROWS, TAIL_ROWS = 15, 8  # a long table shows these rows, and all of them folded away
CONTENT_LIMIT = 100  # characters of an item's content in its row
RAW_LIMIT = 2000  # characters of an item's raw data in its collapsed cell
ROW_STYLES = {"done": "background:#e8f5e9", "error": "background:#fdecea",
              "sent": "background:#e3f2fd"}
SENT_DRAWN = 5  # messages the test sent, drawn on the timeline (all are in the table)
SYMBOLS = {"item": "●", "done": "◆", "error": "▲"}
CELL = "style='padding:2px 8px;text-align:left'"
FONT = "font-family:Helvetica,Arial,sans-serif"


def render(stream: LiveStream, masker: Masker, *,
           content: Callable[[StreamItem], str | None] | None = None) -> str:
    """HTML for Robot's log: a title, the timeline picture with the headline figures beside
    it, and a row per item (index, arrival, event name, content, raw data collapsed).

    ``content`` picks what the content column shows for an item; when it is not given, or
    returns None for an item, the item's default content is shown (see `default_content`).
    """
    items = list(stream.transcript)  # once: the pump may still be adding to it
    marks = [timeline.Mark(item.index, item.offset_ms, masker.text(display_name(item)),
                           item_role(stream, item)) for item in items]
    sent = list(getattr(stream, "sent", ()))  # a WebSocket's messages from the test
    moments = stream_moments(stream) + [timeline.Moment(item.offset_ms, "sent")
                                        for item in sent[:SENT_DRAWN]]
    picture = timeline.svg(marks, moments) if marks or moments else ""
    figures = "".join(f"<li>{line}</li>" for line in headline(stream, masker))
    palette = timeline.colours(marks)
    cells = [row_cells(item, mark, palette, masker, content)
             for item, mark in zip(items, marks, strict=True)]
    if sent:  # both directions, in the order they happened
        rows = [(item.arrived, cell) for item, cell in zip(items, cells, strict=True)]
        rows += [(item.arrived, sent_cells(item, masker)) for item in sent]
        cells = [cell for _, cell in sorted(rows, key=lambda row: row[0])]
    more = ""
    if stream.arrived_count > len(items):
        more = (f"<p>Only the first {TRANSCRIPT_LIMIT} of {stream.arrived_count} items are "
                f"listed and drawn.</p>")
    return (
        f"<div class='stream-transcript' style='{FONT}'>"
        f"<b>Transcript of {'stream ' if stream.noun == 'stream' else ''}"
        f"{escape(masker.text(stream.label))}</b>"
        "<div style='display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-start;"
        f"margin:4px 0'>{picture}<ul style='flex:1 1 300px;margin:4px 0;padding-left:18px;"
        f"line-height:1.6'>{figures}</ul></div>{table(cells)}{more}</div>"
    )


def table(cells: list[tuple[str, str]]) -> str:
    """The items' table; a long one shows its first and last rows, and all of them folded
    away below. The raw data column is there only when some row has raw data to show."""
    if not cells:
        return "<p>No item arrived.</p>"
    if len(cells) <= HEAD_ROWS + TAIL_ROWS + 5:
        return rows_table(cells)
    left_out = len(cells) - HEAD_ROWS - TAIL_ROWS
    gap = (f"<tr><td {CELL} colspan='5'>… {left_out} more items: all {len(cells)} are in "
           "the list below …</td></tr>")
    short = rows_table(cells[:HEAD_ROWS] + cells[-TAIL_ROWS:], gap_after=HEAD_ROWS, gap=gap)
    return (f"{short}<details><summary>All {len(cells)} items</summary>{rows_table(cells)}"
            "</details>")


def rows_table(cells: list[tuple[str, str]], gap_after: int = -1, gap: str = "") -> str:
    """A table of these rows, with ``gap`` (a row) after the first ``gap_after``."""
    with_raw = any(raw for _, raw in cells)
    head = "".join(f"<th {CELL}>{name}</th>" for name in
                   ("#", "arrived (ms)", "event", "content", "raw data")[:5 if with_raw else 4])
    rows = [f"{start}{f'<td {CELL}>{raw}</td>' if with_raw else ''}</tr>"
            for start, raw in cells]
    if gap_after >= 0:
        rows.insert(gap_after, gap)
    return ("<table style='border-collapse:collapse;table-layout:auto;margin-top:6px' "
            f"border='1'><tr>{head}</tr>{''.join(rows)}</table>")


# -- what each item is --------------------------------------------------------------------
def display_name(item: StreamItem) -> str:
    """The name a reader knows the item by: its event name, else 'message' (SSE's default
    type), 'line' or 'chunk'."""
    return item.name or {"event": "message"}.get(item.kind, item.kind)


def item_role(stream: LiveStream, item: StreamItem) -> str:
    """``done`` for a done event, ``error`` for an error event, else ``item``."""
    if item is stream.done_item or stream.done.matches(item):
        return "done"
    if item is stream.error_item or stream.error_rule.matches(item):
        return "error"
    return "item"


# -- the content column ---------------------------------------------------------------------
def content_text(item: StreamItem, content: Callable[[StreamItem], str | None] | None) -> str:
    """What the content column shows: ``content(item)`` when it gives text, else the default.

    A ``content`` function that fails on an item does not lose the transcript: that row
    shows the default instead.
    """
    if content is not None:
        try:
            text = content(item)
        except Exception:
            text = None
        if text is not None:
            return str(text)
    return default_content(item)


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters: line breaks shown as \\n, '...' if cut."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def row_cells(item: StreamItem, mark: timeline.Mark, palette: dict[str, str],
              masker: Masker, content: Callable[[StreamItem], str | None] | None
              ) -> tuple[str, str]:
    """One table row, unclosed: index, arrival, coloured event name, content; and the raw
    data in a collapsed cell ('' when the content shows all of it)."""
    shown = clip(masker.text(content_text(item, content)), CONTENT_LIMIT)
    data = masker.text(item.data)
    raw = ""
    if shown != clip(data, CONTENT_LIMIT) or len(data) > CONTENT_LIMIT:
        raw = (f"<details><summary>raw</summary><code>{escape(clip(data, RAW_LIMIT))}</code>"
               "</details>")
    colour = timeline.colour_of(mark, palette)
    style = f" style='{ROW_STYLES[mark.role]}'" if mark.role in ROW_STYLES else ""
    start = (
        f"<tr{style}><td {CELL}>{item.index}</td><td {CELL}>{item.offset_ms:.1f}</td>"
        f"<td {CELL}><span style='color:{colour}'>{SYMBOLS[mark.role]}</span> "
        f"{escape(mark.name)}</td><td {CELL}><code>{escape(shown)}</code></td>"
    )
    return start, raw


def sent_cells(item: StreamItem, masker: Masker) -> tuple[str, str]:
    """A row for a message the test sent on a WebSocket: marked as sent, in blue."""
    data = masker.text(item.data)
    shown = clip(data, CONTENT_LIMIT)
    raw = ""
    if len(data) > CONTENT_LIMIT:
        raw = (f"<details><summary>raw</summary><code>{escape(clip(data, RAW_LIMIT))}</code>"
               "</details>")
    name = escape(masker.text(item.name or "message"))
    start = (
        f"<tr style='{ROW_STYLES['sent']}'><td {CELL}>sent {item.index}</td>"
        f"<td {CELL}>{item.offset_ms:.1f}</td><td {CELL}>→ {name}</td>"
        f"<td {CELL}><code>{escape(shown)}</code></td>"
    )
    return start, raw


# -- the headline figures -------------------------------------------------------------------
def ms(value: float) -> str:
    """A duration for a reader: ms under two seconds, else seconds."""
    return f"{value:.1f} ms" if value < 2000 else f"{value / 1000:.2f} s"


def since_sent(stream: LiveStream, at: float | None) -> float | None:
    """A perf_counter time as ms since the request was sent (None stays None)."""
    return None if at is None else (at - stream.sent_at) * 1000


def end_ms(stream: LiveStream) -> float | None:
    """When the stream ended or broke, if known: ``stream.ended_at`` when the stream
    records it, else the end item of an ``end`` done convention."""
    ended = since_sent(stream, getattr(stream, "ended_at", None))
    if ended is None and stream.done_item is not None and stream.done_item.kind == "end":
        ended = stream.done_item.offset_ms
    return ended


def server_ended_first(stream: LiveStream) -> bool:
    """Whether the server ended (or broke) the stream before any disconnect by the test."""
    ended, cut = end_ms(stream), since_sent(stream, stream.disconnected_at)
    return ended is not None and (cut is None or ended <= cut)


def stream_moments(stream: LiveStream) -> list[timeline.Moment]:
    """The end of the stream and the test's disconnect, where their times are known; a
    disconnect after the server's end is only the library letting go, and not drawn."""
    moments = []
    ended = end_ms(stream)
    if ended is not None:
        end = "closed" if stream.noun == "WebSocket" else "end"
        moments.append(timeline.Moment(ended, "broke" if stream.error is not None else end))
    cut = since_sent(stream, stream.disconnected_at)
    if cut is not None and not server_ended_first(stream):
        moments.append(timeline.Moment(cut, "disconnect"))
    return moments


def largest_gap(items: list[StreamItem]) -> tuple[float, int, int] | None:
    """The largest time between consecutive items, and their indexes; None under 2 items."""
    best = None
    for before, after in pairwise(items):
        gap = after.offset_ms - before.offset_ms
        if best is None or gap > best[0]:
            best = (gap, before.index, after.index)
    return best


def gap_line(stream: LiveStream) -> str:
    """The largest gap, between which items (when the listed items contain it)."""
    best = largest_gap(stream.transcript)
    if best is None:
        return "<b>Largest gap</b>: none (fewer than 2 items)"
    gap, before, after = best
    if stream.max_gap_ms > gap + 0.05:
        return (f"<b>Largest gap</b> {ms(stream.max_gap_ms)}, after the first "
                f"{len(stream.transcript)} items")
    return f"<b>Largest gap</b> {ms(gap)}, between items {before} and {after}"


def end_event(stream: LiveStream) -> StreamItem | None:
    """The done or error event: the one the test read, else the first that arrived."""
    if stream.done_item is not None:
        return stream.done_item
    if stream.error_item is not None:
        return stream.error_item
    return next((item for item in stream.transcript if item_role(stream, item) != "item"), None)


def connection_words(stream: LiveStream) -> str:
    """What became of the connection: the server ended it, it broke, the test disconnected."""
    if hasattr(stream, "closed_words"):  # a WebSocket: who closed it, with which code
        return stream.closed_words()
    ended = end_ms(stream)
    at = f" at {ms(ended)}" if ended is not None else ""
    if stream.error is not None:
        return f"the stream broke{at}: {type(stream.error).__name__}: {stream.error}"
    if server_ended_first(stream) or stream.state == "ended":
        return f"the server ended the stream{at}"
    cut = since_sent(stream, stream.disconnected_at)
    if cut is not None:
        return f"the test disconnected at {ms(cut)}"
    return f"the stream was still {stream.state} when this was logged"


def ending(stream: LiveStream) -> str:
    """How the stream ended, in words: done event, error event, server ended, broke,
    test disconnected, refused, or still open (unmasked: the caller masks it)."""
    if stream.state == "rejected" and hasattr(stream, "refused_words"):
        return stream.refused_words()
    if stream.state == "rejected":
        status = stream.response.status_code if stream.response is not None else "no status"
        body = stream.rejected_body
        return f"refused: the server answered status {status}" + (f": {body}" if body else "")
    end = end_event(stream)
    connection = connection_words(stream)
    if end is None:
        return f"{connection}, without a done event"
    if end.kind == "end":
        return f"the server ended the stream at {ms(end.offset_ms)} (its done convention)"
    role = "done" if item_role(stream, end) == "done" else "error"
    then = "" if stream.state in ("open", "starting") else "then "
    return f"{role} event (item {end.index}, at {ms(end.offset_ms)}); {then}{connection}"


def headline(stream: LiveStream, masker: Masker) -> list[str]:
    """The figures beside the picture, as HTML lines."""
    first = stream.first_offset_ms
    word = getattr(stream, "item_word", "item")  # a WebSocket carries messages
    return [
        f"<b>First {word}</b> after {ms(first)}" if first is not None else f"<b>No {word}</b> arrived",
        gap_line(stream),
        f"<b>How it ended</b>: {escape(clip(masker.text(ending(stream)), 300))}",
        f"<b>{word.capitalize()}s</b>: {stream.arrived_count} arrived, {stream.delivered_count} "
        "read by the test",
    ]
