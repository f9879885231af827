"""Reports as an Excel workbook: a cover sheet, then one sheet per section with real
numbers and dates and a native chart (openpyxl.chart) next to the table:
pie for shares, column for distributions, line for periods.

Cells hold numbers (amounts with #,##0.00, shares as fractions with 0.0%), dates
as dates (months as the first day, shown yyyy-mm), and labels in the chosen
language, so the workbook sorts, filters and recalculates like one made by hand.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crmcli import outfile
from crmcli.i18n import translate
from crmcli.reports.base import Column, Report, Section
from crmcli.reports.charts import PALETTE
from crmcli.reports.render import display, humanize, is_percent, localized, partial_word, tr
from crmcli.workbook import print_setup

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONTH_FORMAT = "yyyy-mm"


def excel_value(column: Column, value: Any, row: Sequence[Any], section: Section, lang: str) -> tuple[Any, str | None]:
    """(cell value, number format) for one report value."""
    if value is None:
        return (display(column, value, lang) if column is section.columns[0] else None), None
    if is_percent(column, row, section):
        return value, PERCENT_FORMAT
    if column.kind == "money":
        return float(value), MONEY_FORMAT
    if column.kind in ("date", "datetime") and isinstance(value, str):
        try:
            if len(value) >= 16:
                return datetime.fromisoformat(value[:19]), DATETIME_FORMAT
            return date.fromisoformat(value[:10]), DATE_FORMAT
        except ValueError:
            return value, None
    if column.kind == "period" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return date(int(value[:4]), int(value[5:]), 1), MONTH_FORMAT
    if column.key == "metric":
        return tr(humanize(str(value)), lang), None
    if column.kind == "number" and isinstance(value, float):
        return value, MONEY_FORMAT if value != int(value) or abs(value) >= 1000 else None
    return display(column, value, lang), None


def sheet_name(title: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("-", title).strip("'")[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in taken:
        suffix = f" {i}"
        name = base[:31 - len(suffix)] + suffix
        i += 1
    taken.add(name.lower())
    return name


def write_workbook(reports: Sequence[Report], path: str | Path, *, lang: str = "en", force: outfile.Overwrite = False,
                   avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> Path:
    """Write REPORTS to PATH (.xlsx): a cover sheet, then one sheet per section with its chart.

    force/avoid: see crmcli.outfile (checked before the workbook is built).
    """
    file = outfile.AtomicFile(path, force=force, avoid=avoid)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    cover = wb.active
    cover.title = translate("Report", lang)
    taken = {cover.title.lower()}
    reports = [localized(r, lang) for r in reports]
    cover.append([" / ".join(r.title for r in reports)])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([])
    for rep in reports:
        cover.append([translate("Report", lang), rep.title])
        cover.append([translate("Since", lang), _day(rep.since) or translate("start of records", lang)])
        cover.append([translate("Until", lang), _day(rep.until) or translate("today", lang)])
        cover.append([translate("Filters", lang), " ".join(rep.filters) or translate("all customers", lang)])
        cover.append([translate("Generated", lang), datetime.now().replace(microsecond=0)])
        cover.cell(cover.max_row, 2).number_format = DATETIME_FORMAT
        for note in rep.notes:
            cover.append([translate("Note", lang), note])
        cover.append([])
        cover.append([translate("Sheet", lang), translate("Section", lang)])
        for section in rep.sections:
            name = sheet_name(section.title if len(reports) == 1 else f"{rep.name} {section.key}" if lang == "en"
                              else f"{rep.title}·{section.title}", taken)
            _write_section(wb.create_sheet(name), section, lang)
            cover.append([name, section.title])
        cover.append([])
    cover.column_dimensions["A"].width = 30
    cover.column_dimensions["B"].width = 80
    for (cell,) in cover.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(cover)
    for ws in wb.worksheets[1:]:
        for i in range(1, ws.max_column + 1):
            width = max((len(str(c.value)) for c in ws[get_column_letter(i)] if c.value is not None), default=8)
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, width * 1.3 + 2), 50)
    outfile.save_workbook(wb, file)
    return Path(path)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _write_section(ws: Any, section: Section, lang: str) -> None:
    from openpyxl.styles import Font

    ws.append([section.title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([c.label for c in section.columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in section.rows:
        values = [excel_value(c, v, row, section, lang) for c, v in zip(section.columns, row, strict=True)]
        ws.append([v for v, _ in values])
        for i, (_, fmt) in enumerate(values, start=1):
            if fmt:
                ws.cell(ws.max_row, i).number_format = fmt
        if row and row[0] in section.partial:
            _mark_partial(ws, ws.max_row, lang)
    ws.freeze_panes = "A3"
    print_setup(ws, "2:2")  # the column headers on every printed page
    if section.note:
        ws.cell(ws.max_row + 2, 1, section.note).font = Font(italic=True)
    if section.chart is not None and section.rows:
        _add_chart(ws, section, lang)


def _mark_partial(ws: Any, row: int, lang: str) -> None:
    """A period the report covers only in part: its label says so (the cell stays a date) and the row is grey."""
    from openpyxl.styles import Font

    first = ws.cell(row, 1)
    if first.number_format == MONTH_FORMAT:
        first.number_format = f'{MONTH_FORMAT} "{partial_word(lang)}"'
    elif isinstance(first.value, str):
        first.value = f"{first.value} {partial_word(lang)}"
    for cell in ws[row]:
        cell.font = Font(italic=True, color="8A5A2B")


# A landscape A4 page holds about this many rows at full size (15 pt rows, 1.9 cm margins); a table
# that leaves too little room under it for its chart puts the chart on the next page, so no page
# break cuts a chart in two (fitting to the page's width only shrinks what a page holds, never less).
ROWS_PER_PAGE = 30
ROW_CM = 0.53


def _add_chart(ws: Any, section: Section, lang: str) -> None:
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.worksheet.pagebreak import Break

    chart_spec = section.chart
    assert chart_spec is not None
    first, last = 3, 2 + len(section.rows)
    cat_col = section.column(chart_spec.category) + 1
    cats = Reference(ws, min_col=cat_col, min_row=first, max_row=last)
    chart: Any
    height = 8.0
    if chart_spec.kind == "pie":
        chart = PieChart()
        # percentages only: LibreOffice otherwise prints series, category and value on every slice
        chart.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False, showSerName=False,
                                         showLegendKey=False)
    elif chart_spec.kind == "line":
        chart = LineChart()
        chart.y_axis.title = ", ".join(section.columns[section.column(v)].label for v in chart_spec.values)
        chart.y_axis.number_format = "#,##0"
    else:
        # horizontal bars: long category names (industries) get the width instead of squeezing the bars
        chart = BarChart()
        chart.type = "bar"
        chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
        chart.y_axis.title = section.columns[section.column(chart_spec.values[0])].label
        chart.gapWidth = 60
        height = min(max(8.0, 0.8 * len(section.rows) + 2), 15.0)
    if chart_spec.kind != "pie":
        # openpyxl >= 3.1 marks axes deleted unless told otherwise; Excel then hides them
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if len(chart_spec.values) == 1:
            chart.legend = None
    for key in chart_spec.values:
        col = section.column(key) + 1
        chart.add_data(Reference(ws, min_col=col, min_row=2, max_row=last), titles_from_data=True)
    chart.set_categories(cats)
    if chart_spec.kind == "line":
        _style_lines(chart, section)
    chart.title = section.title
    if section.partial:  # LibreOffice ignores the dashed segment: the title says it too
        chart.title = f"{section.title}: {', '.join(section.partial)} {partial_word(lang)}"
    chart.width, chart.height = 16, height
    # below the table (and its note), so a printed or PDF page shows both; if they cannot share
    # a page, the chart starts the next one
    anchor = ws.max_row + 2
    if anchor + math.ceil(height / ROW_CM) > ROWS_PER_PAGE:
        ws.row_breaks.append(Break(id=anchor - 1))
    ws.add_chart(chart, f"A{anchor}")


def _style_lines(chart: Any, section: Section) -> None:
    """Straight lines in fixed colours; the segment into a partial period dashed, its point hollow."""
    from openpyxl.chart.marker import DataPoint, Marker
    from openpyxl.chart.shapes import GraphicalProperties
    from openpyxl.drawing.line import LineProperties

    partial = [i for i, r in enumerate(section.rows) if r and r[0] in section.partial]
    for n, series in enumerate(chart.series):
        color = PALETTE[n % len(PALETTE)].lstrip("#").upper()  # the page's and the PDF's colours
        series.smooth = False  # a month's figure is a point, not a curve
        series.graphicalProperties.line.solidFill = color
        series.graphicalProperties.line.width = 28575  # 2.25 pt in EMU
        series.marker = Marker(symbol="circle", size=5)
        series.marker.graphicalProperties = GraphicalProperties(solidFill=color, ln=LineProperties(solidFill=color))
        for i in partial:
            pt = DataPoint(idx=i, marker=Marker(symbol="circle", size=6))
            pt.marker.graphicalProperties = GraphicalProperties(solidFill="FFFFFF", ln=LineProperties(solidFill=color))
            pt.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill=color, prstDash="dash", w=28575))
            series.dPt.append(pt)
