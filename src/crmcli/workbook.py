"""The template's spreadsheet layout, shared by `crm export --format xlsx` and `crm template`.

One sheet per module, named after the template (客户基本信息, 交易信息, ...): the
header row in the chosen language (required fields in red), frozen; columns
sized to their content; real dates and numbers with number formats; every
fixed-label column (and yes/no, satisfaction 1–5) with a data-validation
dropdown over the whole column, so rows a person adds later get it too; an
autofilter over the data.

Sheets are written in openpyxl's write-only mode: rows stream from a cursor to
disk, so a big export does not build the workbook in memory. Column widths are
fitted on the first rows (a sample), which streaming allows.
"""

from __future__ import annotations

import itertools
import os
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from crmcli import fields, outfile, template_text
from crmcli.errors import CrmError, InvalidValue
from crmcli.i18n import _, zh_text
from crmcli.template_text import choices, is_required, sheet_title, template_columns

MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows minus the header
SAMPLE_ROWS = 200  # rows read ahead to fit column widths
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss", "money": "#,##0.00", "int": "0",
                  "phone": "@", "id": "@"}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")


def new() -> Workbook:
    """An empty streaming workbook (sheets are added by write_sheet / template)."""
    return Workbook(write_only=True)


def validation(f: fields.Field, lang: str, letter: str) -> DataValidation | None:
    """Data validation for the whole column LETTER below the header, or None."""
    zh = lang != "en"
    if f.system:  # kept by crmcli (segment, timestamps): nothing to pick
        return None
    values = choices(f, lang)
    if values is not None:
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 257 or any("," in v or '"' in v for v in values):  # Excel's limit for inline lists
            return None
        listing = ("、" if zh else ", ").join(values)
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False,
                            showErrorMessage=True, showInputMessage=True,
                            errorStyle="warning" if f.open else "stop",  # open: other values are allowed
                            errorTitle=zh_text("无效的值", lang) if zh else "Invalid value",
                            error=(zh_text(f"请从下拉列表中选择：{listing}", lang) if zh
                                   else f"Choose from the list: {listing}")[:255],
                            promptTitle=f.label(lang)[:32],
                            prompt=(zh_text(f"可选：{listing}", lang) if zh else f"One of: {listing}")[:255])
    elif f.type == "int" and f.name == "satisfaction":
        dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                            showErrorMessage=True, errorStyle="stop",
                            errorTitle=zh_text("无效的值", lang) if zh else "Invalid value",
                            error=zh_text("满意度为 1 到 5 的整数", lang) if zh
                            else "Satisfaction is a whole number from 1 to 5")
    else:
        return None
    dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    return dv


def text_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _value_width(f: fields.Field, v: Any) -> int:
    if v is None:
        return 0
    if f.type == "datetime":
        return 19 if isinstance(v, str) and len(v) > 10 else 10
    if f.type == "date":
        return 10
    if f.type == "money" and isinstance(v, int | float):
        return len(f"{v:,.2f}")
    return text_width(str(v).split("\n", 1)[0])


def column_widths(flds: Sequence[fields.Field], heads: Sequence[str], sample: Sequence[Sequence[Any]],
                  lang: str) -> list[float]:
    out = []
    for i, (f, head) in enumerate(zip(flds, heads, strict=True)):
        values = [_value_width(f, row[i]) for row in sample]
        options = choices(f, lang) or []
        widest = max([text_width(head) + 3, *values, *(text_width(o) for o in options), 6])  # +3: filter button
        out.append(float(min(widest + 2, 60)))
    return out


