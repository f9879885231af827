"""Reports on the terminal (Rich tables with block-character bar charts), as CSV and as JSON.

Machine formats carry the stored values: canonical labels (`active`, not 合作中),
shares as fractions (0.25), amounts as plain numbers, keyed by the English column
keys. Shapes:

* JSON: one object, `{"report", "title", "since", "until", "by", "filters", "notes",
  "sections": {KEY: {"title", "columns", "rows": [{column: value}], "chart", "note"}}}`.
* CSV: one table with a leading `section` column (the section key) and the union of
  every section's columns; a cell is empty where its section has no such column.
  `--section KEY` prints that section alone with its own columns.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import IO, Any

from crmcli import fields, output
from crmcli.i18n import translate
from crmcli.reports.base import Column, Report, Section

BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉"
PERCENT_METRICS = ("_rate", "_share")


def bar(value: float | None, top: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of VALUE scaled so TOP fills WIDTH characters, in eighths of a block."""
    if not value or not top or value <= 0:
        return ""
    eighths = round(min(value / top, 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "") or "▏"


def humanize(key: str) -> str:
    return key.replace("_", " ").capitalize()


_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def tr(text: str, lang: str) -> str:
    """A report's English title, column label, note or metric name in LANG. The reports define them in
    English; their Chinese is in the i18n catalog (po/zh/report_pages.po); one without an entry stays English.

    A text with figures in it ("Overdue open tickets (oldest 20 of 171)") is looked up with the figures
    as placeholders ("Overdue open tickets (oldest {0} of {1})") and filled in again."""
    if not text or lang == "en":
        return text
    out = translate(text, lang)
    if out != text or not _FIGURE.search(text):
        return out
    figures = _FIGURE.findall(text)
    counter = iter(range(len(figures)))
    template = _FIGURE.sub(lambda _: "{" + str(next(counter)) + "}", text)
    found = translate(template, lang)
    return found.format(*figures) if found != template else text


def localized(rep: Report, lang: str) -> Report:
    """REP with its titles, column labels and notes in LANG, for the renderings people read
    (terminal, workbook, page, PDF); JSON and CSV keep the English for scripts."""
    if lang == "en":
        return rep
    sections = [replace(s, title=tr(s.title, lang), note=tr(s.note, lang) if s.note else None,
                        columns=[replace(c, label=tr(c.label, lang)) for c in s.columns]) for s in rep.sections]
    return replace(rep, title=tr(rep.title, lang), notes=[tr(n, lang) for n in rep.notes], sections=sections)


def is_percent(column: Column, row: Sequence[Any], section: Section) -> bool:
    """Metric/value sections hold mixed values: *_rate and *_share metrics are fractions."""
    if column.kind == "percent":
        return True
    if column.key == "value" and section.columns[0].key == "metric":
        return str(row[0]).endswith(PERCENT_METRICS)
    return False


def display(column: Column, value: Any, lang: str) -> Any:
    """The value a person reads: translated labels; an empty category as "(none)"; other values unchanged."""
    if value is None:
        return none_text(lang) if column.kind == "text" else None
    if column.field is None or value == "all":
        return translate("All", lang) if value == "all" else value
    try:
        f = fields.get_field(*column.field)
    except Exception:  # pragma: no cover - a report names a field the registry lost
        return value
    return fields.display(f, value, lang)


def none_text(lang: str) -> str:
    """An empty category (no industry, no segment yet)."""
    return translate("(none)", lang)


def empty_text(lang: str) -> str:
    """What a section with no rows says: "(none)" / （无） -- not the empty category's （未填写）."""
    from crmcli.i18n import catalog

    return "(none)" if lang == "en" else catalog(lang).pgettext("empty section", "(none)")


def partial_word(lang: str) -> str:
    """How a period the report covers only in part is marked: '2024-06 (partial)'."""
    return translate("(partial)", lang)


def partial_label(key: str, lang: str) -> str:
    return f"{key} {partial_word(lang)}"


def cell_text(column: Column, value: Any, row: Sequence[Any], section: Section, lang: str) -> str:
    if column.kind == "period" and value in section.partial:
        return partial_label(str(value), lang)
    if value is None:
        return none_text(lang) if column.kind == "text" and column is section.columns[0] else ""
    if is_percent(column, row, section) and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if column.kind == "money" or (isinstance(value, float) and column.kind != "number"):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool) and column.kind in ("int", "number"):
        return f"{value:,}"
    if column.key == "metric":
        return tr(humanize(str(value)), lang)
    if column.kind in ("date",) and isinstance(value, str):
        return value[:10]
    if column.kind == "datetime" and isinstance(value, str):
        return value[:16]
    return str(display(column, value, lang))


