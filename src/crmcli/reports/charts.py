"""Report charts as plain vector geometry, drawn twice: inline SVG (the HTML page) and a
reportlab drawing (the PDF).

Why not a chart library: pygal, the well-kept SVG one, links an external script
(kozea.github.io/pygal.js) unless told not to, writes random element ids (a page
differs on every run) and ~16 KB for two bars, and cannot draw into a PDF without
cairosvg, which needs the system's cairo. One small layout here gives the page and
the PDF the same charts with no further dependency, and knows what these reports
need: long Chinese category names (horizontal bars, labels cut with … at a measured
width), compact axis figures (万 / k) and the partial current period (a dashed last
segment, a hollow point, a paler bar) so the month so far does not read as a collapse.

Coordinates are SVG's: origin top left, y downwards; angles clockwise from 12 o'clock.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crmcli.i18n import translate, zh_text
from crmcli.reports.base import Section
from crmcli.reports.render import cell_text, is_percent, partial_word

PALETTE = ("#3b6ea8", "#e0893a", "#4f9d74", "#c4544a", "#8767b3", "#b99a3c", "#3f9fb3", "#cf7aa1", "#7d8a96", "#93ab4f")
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e3e7ec"
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
PIE_SLICES = 8  # more categories than this: the smallest are summed into one "other" slice
MAX_BARS = 20


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str | None = None
    dash: bool = False


@dataclass
class Line:
    points: list[tuple[float, float]]
    stroke: str
    width: float = 1.0
    dash: bool = False


@dataclass
class Circle:
    cx: float
    cy: float
    r: float
    fill: str
    stroke: str
    width: float = 1.5


@dataclass
class Wedge:
    cx: float
    cy: float
    r: float
    inner: float
    start: float  # degrees clockwise from 12 o'clock
    end: float
    fill: str


@dataclass
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 11.0
    anchor: str = "start"  # start, middle, end
    fill: str = INK
    bold: bool = False


@dataclass
class Drawing:
    width: float
    height: float
    shapes: list[Any] = field(default_factory=list)
    title: str = ""


# -- measuring and numbers --------------------------------------------------------------------

def text_width(text: str, size: float) -> float:
    """Approximate width in points: CJK characters are one em, others a little over half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.58 for c in text)


def clip(text: str, size: float, width: float) -> str:
    """TEXT cut with … to fit WIDTH."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…", size) > width:
            break
        out += c
    return out + "…"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 .. a round number at or above TOP, in COUNT-ish round steps."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def compact(value: float, lang: str, percent: bool = False) -> str:
    """An axis figure: 12.5万 / 125k, 40%."""
    if percent:
        return f"{value * 100:.0f}%"
    a = abs(value)
    if lang.startswith("zh"):
        for div, unit in ((1e8, "亿"), (1e4, "万")):
            if a >= div:
                return f"{value / div:.4g}{zh_text(unit, lang)}"  # 萬 under zh-Hant
    else:
        for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if a >= div:
                return f"{value / div:.3g}{unit}"
    return f"{value:,.0f}" if value == int(value) else f"{value:.2g}"


# -- the charts ---------------------------------------------------------------------------------

def chart_for(section: Section, lang: str, width: float = 460) -> Drawing | None:
    """The section's chart, or None when it has none or nothing to draw."""
    spec = section.chart
    if spec is None or not section.rows:
        return None
    cat = section.column(spec.category)
    series = [section.column(k) for k in spec.values]
    if not any(isinstance(r[i], int | float) and r[i] for r in section.rows for i in series):
        return None
    labels = [cell_text(section.columns[cat], r[cat], r, section, lang) for r in section.rows]
    if spec.kind == "pie":
        return pie(section, labels, series[0], width, lang)
    if spec.kind == "line":
        return line(section, labels, series, width, lang)
    return bars(section, labels, series[0], width, lang)


def _value_text(section: Section, idx: int, row: Sequence[Any], lang: str) -> str:
    return cell_text(section.columns[idx], row[idx], row, section, lang)


def bars(section: Section, labels: list[str], idx: int, width: float, lang: str) -> Drawing:
    """Horizontal bars: long category names stay readable, each bar carries its figure."""
    rows = section.rows[:MAX_BARS]
    labels = labels[:MAX_BARS]
    size, bar_h, gap, top_pad = 11.0, 16.0, 8.0, 8.0
    label_w = min(max(text_width(s, size) for s in labels) + 8, width * 0.38)
    value_w = max(text_width(_value_text(section, idx, r, lang), size) for r in rows) + 10
    plot_x, plot_w = label_w, max(width - label_w - value_w, 40)
    values = [float(r[idx]) if isinstance(r[idx], int | float) else 0.0 for r in rows]
    top = max(max(values), 1e-9)
    if is_percent(section.columns[idx], rows[0], section):
        top = max(top, 1.0)  # rates against a full bar
    d = Drawing(width, top_pad * 2 + len(rows) * (bar_h + gap), title=section.title)
    for q in (0.25, 0.5, 0.75, 1.0):
        x = plot_x + plot_w * q
        d.shapes.append(Line([(x, top_pad - 2), (x, d.height - top_pad + 2)], GRID))
    for i, (label, value, row) in enumerate(zip(labels, values, rows, strict=True)):
        y = top_pad + i * (bar_h + gap)
        w = plot_w * max(value, 0) / top
        d.shapes.append(Text(plot_x - 6, y + bar_h * 0.75, clip(label, size, label_w - 8), size, "end"))
        if w > 0:
            d.shapes.append(Rect(plot_x, y, max(w, 1.5), bar_h, PALETTE[0]))
        d.shapes.append(Text(plot_x + w + 5, y + bar_h * 0.75, _value_text(section, idx, row, lang), size - 1, fill=MUTED))
    d.shapes.append(Line([(plot_x, top_pad - 2), (plot_x, d.height - top_pad + 2)], MUTED))
    return d


