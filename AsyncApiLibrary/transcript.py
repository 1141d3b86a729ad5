"""Render a stream's transcript for log.html: a table and a small arrival-time picture."""

from __future__ import annotations

from html import escape

from .masking import Masker
from .streams import TRANSCRIPT_LIMIT, LiveStream

_WIDTH, _HEIGHT = 420, 36
_DATA_LIMIT = 80


def render(stream: LiveStream, masker: Masker) -> str:
    """HTML for Robot's log: summary line, inline SVG timeline, and a row per item."""
    items = stream.transcript
    end = {
        "ended": "the server ended it",
        "failed": f"it broke ({type(stream.error).__name__})",
        "disconnected": "the test disconnected",
        "rejected": "it was refused",
        "open": "still open",
    }.get(stream.state, stream.state)
    first = f"{stream.first_offset_ms:.1f} ms" if stream.first_offset_ms is not None else "n/a"
    summary = (
        f"Stream {escape(stream.label)}: {stream.arrived_count} items arrived, "
        f"{stream.delivered_count} read; first after {first}; largest gap "
        f"{stream.max_gap_ms:.1f} ms; done seen: {'yes' if stream.done_seen else 'no'}; "
        f"end: {escape(end)}."
    )
    rows = "".join(
        f"<tr><td>{item.index}</td><td>{item.offset_ms:.1f}</td>"
        f"<td>{escape(item.event or item.kind)}</td>"
        f"<td><code>{escape(_clip(masker.text(item.data)))}</code></td></tr>"
        for item in items
    )
    more = ""
    if stream.arrived_count > TRANSCRIPT_LIMIT:
        more = f"<p>(only the first {TRANSCRIPT_LIMIT} of {stream.arrived_count} items are listed)</p>"
    table = (
        "<table border='1' style='border-collapse:collapse;font-size:90%'>"
        "<tr><th>#</th><th>arrived (ms)</th><th>event</th><th>data</th></tr>"
        f"{rows}</table>"
    )
    return f"<p>{summary}</p>{_timeline(stream)}{table}{more}"


def _timeline(stream: LiveStream) -> str:
    offsets = [item.offset_ms for item in stream.transcript]
    if not offsets:
        return ""
    span = max(offsets[-1], 1.0)
    ticks = "".join(
        f"<line x1='{x:.1f}' y1='6' x2='{x:.1f}' y2='24' stroke='#2a6' stroke-width='1.5'/>"
        for x in (10 + (_WIDTH - 20) * offset / span for offset in offsets)
    )
    cut = ""
    if stream.disconnected_at is not None:
        cut_ms = (stream.disconnected_at - stream.sent_at) * 1000
        x = 10 + (_WIDTH - 20) * min(cut_ms / span, 1.0)
        cut = f"<line x1='{x:.1f}' y1='2' x2='{x:.1f}' y2='28' stroke='#c33' stroke-width='2'/>"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_WIDTH}' height='{_HEIGHT}' "
        f"role='img' aria-label='arrival times'>"
        f"<line x1='10' y1='24' x2='{_WIDTH - 10}' y2='24' stroke='#999'/>{ticks}{cut}"
        f"<text x='10' y='34' font-size='9'>0 ms</text>"
        f"<text x='{_WIDTH - 60}' y='34' font-size='9'>{span:.1f} ms</text></svg>"
    )


def _clip(text: str) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= _DATA_LIMIT else text[: _DATA_LIMIT - 3] + "..."
