"""The timeline picture of a stream's transcript: one inline SVG for log.html.

Items are marks above a time axis that starts at the request (0 ms) and ends at the last
of the last item, the disconnect and the end of the stream. Marks that arrive together
stack instead of hiding each other; when too many arrive together for that, the items are
drawn as bars whose height counts them, with the done and error events above the bars. The disconnect and the end of the stream are not
items: they are drawn as markers of their own along the top, with a dashed line behind
the marks, so they never cover an item. A legend under the axis names every colour and
shape used. The picture needs no external files and reads at 100% zoom.

Callers pass names that are already masked; this module only escapes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 600
LEFT, RIGHT = 20, 580  # the axis runs between these x positions
MOMENT_ROW = 24  # px along the top for the markers of moments (disconnect, end)
LEVEL_STEP = 11  # px between stacked marks
MAX_LEVELS = 5  # marks stacked in one column; more, and the picture draws bars instead
SEPARATION = 8  # px: a mark closer than this to its column's first mark stacks on it
BIN = 4  # px of the axis per bar, when items are drawn as bars
LEGEND_ROW = 20
CHAR = 6.6  # px: the width of a character of the 12 px font, near enough
FONT = "font-family='Helvetica, Arial, sans-serif' font-size='12'"

NAME_COLOURS = ("#1f77b4", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
OTHER_COLOUR = "#7f7f7f"
DONE_COLOUR = "#2ca02c"
ERROR_COLOUR = "#d62728"
MOMENT_COLOURS = {"disconnect": "#222222", "end": "#555555", "broke": "#b00020",
                  "sent": "#1565c0", "closed": "#555555"}
MOMENT_WORDS = {"disconnect": "test disconnected", "end": "server ended the stream",
                "broke": "stream broke", "sent": "test sent a message",
                "closed": "server closed the WebSocket"}


@dataclass(frozen=True)
class Mark:
    """One item on the timeline: its index, arrival, display name and role.

    ``role`` is ``item``, ``done`` (the done event) or ``error`` (an error event).
    """

    index: int
    offset_ms: float
    name: str
    role: str = "item"


@dataclass(frozen=True)
class Moment:
    """A point in time that is not an item: ``disconnect``, ``end``, ``broke`` or ``sent``
    (a WebSocket message the test sent)."""

    offset_ms: float
    role: str


@dataclass(frozen=True)
class Frame:
    """Where things go: the time the axis spans, the y of the axis, and whether items are
    drawn as bars (too many arrive together to stack them)."""

    span: float
    axis_y: float
    dense: bool = False

    def x(self, offset_ms: float) -> float:
        """The x position of a time on the axis."""
        return LEFT + (RIGHT - LEFT) * min(max(offset_ms / self.span, 0.0), 1.0)

    def level_y(self, level: int) -> float:
        """The centre y of a mark at a stacking level (0 sits on the axis)."""
        return self.axis_y - 9 - level * LEVEL_STEP


# -- scale --------------------------------------------------------------------------------
def span_ms(marks: list[Mark], moments: list[Moment]) -> float:
    """Where the axis ends: the last of every mark and moment (never zero)."""
    offsets = [mark.offset_ms for mark in marks] + [moment.offset_ms for moment in moments]
    return max([0.01, *offsets])


def nice_step(span: float, most: int = 6) -> float:
    """The tick spacing: 1, 2 or 5 times a power of ten, at most ``most`` steps to ``span``."""
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw * 0.999)


def ticks(span: float) -> list[float]:
    """Tick positions in ms: 0, one step, ... up to ``span``."""
    step = nice_step(span)
    return [n * step for n in range(int(span / step + 1e-9) + 1)]


def tick_label(value_ms: float, step_ms: float, span: float) -> str:
    """A tick's label with its unit: ms, or s once the axis is two seconds or longer."""
    scale, unit = (1000.0, "s") if span >= 2000 else (1.0, "ms")
    decimals = max(0, -math.floor(math.log10(step_ms / scale) + 1e-9))
    return f"{value_ms / scale:.{decimals}f} {unit}"