def pie(section: Section, labels: list[str], idx: int, width: float, lang: str) -> Drawing:
    """A ring of shares with a legend of names and percentages (the smallest slices summed as other)."""
    items = [(label, float(r[idx])) for label, r in zip(labels, section.rows, strict=True)
             if isinstance(r[idx], int | float) and r[idx] > 0]
    items.sort(key=lambda it: -it[1])
    if len(items) > PIE_SLICES:
        rest = sum(v for _, v in items[PIE_SLICES - 1:])
        items = [*items[:PIE_SLICES - 1], (translate("Other", lang), rest)]
    total = sum(v for _, v in items)
    size, row_h = 11.0, 20.0
    r = 78.0
    height = max(2 * r + 24, len(items) * row_h + 24)
    d = Drawing(width, height, title=section.title)
    cx, cy = r + 12, height / 2
    angle = 0.0
    for i, (_, v) in enumerate(items):
        sweep = 360.0 * v / total
        halves = [(angle, angle + sweep / 2), (angle + sweep / 2, angle + sweep)] if sweep > 180 else [(angle, angle + sweep)]
        for a0, a1 in halves:  # an arc over half a ring is drawn in two: a whole ring would otherwise vanish
            d.shapes.append(Wedge(cx, cy, r, r * 0.55, a0, a1, PALETTE[i % len(PALETTE)]))
        angle += sweep
    if len(items) > 1:  # white seams between slices
        at = 0.0
        for _, v in items:
            d.shapes.append(Line([_arc(cx, cy, r * 0.55 - 1, at), _arc(cx, cy, r + 1, at)], "#ffffff", 1.5))
            at += 360.0 * v / total
    d.shapes.append(Text(cx, cy + 5, compact(total, lang), 14, "middle", bold=True))
    lx = cx + r + 28
    ly = (height - len(items) * row_h) / 2
    for i, (label, v) in enumerate(items):
        y = ly + i * row_h
        d.shapes.append(Rect(lx, y + 4, 11, 11, PALETTE[i % len(PALETTE)]))
        pct = f"{v / total * 100:.1f}%"
        d.shapes.append(Text(width - 4, y + 14, pct, size, "end", fill=MUTED))
        room = width - 4 - text_width(pct, size) - 10 - (lx + 18)
        d.shapes.append(Text(lx + 18, y + 14, clip(label, size, room), size))
    return d


def line(section: Section, labels: list[str], series: list[int], width: float, lang: str) -> Drawing:
    """Periods left to right, one line per figure; a partial period is dashed and hollow."""
    rows = section.rows
    size = 10.0
    values = [[float(r[i]) if isinstance(r[i], int | float) else 0.0 for r in rows] for i in series]
    percent = is_percent(section.columns[series[0]], rows[0], section)
    ticks = nice_ticks(max(max(v) for v in values))
    axis_w = max(text_width(compact(t, lang, percent), size) for t in ticks) + 8
    legend_h = 22.0 if len(series) > 1 else 0.0
    height = 230.0
    plot_x, plot_y = axis_w, 10 + legend_h
    last = max(text_width(str(rows[-1][0]), size), text_width(partial_word(lang), size - 1) if section.partial else 0)
    plot_w, plot_h = width - axis_w - max(14, last / 2 + 4), height - plot_y - 40
    d = Drawing(width, height, title=section.title)
    for t in ticks:
        y = plot_y + plot_h * (1 - t / ticks[-1])
        d.shapes.append(Line([(plot_x, y), (plot_x + plot_w, y)], GRID if t else MUTED))
        d.shapes.append(Text(plot_x - 6, y + 3.5, compact(t, lang, percent), size, "end", fill=MUTED))
    n = len(rows)
    step = plot_w / max(n - 1, 1)

    def xy(j: int, v: float) -> tuple[float, float]:
        return (plot_x + (j * step if n > 1 else plot_w / 2), plot_y + plot_h * (1 - v / ticks[-1]))

    partial = [str(r[0]) in section.partial for r in rows]
    _x_labels(d, rows, partial, xy, plot_y + plot_h, plot_w, size, lang)
    for s, vals in enumerate(values):
        color = PALETTE[s % len(PALETTE)]
        solid = [xy(j, v) for j, v in enumerate(vals) if not partial[j]]
        if len(solid) > 1:
            d.shapes.append(Line(solid, color, 2.2))
        for j in range(1, n):  # segments that reach into a partial period
            if partial[j] or partial[j - 1]:
                d.shapes.append(Line([xy(j - 1, vals[j - 1]), xy(j, vals[j])], color, 2.0, dash=True))
        if n <= 40:
            for j, v in enumerate(vals):
                x, y = xy(j, v)
                d.shapes.append(Circle(x, y, 3.2, "#ffffff" if partial[j] else color, color))
    if len(series) > 1:
        x = plot_x
        for s, i in enumerate(series):
            label = section.columns[i].label
            d.shapes.append(Rect(x, 6, 18, 4, PALETTE[s % len(PALETTE)]))
            d.shapes.append(Text(x + 24, 12, label, size + 1))
            x += 24 + text_width(label, size + 1) + 18
    return d


