"""Reports as a PDF (A4): the same sections, tables and charts as the HTML page.

Made with reportlab, which installs with pip alone, and its built-in CID font
STSong-Light (Adobe-GB1): the PDF names the font and every viewer supplies one
(poppler, Acrobat, browsers, macOS Preview), so no font file is needed at run
time and the file stays small (~80 KB for all seven reports on the demo data), while the Chinese stays
text — selectable, searchable, extracted by pdftotext. The alternative, fpdf2
with an embedded TrueType font, would mean shipping a ~10 MB CJK font in the
package (or depending on one being installed).

Charts are vector drawings from reports.charts (the same geometry as the page's
SVG). Each section is kept on one page (KeepTogether) unless it is longer than a
page; long tables then repeat their header row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crmcli.i18n import translate
from crmcli.reports import charts
from crmcli.reports.base import Report, Section
from crmcli.reports.html import definitions, filters_text, labelled, page_title, period_text, shared_period
from crmcli.reports.render import cell_text, empty_text, localized

FONT = "STSong-Light"
LATIN = "Helvetica"
CHART_SCALE = 0.72
PAGE_MARGIN = 42.0  # points (~15 mm)
INK, MUTED, LINE, ACCENT, PARTIAL_BG = "#1f2933", "#6b7785", "#d9dee5", "#274b74", "#fdf3e7"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, textColor=HexColor(INK), wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, textColor=HexColor(ACCENT)),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, leading=13, textColor=HexColor(MUTED)),
        "report": ParagraphStyle("report", parent=base, fontSize=15, leading=20, textColor=HexColor(ACCENT), spaceBefore=6),
        "section": ParagraphStyle("section", parent=base, fontSize=11.5, leading=15, spaceBefore=12, spaceAfter=5),
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, leading=10, textColor=HexColor(MUTED), spaceBefore=3),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "num": ParagraphStyle("num", parent=base, fontSize=8.5, leading=11, alignment=2),
        "tile_k": ParagraphStyle("tile_k", parent=base, fontSize=7.5, leading=10, textColor=HexColor(MUTED)),
        "tile_v": ParagraphStyle("tile_v", parent=base, fontSize=14, leading=18),
    }


_LATIN = re.compile(r"[\x20-\x7e]+")


def markup(text: str) -> str:
    """Paragraph markup for TEXT: runs of plain ASCII in Helvetica, the rest in the CID font (its Latin
    glyphs are a viewer's substitute and sit unevenly; Helvetica's metrics are the same everywhere)."""
    from xml.sax.saxutils import escape

    out, at = [], 0
    for m in _LATIN.finditer(text):
        out.append(escape(text[at:m.start()]))
        out.append(f'<font face="{LATIN}">{escape(m.group())}</font>')
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(markup(text), style)


def drawing(d: charts.Drawing, width: float) -> Any:
    """A charts.Drawing as a reportlab Drawing scaled to WIDTH points (y flipped: PDF's origin is bottom left)."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, Rect, String, Wedge
    from reportlab.lib.colors import HexColor

    scale = min(1.0, width / d.width)
    g = Group()
    h = d.height
    for s in d.shapes:
        if isinstance(s, charts.Rect):
            g.add(Rect(s.x, h - s.y - s.h, s.w, s.h, fillColor=HexColor(s.fill), strokeColor=None, rx=1.5, ry=1.5))
        elif isinstance(s, charts.Line):
            g.add(PolyLine([c for x, y in s.points for c in (x, h - y)], strokeColor=HexColor(s.stroke),
                           strokeWidth=s.width, strokeDashArray=[5, 4] if s.dash else None, strokeLineJoin=1,
                           strokeLineCap=1))
        elif isinstance(s, charts.Circle):
            g.add(Circle(s.cx, h - s.cy, s.r, fillColor=HexColor(s.fill), strokeColor=HexColor(s.stroke),
                         strokeWidth=s.width))
        elif isinstance(s, charts.Wedge):
            w = Wedge(s.cx, h - s.cy, s.r, 90 - s.end, 90 - s.start, fillColor=HexColor(s.fill), strokeColor=None,
                      radius1=s.inner)
            g.add(w)
        else:
            font = LATIN if s.text.isascii() else FONT
            g.add(String(s.x, h - s.y, s.text, fontName=font, fontSize=s.size, textAnchor=s.anchor,
                         fillColor=HexColor(s.fill)))
    g.scale(scale, scale)
    out = Drawing(d.width * scale, d.height * scale)
    out.add(g)
    return out


def _numeric(section: Section, i: int) -> bool:
    return section.columns[i].kind in ("int", "money", "number", "percent")


def _table(section: Section, lang: str, width: float, st: dict[str, Any]) -> tuple[Any, float]:
    """The section's table at most WIDTH wide, and its width."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Table, TableStyle

    heads = [_p(c.label, st["num"] if _numeric(section, i) else st["cell"]) for i, c in enumerate(section.columns)]
    texts = [[cell_text(c, v, r, section, lang) for c, v in zip(section.columns, r, strict=True)] for r in section.rows]
    if not texts:
        texts = [[empty_text(lang)] + [""] * (len(section.columns) - 1)]
    body = [[_p(t, st["num"] if _numeric(section, i) else st["cell"]) for i, t in enumerate(row)] for row in texts]
    natural = [max(stringWidth(t, LATIN if t.isascii() else FONT, 8.5) for t in [c.label, *(row[i] for row in texts)]) + 16
               for i, c in enumerate(section.columns)]
    total = sum(natural)
    widths = natural if total <= width else [w * width / total for w in natural]
    table = Table([heads, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("LINEBELOW", (0, 0), (-1, 0), 1.2, HexColor(LINE)), ("LINEBELOW", (0, 1), (-1, -2), 0.4, HexColor(LINE)),
             ("TEXTCOLOR", (0, 0), (-1, 0), HexColor(MUTED)), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    for j, row in enumerate(section.rows, start=1):
        if row and row[0] in section.partial:
            style.append(("BACKGROUND", (0, j), (-1, j), HexColor(PARTIAL_BG)))
    table.setStyle(TableStyle(style))
    return table, sum(widths)


def _tiles(section: Section, lang: str, width: float, st: dict[str, Any]) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    per_row = 5
    metric, value = section.columns
    cells = [[_p(cell_text(metric, r[0], r, section, lang), st["tile_k"]),
              _p(cell_text(value, r[1], r, section, lang) or "–", st["tile_v"])] for r in section.rows]
    grid = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    grid[-1] += [""] * (per_row - len(grid[-1]))
    table = Table(grid, colWidths=[width / per_row] * per_row, hAlign="LEFT")
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    for i in range(len(cells)):
        style.append(("BOX", (i % per_row, i // per_row), (i % per_row, i // per_row), 0.6, HexColor(LINE)))
        style.append(("BACKGROUND", (i % per_row, i // per_row), (i % per_row, i // per_row), HexColor("#f7f9fb")))
    table.setStyle(TableStyle(style))
    return table


# A section with more rows than this does not wait for a page of its own: its title and chart
# stay together, and its table may continue on the next page under a repeated header row.
LONG_TABLE = 18


def section_flowables(section: Section, lang: str, width: float, st: dict[str, Any]) -> list[Any]:
    """One section, kept on one page when it fits one: title, table (or key-figure tiles), chart, note."""
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    title = _p(section.title, st["section"])
    note = [_p(section.note, st["note"])] if section.note else []
    if [c.key for c in section.columns] == ["metric", "value"] and section.chart is None:
        return [KeepTogether([title, _tiles(section, lang, width, st), *note])]
    table, used = _table(section, lang, width, st)
    # charts are laid out wider than they print (CHART_SCALE): their text then matches the tables'
    chart = charts.chart_for(section, lang, width=width / CHART_SCALE)
    if chart is None:
        return [KeepTogether([title, table, *note])]
    if used <= width * 0.55 and len(section.rows) <= LONG_TABLE:
        side = width - used - 16
        beside = Table([[table, drawing(charts.chart_for(section, lang, width=side / CHART_SCALE) or chart, side)]],
                       colWidths=[used + 16, side], hAlign="LEFT")
        beside.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return [KeepTogether([title, beside, *note])]
    if len(section.rows) > LONG_TABLE:
        return [KeepTogether([title, drawing(chart, width), Spacer(1, 6)]), table, *note]
    return [KeepTogether([title, table, Spacer(1, 8), drawing(chart, width), *note])]


def build(reports: Sequence[Report], out: Any, lang: str = "en", generated: datetime | None = None) -> None:
    """Write the PDF of REPORTS to OUT (a path or a binary file object)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

    _register_font()
    st = _styles()
    generated = generated or datetime.now().replace(microsecond=0)
    reports = [localized(r, lang) for r in reports]
    title = page_title(reports, lang)
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN, topMargin=PAGE_MARGIN,
                            bottomMargin=PAGE_MARGIN, title=title, author="crmcli", creator="crmcli")
    width = A4[0] - 2 * PAGE_MARGIN
    first = reports[0]
    period = shared_period(reports, lang)
    story: list[Any] = [_p(title, st["title"]),
                        _p("  |  ".join(labelled(k, v, lang) for k, v in (
                            ("Period", period or translate("as given under each report", lang)),
                            ("Filters", filters_text(first, lang)),
                            ("Generated", generated.isoformat(sep=" ", timespec="minutes")))), st["meta"]), Spacer(1, 6)]
    for i, rep in enumerate(reports):
        if len(reports) > 1:
            if i:
                story.append(PageBreak())
            story.append(_p(rep.title, st["report"]))
            if period is None:
                story.append(_p(labelled("Period", period_text(rep, lang), lang), st["meta"]))
        for s in rep.sections:
            story.extend(section_flowables(s, lang, width, st))
    story.append(_p(translate("Definitions", lang), st["section"]))
    story.extend(_p(f"- {d}", st["note"]) for d in definitions(reports, lang))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)


def _footer(canvas: Any, doc: Any) -> None:
    from reportlab.lib.colors import HexColor

    canvas.saveState()
    canvas.setFont(LATIN if str(doc.title).isascii() else FONT, 7.5)
    canvas.setFillColor(HexColor(MUTED))
    canvas.drawRightString(doc.pagesize[0] - PAGE_MARGIN, PAGE_MARGIN / 2, f"{doc.title}  |  {doc.page}")
    canvas.restoreState()