# -- layout -------------------------------------------------------------------------------
def colours(marks: list[Mark]) -> dict[str, str]:
    """A colour per item name, in order of first appearance; done and error have theirs."""
    found: dict[str, str] = {}
    for mark in marks:
        if mark.role == "item" and mark.name not in found:
            n = len(found)
            found[mark.name] = NAME_COLOURS[n] if n < len(NAME_COLOURS) else OTHER_COLOUR
    return found


def colour_of(mark: Mark, palette: dict[str, str]) -> str:
    """The fill of one mark."""
    if mark.role == "done":
        return DONE_COLOUR
    if mark.role == "error":
        return ERROR_COLOUR
    return palette.get(mark.name, OTHER_COLOUR)


def stack_levels(xs: list[float]) -> list[int]:
    """How high each mark sits: 0 on the axis, one up for each mark it would cover."""
    levels: list[int] = []
    start: float | None = None
    for x in xs:
        if start is not None and x - start < SEPARATION:
            levels.append(levels[-1] + 1)
        else:
            start = x
            levels.append(0)
    return levels


# -- shapes -------------------------------------------------------------------------------
def shape(role: str, x: float, y: float, colour: str, size: float = 5.0) -> str:
    """A mark's shape: circle (item), diamond (done), triangle (error), ▼ (disconnect),
    square (end of stream, or broke)."""
    s = size
    if role == "bar":
        return (f"<rect x='{x - 2:.1f}' y='{y - s - 2:.1f}' width='4' height='{2 * s + 4:.1f}' "
                f"fill='{colour}'/>")
    if role == "item":
        return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{s:.1f}' fill='{colour}' stroke='#fff'/>"
    if role == "done":
        points = [(x, y - s - 1), (x + s + 1, y), (x, y + s + 1), (x - s - 1, y)]
    elif role == "error":
        points = [(x, y - s - 1), (x + s + 1, y + s), (x - s - 1, y + s)]
    elif role == "disconnect":
        points = [(x - s - 1, y - s), (x + s + 1, y - s), (x, y + s)]
    else:
        return (f"<rect x='{x - s:.1f}' y='{y - s:.1f}' width='{2 * s:.1f}' "
                f"height='{2 * s:.1f}' fill='{colour}'/>")
    spec = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return f"<polygon points='{spec}' fill='{colour}' stroke='#fff'/>"


def mark_svg(mark: Mark, x: float, y: float, colour: str) -> str:
    """One item's mark, with a tooltip naming it."""
    tip = f"item {mark.index} '{mark.name}' at {mark.offset_ms:.1f} ms"
    return (f"<g class='mark {mark.role}'><title>{escape(tip)}</title>"
            f"{shape(mark.role, x, y, colour)}</g>")


def marks_svg(marks: list[Mark], frame: Frame, palette: dict[str, str]) -> str:
    """Every item's mark, stacked where they would cover each other."""
    xs = [frame.x(mark.offset_ms) for mark in marks]
    drawn, column_x = [], 0.0
    for mark, x, level in zip(marks, xs, stack_levels(xs), strict=True):
        column_x = x if level == 0 else column_x
        drawn.append(mark_svg(mark, column_x, frame.level_y(level), colour_of(mark, palette)))
    return "".join(drawn)


def bins(marks: list[Mark], frame: Frame) -> dict[float, list[Mark]]:
    """The items (not done or error events) by the bar they fall in, keyed by its x."""
    found: dict[float, list[Mark]] = {}
    for mark in marks:
        if mark.role == "item":
            start = LEFT + (frame.x(mark.offset_ms) - LEFT) // BIN * BIN
            found.setdefault(start, []).append(mark)
    return found