def _x_labels(d: Drawing, rows: list[list[Any]], partial: list[bool], xy: Any, base: float, plot_w: float,
              size: float, lang: str) -> None:
    """Period names under the axis, thinned so they never overlap; a partial one says so."""
    names = [str(r[0]) if r[0] is not None else "" for r in rows]
    widest = max(text_width(s, size) for s in names) + 10
    every = max(1, math.ceil(widest / max(plot_w / max(len(rows), 1), 1)))
    shown = list(range(0, len(names), every))
    if shown[-1] != len(names) - 1:  # the last period (often the partial one) is always named
        if len(names) - 1 - shown[-1] < every * 0.7:
            shown.pop()
        shown.append(len(names) - 1)
    for j in shown:
        x, _ = xy(j, 0)
        d.shapes.append(Text(x, base + 15, names[j], size, "middle", fill=MUTED))
    for j in (j for j, p in enumerate(partial) if p):
        x, _ = xy(j, 0)
        d.shapes.append(Text(x, base + 28, partial_word(lang), size - 1, "middle", fill="#b0602a"))


# -- SVG --------------------------------------------------------------------------------------------

def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _arc(cx: float, cy: float, r: float, a: float) -> tuple[float, float]:
    t = math.radians(a)
    return cx + r * math.sin(t), cy - r * math.cos(t)


def wedge_path(w: Wedge) -> str:
    end = w.end
    large = 1 if end - w.start > 180 else 0
    (x0, y0), (x1, y1) = _arc(w.cx, w.cy, w.r, w.start), _arc(w.cx, w.cy, w.r, end)
    (x2, y2), (x3, y3) = _arc(w.cx, w.cy, w.inner, end), _arc(w.cx, w.cy, w.inner, w.start)
    return (f"M{_n(x0)} {_n(y0)}A{_n(w.r)} {_n(w.r)} 0 {large} 1 {_n(x1)} {_n(y1)}"
            f"L{_n(x2)} {_n(y2)}A{_n(w.inner)} {_n(w.inner)} 0 {large} 0 {_n(x3)} {_n(y3)}Z")


def _svg_shape(s: Any) -> str:
    dash = ' stroke-dasharray="5 4"' if getattr(s, "dash", False) else ""
    if isinstance(s, Rect):
        stroke = f' stroke="{s.stroke}"' if s.stroke else ""
        return f'<rect x="{_n(s.x)}" y="{_n(s.y)}" width="{_n(s.w)}" height="{_n(s.h)}" rx="2" fill="{s.fill}"{stroke}{dash}/>'
    if isinstance(s, Line):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in s.points)
        return (f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" stroke-width="{_n(s.width)}" '
                f'stroke-linejoin="round" stroke-linecap="round"{dash}/>')
    if isinstance(s, Circle):
        return (f'<circle cx="{_n(s.cx)}" cy="{_n(s.cy)}" r="{_n(s.r)}" fill="{s.fill}" stroke="{s.stroke}" '
                f'stroke-width="{_n(s.width)}"/>')
    if isinstance(s, Wedge):
        return f'<path d="{wedge_path(s)}" fill="{s.fill}"/>'
    anchor = "" if s.anchor == "start" else f' text-anchor="{s.anchor}"'
    weight = ' font-weight="700"' if s.bold else ""
    return (f'<text x="{_n(s.x)}" y="{_n(s.y)}" font-size="{_n(s.size)}" fill="{s.fill}"{anchor}{weight}>'
            f"{html.escape(s.text)}</text>")


def to_svg(d: Drawing) -> str:
    """The drawing as an inline <svg> element (no ids, no scripts, nothing fetched)."""
    body = "".join(_svg_shape(s) for s in d.shapes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(d.width)} {_n(d.height)}" '
            f'width="{_n(d.width)}" height="{_n(d.height)}" role="img" aria-label="{html.escape(d.title)}" '
            f'font-family="{html.escape(FONT)}">{body}</svg>')