def write_terminal(rep: Report, out: IO[str], *, lang: str = "en") -> None:
    from rich.text import Text

    rep = localized(rep, lang)
    from crmcli.output import console, fitted_table, printable

    con = console(out)
    bar_width = max(8, min(BAR_WIDTH, con.width // 5))  # narrow terminals keep room for the figures
    period = f"{rep.since or translate('start of records', lang)} … {rep.until or translate('today', lang)}"
    head = Text.assemble((rep.title, "bold"), f"  {period}")
    if rep.filters:
        head.append(f"  {translate('Filters', lang)}: {printable(' '.join(rep.filters))}")
    con.print(head)
    for section in rep.sections:
        heads = [c.label for c in section.columns]
        right = [i for i, c in enumerate(section.columns) if c.kind in ("int", "money", "number", "percent")]
        chart_col, top = _chart_column(section)
        rows = [[cell_text(c, v, row, section, lang) for c, v in zip(section.columns, row, strict=True)]
                for row in section.rows]
        if chart_col is not None:
            heads.append("")
            for cells, row in zip(rows, section.rows, strict=True):
                value = row[chart_col] if isinstance(row[chart_col], int | float) else None
                cells.append(bar(value, top, bar_width))
        if not section.rows:
            rows = [[empty_text(lang)] + [""] * (len(heads) - 1)]
        con.print(fitted_table(heads, rows, width=con.width, title=section.title, right=right))
        if section.note:
            con.print(Text(f"  {section.note}", style="dim"))
    for note in rep.notes:
        con.print(Text(note, style="dim"))


def _chart_column(section: Section) -> tuple[int | None, float]:
    if section.chart is None or not section.rows:
        return None, 0.0
    idx = section.column(section.chart.values[0])
    values = [r[idx] for r in section.rows if isinstance(r[idx], int | float)]
    top = max(values, default=0)
    return (idx, float(top)) if top > 0 else (None, 0.0)


def to_dict(rep: Report) -> dict[str, Any]:
    return {
        "report": rep.name, "title": rep.title, "since": rep.since, "until": rep.until, "by": rep.by,
        "filters": rep.filters, "notes": rep.notes,
        "sections": {s.key: {"title": s.title, "columns": [c.key for c in s.columns], "rows": s.records(),
                             "chart": None if s.chart is None else {"kind": s.chart.kind, "category": s.chart.category,
                                                                    "values": list(s.chart.values)},
                             "note": s.note, "partial": s.partial} for s in rep.sections},
    }


def write_json(rep: Report, out: IO[str]) -> None:
    output.write_document(to_dict(rep), out)


def write_csv(rep: Report, out: IO[str], *, delimiter: str = ",") -> None:
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if len(rep.sections) == 1:
        s = rep.sections[0]
        w.writerow([c.key for c in s.columns])
        w.writerows([["" if v is None else v for v in r] for r in s.rows])
        return
    keys: list[str] = []
    for s in rep.sections:
        keys.extend(c.key for c in s.columns if c.key not in keys)
    w.writerow(["section", *keys])
    for s in rep.sections:
        for rec in s.records():
            w.writerow([s.key, *("" if rec.get(k) is None else rec[k] for k in keys)])


def write(reports: Sequence[Report], fmt: str, out: IO[str], *, lang: str = "en") -> None:
    """REPORTS to a text stream: json (one object, or an array for several), csv/tsv (the first), or tables."""
    if fmt == "json":
        if len(reports) == 1:
            write_json(reports[0], out)
        else:
            output.write_document([to_dict(r) for r in reports], out)
    elif fmt in ("csv", "tsv"):
        write_csv(reports[0], out, delimiter="," if fmt == "csv" else "\t")
    else:
        for r in reports:
            write_terminal(r, out, lang=lang)
    out.flush()


def only(rep: Report, section: str | None) -> Report:
    """REP narrowed to one section (`--section KEY`)."""
    if not section:
        return rep
    return Report(rep.name, rep.title, rep.since, rep.until, rep.by, rep.filters, [rep.section(section)], rep.notes)