def _header_cells(ws: Any, flds: Sequence[fields.Field], heads: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for f, head in zip(flds, heads, strict=True):
        c = WriteOnlyCell(ws, value=head)
        c.font = _REQUIRED_FONT if is_required(f) else _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(c)
    return cells


def print_setup(ws: Any, title_rows: str | None = None) -> None:
    """How a sheet prints (or exports to PDF): A4 landscape, one page wide however many columns
    (as many pages down as it takes), TITLE_ROWS ('1:1') repeated at the top of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows


def _prepare(wb: Workbook, t: fields.Table, flds: Sequence[fields.Field], lang: str,
             sample: Sequence[Sequence[Any]]) -> Any:
    """A new sheet with the layout written before any row: widths, formats, frozen header, dropdowns."""
    ws = wb.create_sheet(sheet_title(t, lang))
    heads = [f.label(lang) for f in flds]
    for i, (f, width) in enumerate(zip(flds, column_widths(flds, heads, sample, lang), strict=True), 1):
        letter = get_column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = width
        if f.type in NUMBER_FORMATS:  # empty cells typed in later get the format too
            dim.number_format = NUMBER_FORMATS[f.type]
        dv = validation(f, lang, letter)
        if dv is not None:
            ws.data_validations.append(dv)
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1")
    ws.append(_header_cells(ws, flds, heads))
    return ws


def _converter(ws: Any, f: fields.Field, warnings: list[str]) -> Callable[[Any], Any] | None:
    """Stored text -> the cell a person wants: real dates, numbers with a format; None: as is."""
    if f.type == "date":
        def to_date(v: Any) -> Any:
            try:
                return date.fromisoformat(v) if isinstance(v, str) else v
            except ValueError:
                return v
        return to_date
    if f.type == "datetime":
        def to_datetime(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            try:
                if len(v) == 10:
                    return date.fromisoformat(v)
                c = WriteOnlyCell(ws, value=datetime.fromisoformat(v))
                c.number_format = NUMBER_FORMATS["datetime"]
                return c
            except ValueError:
                return v
        return to_datetime
    if f.type == "money":
        def to_money(v: Any) -> Any:
            if not isinstance(v, int | float):
                return v
            c = WriteOnlyCell(ws, value=v)
            c.number_format = NUMBER_FORMATS["money"]
            return c
        return to_money

    def clean(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        if ILLEGAL_CHARACTERS_RE.search(v):
            said = _("control characters that xlsx cannot hold were removed from some cells")
            if not warnings or warnings[-1] != said:
                warnings.append(said)
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if v[:1] == "#" and v in ERROR_CODES:  # text such as "#N/A" stays text, not an error cell
            c = WriteOnlyCell(ws, value=v)
            c.data_type = "s"
            return c
        return v
    return clean


def write_sheet(wb: Workbook, t: fields.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                lang: str = "zh", warnings: list[str] | None = None) -> int:
    """Stream ROWS (cells prepared by the exporter: labels, masks, neutralised text) into a new sheet."""
    warnings = warnings if warnings is not None else []
    flds = [t.by_name[c] for c in columns]
    it = iter(rows)
    sample = list(itertools.islice(it, SAMPLE_ROWS))
    ws = _prepare(wb, t, flds, lang, sample)
    convert = [(i, conv) for i, f in enumerate(flds) if (conv := _converter(ws, f, warnings)) is not None]
    n = 0
    for row in itertools.chain(sample, it):
        n += 1
        if n > MAX_ROWS:
            raise CrmError(_("{table}: a worksheet holds at most {limit} rows; narrow the filter or export csv").format(
                table=fields.shown_table(t), limit=f"{MAX_ROWS:,}"))
        cells = list(row)
        for i, conv in convert:
            if cells[i] is not None:
                cells[i] = conv(cells[i])
        ws.append(cells)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(flds))}{n + 1}"
    return n


def instructions_sheet(wb: Any, lang: str) -> Any:
    """The instructions sheet (说明): the template's rules and its field table (crmcli.template_text)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(template_text.SHEET[lang])
    rules = template_text.words(template_text.RULES, lang)
    print_setup(ws)
    for letter, width in zip("ABCDEF", (16, 18, 20, 8, 36, 60), strict=True):
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=False, vertical="top")
    for i, line in enumerate(rules):
        c = WriteOnlyCell(ws, value=line)
        if i in (0, len(rules) - 1):  # the title, and "Fields" above the field table
            c.font = Font(bold=True, size=14 if i == 0 else 12)
        c.alignment = wrap
        ws.append([c])
    heads = []
    for h in template_text.words(template_text.HEADS, lang):
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        heads.append(c)
    ws.append(heads)
    for row in template_text.field_rows(lang):
        ws.append(row)
    return ws


def write_template(path: str | Path, lang: str = "zh", *, force: outfile.Overwrite = False,
                   avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> list[str]:
    """Write the blank template workbook: one sheet per module plus the instructions sheet.

    force/avoid: see crmcli.outfile (never over a database; an existing file only with force).
    """
    if Path(path).suffix.lower() != ".xlsx" and not (Path(path).exists() and not Path(path).is_file()):
        what = Path(path).suffix or _("a name without a suffix")
        raise InvalidValue(_("cannot write {path}: crm template writes .xlsx workbooks, not {what}").format(path=path, what=what))
    file = outfile.AtomicFile(path, force=force, avoid=avoid)
    file.create()  # an unwritable folder fails here, before the workbook exists
    try:
        wb = new()
        titles = []
        for name in fields.MODULES:
            t = fields.TABLES[name]
            write_sheet(wb, t, template_columns(t), (), lang=lang)
            titles.append(sheet_title(t, lang))
        instructions_sheet(wb, lang)
        titles.append(template_text.SHEET[lang])
    except BaseException:
        file.discard()
        raise
    outfile.save_workbook(wb, file)
    return titles