def bars_svg(marks: list[Mark], frame: Frame, palette: dict[str, str]) -> str:
    """Too many items to stack: a bar per few px, its height counting the items in it
    (coloured by the commonest name); done and error events above the bars."""
    grouped = bins(marks, frame)
    tallest = max((len(group) for group in grouped.values()), default=1)
    room = (MAX_LEVELS - 0.5) * LEVEL_STEP
    parts = []
    for x, group in grouped.items():
        height = 3 + (room - 3) * len(group) / tallest
        names = [mark.name for mark in group]
        colour = palette.get(max(set(names), key=names.count), OTHER_COLOUR)
        tip = f"{len(group)} items, {group[0].offset_ms:.1f} to {group[-1].offset_ms:.1f} ms"
        parts.append(f"<g class='bar'><title>{escape(tip)}</title><rect x='{x:.1f}' "
                     f"y='{frame.axis_y - height:.1f}' width='{BIN - 0.5}' "
                     f"height='{height:.1f}' fill='{colour}'/></g>")
    ends = [mark for mark in marks if mark.role != "item"]
    xs = [frame.x(mark.offset_ms) for mark in ends]
    for mark, x, level in zip(ends, xs, stack_levels(xs), strict=True):
        parts.append(mark_svg(mark, x, frame.level_y(MAX_LEVELS + level), colour_of(mark, palette)))
    return "".join(parts)


def tallest_bar(marks: list[Mark], frame: Frame) -> int:
    """How many items the tallest bar holds."""
    return max((len(group) for group in bins(marks, frame).values()), default=0)


def moment_svg(moment: Moment, frame: Frame, row: int) -> str:
    """A dashed line down to the axis (drawn behind the marks) and a labelled marker in
    the top rows, where no item is ever drawn; ``row`` keeps two moments apart."""
    x = frame.x(moment.offset_ms)
    y = 10 + row * MOMENT_ROW
    colour = MOMENT_COLOURS.get(moment.role, "#555555")
    label = f"{MOMENT_WORDS.get(moment.role, moment.role)} at {moment.offset_ms:.1f} ms"
    anchor, text_x = ("end", x - 10) if x > RIGHT - CHAR * len(label) - 12 else ("start", x + 10)
    return (
        f"<g class='moment {moment.role}'><title>{escape(label)}</title>"
        f"<line x1='{x:.1f}' y1='{y + 4}' x2='{x:.1f}' y2='{frame.axis_y}' stroke='{colour}' "
        f"stroke-dasharray='3,3'/>{shape(moment.role, x, y, colour)}"
        f"<text x='{text_x:.1f}' y='{y + 4}' text-anchor='{anchor}' fill='{colour}'>"
        f"{escape(label)}</text></g>"
    )


def axis_svg(frame: Frame) -> str:
    """The axis line, its ticks and their labels with units, and what the axis measures."""
    span, y = frame.span, frame.axis_y
    positions = ticks(span)
    step = positions[1] if len(positions) > 1 else span
    parts = [f"<line x1='{LEFT}' y1='{y}' x2='{RIGHT}' y2='{y}' stroke='#888'/>"]
    for value in positions:
        x = frame.x(value)
        anchor = "start" if value == 0 else "end" if x > RIGHT - 20 else "middle"
        parts.append(
            f"<line x1='{x:.1f}' y1='{y}' x2='{x:.1f}' y2='{y + 5}' stroke='#888'/>"
            f"<text class='tick' x='{x:.1f}' y='{y + 18}' text-anchor='{anchor}'>"
            f"{tick_label(value, step, span)}</text>"
        )
    end = tick_label(span, step / 10, span)
    room = RIGHT - frame.x(positions[-1]) - CHAR * (len(end) + len(tick_label(
        positions[-1], step, span)) / 2)
    if room > 12:  # the end falls between ticks, with room to say where
        parts.append(f"<line x1='{RIGHT}' y1='{y}' x2='{RIGHT}' y2='{y + 5}' stroke='#888'/>"
                     f"<text class='tick end' x='{RIGHT}' y='{y + 18}' text-anchor='end'>"
                     f"{end}</text>")
    last = f"{span:.1f} ms" if span < 2000 else f"{span / 1000:.2f} s"
    parts.append(f"<text x='{LEFT}' y='{y + 34}' fill='#555'>time since the request was sent "
                 f"(0 = request sent; the axis ends at {last})</text>")
    return "".join(parts)


