"""Reports as one self-contained HTML page: for a manager's screen and for paper.

Everything is inside the file: the CSS inline, each chart an inline <svg>
(reports.charts), fonts named from the reader's system (Noto Sans CJK SC and the
usual Chinese system fonts first), nothing fetched, no script. The page prints on
A4 with each section kept whole (break-inside: avoid) and each report starting a
new page.

A section whose rows are metric/value pairs (key figures) is shown as tiles; any
other section as its table beside its chart; the period, filters and the
definitions the figures rest on are on the page too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crmcli.i18n import translate
from crmcli.reports import charts
from crmcli.reports.base import REGISTRY, Report, Section
from crmcli.reports.render import cell_text, empty_text, localized, partial_word, tr

CSS = """
:root { --ink: #1f2933; --muted: #6b7785; --line: #e3e7ec; --accent: #3b6ea8; --bg: #f3f5f8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 14px; line-height: 1.5;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
    "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 28px 40px; }
header.cover { background: linear-gradient(120deg, #274b74, #3b6ea8); color: #fff; border-radius: 10px;
  padding: 22px 28px; margin-bottom: 22px; }
header.cover h1 { margin: 0 0 10px; font-size: 26px; font-weight: 700; letter-spacing: .02em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; font-size: 13px; }
dl.meta dt { opacity: .75; } dl.meta dd { margin: 0; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 14px; }
nav.toc a { color: #fff; text-decoration: none; font-size: 13px; padding: 3px 10px; border-radius: 12px;
  background: rgba(255, 255, 255, .16); }
h1.report { font-size: 21px; margin: 30px 0 4px; color: #274b74; border-bottom: 2px solid var(--accent);
  padding-bottom: 4px; }
p.summary { margin: 0 0 14px; color: var(--muted); font-size: 13px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px 14px;
  margin: 0 0 16px; box-shadow: 0 1px 2px rgba(16, 24, 40, .05); break-inside: avoid; page-break-inside: avoid; }
section.card h2 { font-size: 16px; margin: 0 0 12px; }
.body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 22px; align-items: start; }
.body.stacked { grid-template-columns: minmax(0, 1fr); }
.body.stacked figure.chart { max-width: 560px; }
figure.chart { margin: 0; } figure.chart svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line);
  padding: 5px 8px; white-space: nowrap; }
td { padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.nowrap { white-space: nowrap; }
.wide table { font-size: 12px; } .wide td, .wide th { padding: 4px 5px; }
tr:last-child td { border-bottom: none; }
th.num, td.num { text-align: right; white-space: nowrap; }
tr.partial td { color: #8a5a2b; background: #fdf6ee; font-style: italic; }
td.empty { color: var(--muted); font-style: italic; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fafbfc; }
.tile .k { color: var(--muted); font-size: 12px; }
.tile .v { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
p.note { margin: 10px 0 0; color: var(--muted); font-size: 12px; }
section.definitions ul { margin: 0; padding-left: 20px; } section.definitions li { margin: 3px 0; font-size: 13px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  section.card { box-shadow: none; }
  .wide table { font-size: 10px; }
  h1.report.next { break-before: page; page-break-before: always; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _numeric(section: Section, i: int) -> bool:
    return section.columns[i].kind in ("int", "money", "number", "percent")


def _cell_class(section: Section, i: int) -> str:
    """Figures right-aligned; dates, times and ids kept on one line (a wrapped 2025-02-03 14:59 reads badly)."""
    if _numeric(section, i):
        return ' class="num"'
    column = section.columns[i]
    if column.kind in ("date", "datetime", "period") or column.key.endswith("_id"):
        return ' class="nowrap"'
    return ""


def _table(section: Section, lang: str) -> str:
    heads = "".join(f'<th class="num">{_e(c.label)}</th>' if _numeric(section, i) else f"<th>{_e(c.label)}</th>"
                    for i, c in enumerate(section.columns))
    body = []
    for row in section.rows:
        cls = ' class="partial"' if row and row[0] in section.partial else ""
        cells = "".join(f"<td{_cell_class(section, i)}>{_e(cell_text(c, v, row, section, lang))}</td>"
                        for i, (c, v) in enumerate(zip(section.columns, row, strict=True)))
        body.append(f"<tr{cls}>{cells}</tr>")
    if not section.rows:
        body.append(f'<tr><td class="empty" colspan="{len(section.columns)}">{_e(empty_text(lang))}</td></tr>')
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _tiles(section: Section, lang: str) -> str:
    metric, value = section.columns
    tiles = "".join(f'<div class="tile"><div class="k">{_e(cell_text(metric, r[0], r, section, lang))}</div>'
                    f'<div class="v">{_e(cell_text(value, r[1], r, section, lang) or "–")}</div></div>'
                    for r in section.rows)
    return f'<div class="tiles">{tiles}</div>'


def section_html(section: Section, lang: str) -> str:
    """One section: tiles for key figures, else its table beside (or above) its chart, and its note."""
    if [c.key for c in section.columns] == ["metric", "value"] and section.chart is None:
        body = _tiles(section, lang)
    else:
        stacked = len(section.columns) > 4
        # laid out about as wide as it shows (half an A4 page when printed): its text stays legible
        drawing = charts.chart_for(section, lang, width=520 if stacked else 400)
        chart = f'<figure class="chart">{charts.to_svg(drawing)}</figure>' if drawing else ""
        stacked = stacked or not chart
        wide = " wide" if len(section.columns) > 6 else ""
        body = f'<div class="body{" stacked" if stacked else ""}{wide}"><div>{_table(section, lang)}</div>{chart}</div>'
    note = f'<p class="note">{_e(section.note)}</p>' if section.note else ""
    return f'<section class="card" id="{_e(section.key)}"><h2>{_e(section.title)}</h2>{body}{note}</section>'


def period_text(rep: Report, lang: str) -> str:
    text = translate("{since} to {until}", lang).format(since=rep.since or translate("start of records", lang),
                                                      until=rep.until or translate("today", lang))
    return text + (" " + translate("(by quarter)", lang) if rep.by == "quarter" else "")


def shared_period(reports: Sequence[Report], lang: str) -> str | None:
    """The period every report covers, or None when they differ (the overview defaults to this month)."""
    texts = {period_text(r, lang) for r in reports}
    return texts.pop() if len(texts) == 1 else None


def labelled(label: str, value: str, lang: str) -> str:
    """'Period: 2024-01-01 to today' (a full-width colon in Chinese)."""
    return translate("{label}: {value}", lang).format(label=translate(label, lang), value=value)


def filters_text(rep: Report, lang: str) -> str:
    return " ".join(rep.filters) or translate("all customers", lang)


def summary(rep: Report, lang: str) -> str | None:
    spec = REGISTRY.get(rep.name)
    return tr(spec.summary, lang) if spec is not None else None


def definitions(reports: Sequence[Report], lang: str) -> list[str]:
    """What the figures rest on: each (localized) report's summary and notes, and what a partial period is."""
    out = []
    for rep in reports:
        text = summary(rep, lang)
        if text:
            out.append(f"{rep.title}: {text}")
        out.extend(rep.notes)
    if any(s.partial for rep in reports for s in rep.sections):
        out.append(partial_word(lang) + translate(": a period only partly inside the report's period (such as the month "
                                                  "so far); its figures are not comparable with whole periods", lang))
    return list(dict.fromkeys(out))


def page_title(reports: Sequence[Report], lang: str) -> str:
    return " / ".join(r.title for r in reports) if len(reports) <= 3 else translate("Reports", lang)


def render_page(reports: Sequence[Report], lang: str = "en", generated: datetime | None = None) -> str:
    """The whole page as a string."""
    generated = generated or datetime.now().replace(microsecond=0)
    reports = [localized(r, lang) for r in reports]
    first = reports[0]
    title = page_title(reports, lang)
    period = shared_period(reports, lang)
    meta = [(translate("Period", lang), period or translate("as given under each report", lang)),
            (translate("Filters", lang), filters_text(first, lang)),
            (translate("Generated", lang), generated.isoformat(sep=" ", timespec="minutes"))]
    contents = ""
    if len(reports) > 1:  # links inside the page only
        contents = '<nav class="toc">' + "".join(f'<a href="#report-{_e(r.name)}">{_e(r.title)}</a>' for r in reports) + "</nav>"
    parts = [f'<header class="cover"><h1>{_e(title)}</h1><dl class="meta">'
             + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in meta) + f"</dl>{contents}</header>"]
    for i, rep in enumerate(reports):
        if len(reports) > 1:
            parts.append(f'<h1 class="report{" next" if i else ""}" id="report-{_e(rep.name)}">{_e(rep.title)}</h1>')
            text = summary(rep, lang) or ""
            if period is None:  # each report says its own
                text = labelled("Period", period_text(rep, lang), lang) + " · " + text
            parts.append(f'<p class="summary">{_e(text)}</p>')
        parts.extend(section_html(s, lang) for s in rep.sections)
    items = "".join(f"<li>{_e(d)}</li>" for d in definitions(reports, lang))
    parts.append(f'<section class="card definitions"><h2>{_e(translate("Definitions", lang))}</h2><ul>{items}</ul></section>')
    html_lang = {"zh": "zh-CN", "zh-Hant": "zh-TW"}.get(lang, "en")
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body><main>\n" + "\n".join(parts)
            + "\n</main></body></html>\n")