# -- legend -------------------------------------------------------------------------------
def legend_entries(marks: list[Mark], moments: list[Moment], palette: dict[str, str],
                   frame: Frame) -> list[tuple[str, str, str]]:
    """(role, colour, words) for every kind of mark and moment in the picture."""
    counts = {name: sum(1 for m in marks if m.name == name and m.role == "item")
              for name in palette}
    role = "bar" if frame.dense else "item"
    entries = [(role, colour, f"{name} ×{counts[name]}") for name, colour in palette.items()]
    if frame.dense:
        per_bar = frame.span * BIN / (RIGHT - LEFT)
        entries.append(("bar", OTHER_COLOUR, f"a bar: the items of {per_bar:.1f} ms "
                        f"(the tallest: {tallest_bar(marks, frame)})"))
    if any(mark.role == "done" for mark in marks):
        entries.append(("done", DONE_COLOUR, "done event"))
    if any(mark.role == "error" for mark in marks):
        entries.append(("error", ERROR_COLOUR, "error event"))
    for role in dict.fromkeys(moment.role for moment in moments):  # each kind once
        entries.append((role, MOMENT_COLOURS.get(role, "#555555"), MOMENT_WORDS.get(role, role)))
    return entries


def legend_svg(entries: list[tuple[str, str, str]], top: float) -> tuple[str, float]:
    """The legend in rows under the axis; returns its SVG and the y below it."""
    parts, x, y = [], float(LEFT), top
    for role, colour, words in entries:
        width = 16 + CHAR * len(words) + 22
        if x + width > WIDTH and x > LEFT:
            x, y = float(LEFT), y + LEGEND_ROW
        parts.append(f"<g class='legend {role}'>{shape(role, x + 6, y - 4, colour)}"
                     f"<text x='{x + 16:.1f}' y='{y:.1f}'>{escape(words)}</text></g>")
        x += width
    return "".join(parts), y + 8


def frame_for(marks: list[Mark], moments: list[Moment]) -> Frame:
    """The axis span, and the axis as low as the moments' rows and the tallest stack need."""
    span = span_ms(marks, moments)
    frame = Frame(span, 0.0)
    tallest = max(stack_levels([frame.x(mark.offset_ms) for mark in marks]), default=0)
    dense = tallest >= MAX_LEVELS
    ends = [frame.x(mark.offset_ms) for mark in marks if mark.role != "item"]
    levels = MAX_LEVELS + 1 + max(stack_levels(ends), default=0) if dense else tallest + 1
    return Frame(span, 4 + MOMENT_ROW * len(moments) + levels * LEVEL_STEP + 10, dense)


def svg(marks: list[Mark], moments: list[Moment]) -> str:
    """The whole picture: moments behind, marks, axis with ticks, legend."""
    frame = frame_for(marks, moments)
    palette = colours(marks)
    entries = legend_entries(marks, moments, palette, frame)
    legend, bottom = legend_svg(entries, frame.axis_y + 58)
    drawn = (bars_svg if frame.dense else marks_svg)(marks, frame, palette)
    moments_drawn = "".join(moment_svg(moment, frame, row) for row, moment in enumerate(moments))
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{bottom:.0f}' "
        f"viewBox='0 0 {WIDTH} {bottom:.0f}' role='img' {FONT} style='flex:none' "
        f"aria-label='arrival of the stream items over time'>"
        f"{moments_drawn}{drawn}{axis_svg(frame)}{legend}</svg>"
    )
