"""Every rendering of rows in one place: table, CSV, TSV, JSON, JSONL (XLSX lives in
exporter code that writes files). Rows stream: CSV, TSV and JSONL write as they
read, JSON writes its brackets around the stream, so memory does not grow with
the result. Only the terminal table imports Rich.

Machine formats carry stored values keyed by the schema's English column names;
the table shows labels in the chosen language. Phones and emails are masked
unless the caller asks otherwise (the template's privacy rule).

Nothing from the data drives a terminal: every string Rich draws passes
`printable` (control characters shown as \\x1b escapes) and Rich markup and emoji
codes are off, so a name like `[/]` or `:smile:` prints as typed; machine formats
written to a terminal are escaped the same way (to a file or a pipe they are data).
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import operator
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from crmcli import fields
from crmcli.normalize import MASKED_TYPES, mask_value

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
# C0 controls but tab and newline, DEL and C1: a terminal obeys them (ESC [2J, ESC ]0;title BEL, CSI 0x9b).
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """TEXT with every terminal control character shown as a \\xNN escape instead of sent."""
    if _TERMINAL_CONTROLS.search(text) is None:
        return text
    return _TERMINAL_CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _printable_cells(cells: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    for row in cells:
        yield [printable(v) if isinstance(v, str) else v for v in row]


def default_format(stream: IO[str] | None = None) -> str:
    """table on a terminal, csv in a pipe (the contract)."""
    stream = stream or sys.stdout
    return "table" if stream.isatty() else "csv"


def _field(table: str | None, column: str) -> fields.Field | None:
    if table is None or table not in fields.TABLES:
        return None
    if column.startswith("customer."):  # a follow-up's customer.name, customer.phone (crmcli.columns)
        from crmcli.columns import related_field

        return related_field(table, column)
    return fields.TABLES[table].by_name.get(column.split(".")[-1])


def masker(table: str | None, columns: Sequence[str], unmask: bool) -> dict[str, Any]:
    """column -> mask function for the columns that hold phones or emails."""
    if unmask:
        return {}
    out: dict[str, Any] = {}
    for c in columns:
        f = _field(table, c)
        kind = f.type if f else ("phone" if c.endswith("phone") else "email" if c.endswith("email") else "")
        if kind in MASKED_TYPES:
            out[c] = functools.partial(mask_value, kind)
    return out


def mask_row(table: str | None, row: Mapping[str, Any], unmask: bool) -> dict[str, Any]:
    """ROW (column -> value) with its phones and e-mails masked unless UNMASK: the listings' rule."""
    masks = masker(table, list(row), unmask)
    return {k: (masks[k](v) if k in masks and v else v) for k, v in row.items()}


def header(table: str | None, columns: Sequence[str], lang: str | None) -> list[str]:
    if lang is None:
        return list(columns)
    from crmcli.i18n import translate

    out = []
    for c in columns:
        f = _field(table, c)
        if c == "customer.name":
            out.append(translate("Customer", lang))
        elif c == "tags" and f is None:
            out.append(translate("Tags", lang))
        else:
            out.append(f.label(lang) if f else c)
    return out


def _cells(rows: Iterable[Mapping[str, Any] | Sequence[Any]], columns: Sequence[str], table: str | None,
           unmask: bool, lang: str | None) -> Iterator[list[Any]]:
    masks = masker(table, columns, unmask)
    fs = [_field(table, c) for c in columns]
    for row in rows:
        vals = [row[c] for c in columns] if isinstance(row, Mapping) or hasattr(row, "keys") else list(row)
        for i, c in enumerate(columns):
            v = vals[i]
            if v is not None and c in masks:
                v = masks[c](v)
            if lang is not None and fs[i] is not None:
                v = fields.display(fs[i], v, lang)  # type: ignore[arg-type]
            vals[i] = v
        yield vals


def render(rows: Iterable[Any], columns: Sequence[str], fmt: str, *, table: str | None = None,
           out: IO[str] | None = None, unmask: bool = False, lang: str = "en", labels: bool | None = None,
           title: str | None = None, heads: Sequence[str] | None = None) -> int:
    """Write ROWS (mappings or sequences in COLUMNS order) to OUT in FMT; returns the row count.

    labels: show label values and translated headers (default: only for `table`).
    heads: the headers to show with labels, for columns that are no registry field (already translated).
    """
    out = out or sys.stdout
    if fmt not in FORMATS:
        raise ValueError(fmt)
    use_labels = (fmt == "table") if labels is None else labels
    cells = _cells(rows, columns, table, unmask, lang if use_labels else None)
    heads = list(heads) if heads is not None and use_labels else header(table, columns, lang if use_labels else None)
    if fmt == "table":
        n = _rich_table(_minutes(cells, [_field(table, c) for c in columns]), heads, out, title)
        out.flush()
        return n
    return write_cells(cells, heads, fmt, out)


def write_cells(cells: Iterable[Sequence[Any]], heads: Sequence[str], fmt: str, out: IO[str]) -> int:
    """Write rows whose cells are final (already masked / labelled) in a machine format; returns the count.

    The exporter prepares cells inside SQLite and streams its cursor straight here:
    CSV and TSV go through csv.writer.writerows without a Python step per row.
    """
    n = 0
    if _isatty(out):  # machine formats are data, but a terminal would obey what they carry
        cells = _printable_cells(cells)
    if fmt in ("csv", "tsv"):
        w = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(heads)
        counter = itertools.count()
        # zip() pulls a row before a number, so next(counter) afterwards is the row count.
        w.writerows(map(operator.itemgetter(0), zip(cells, counter, strict=False)))  # None is written as ""
        n = next(counter)
    elif fmt in ("json", "jsonl"):
        n = _write_json_rows(cells, heads, out, array=fmt == "json")
    else:
        raise ValueError(fmt)
    out.flush()
    return n


def _write_json_rows(cells: Iterable[Sequence[Any]], heads: Sequence[str], out: IO[str], *, array: bool) -> int:
    """JSON (an array, one object a line) or JSONL, streamed in chunks.

    One encoder for the whole stream: json.dumps with arguments builds a new JSONEncoder for every
    row, which was most of the time a JSON export took (issue 19: 3.9x the CSV export at 100k rows).
    """
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    keys = list(heads)
    sep = ",\n  " if array else "\n"
    n = 0
    out.write("[" if array else "")
    rows = iter(cells)
    while chunk := list(itertools.islice(rows, 2000)):
        text = sep.join(map(encode, map(dict, map(functools.partial(zip, keys), chunk))))
        out.write(("\n  " if n == 0 else sep) + text if array else text + "\n")
        n += len(chunk)
    if array:
        out.write("\n]\n" if n else "]\n")
    return n


def write_document(data: Any, out: IO[str] | None = None, *, lines: bool = False,
                   transform: Any = None) -> None:
    """One JSON document that is not rows (a summary, a card, a report, clusters): indented; with
    LINES, each item of the list DATA on its own line (jsonl). TRANSFORM (text -> text) runs over the
    written text (the CLI's masking of free text). To a terminal, control characters are escaped
    as in every other format."""
    out = out or sys.stdout
    if lines:
        texts: Iterable[str] = (json.dumps(d, ensure_ascii=False, default=str) for d in data)
    elif isinstance(data, list | tuple | Iterator):
        texts = _json_array(data)
    else:
        texts = [json.dumps(data, ensure_ascii=False, indent=2, default=str)]
    tty = _isatty(out)
    for text in texts:
        text = transform(text) if transform is not None else text
        out.write((printable(text) if tty else text) + "\n")
    out.flush()


def _json_array(items: Iterable[Any]) -> Iterator[str]:
    """json.dumps(ITEMS, indent=2) as text pieces, one item at a time: the whole document as one
    string (and the encoder's pieces of it) took ~500 MB for `crm dedupe --format json` at 1M
    customers. Newlines never occur inside JSON strings (they are escaped), so re-indenting an
    item's text by two spaces gives exactly json.dumps' layout."""
    last: str | None = None
    for item in items:
        if last is not None:
            yield last + ","
        text = "  " + json.dumps(item, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")
        last = text if last is not None else "[\n" + text
    if last is None:
        yield "[]"
    else:
        yield last
        yield "]"


def _isatty(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


_CONSOLE_CLASS: Any = None


def _console_class() -> Any:
    """Rich's Console with every string made printable before it becomes text (see the module docstring)."""
    global _CONSOLE_CLASS
    if _CONSOLE_CLASS is None:
        from rich.console import Console

        class SafeConsole(Console):
            def render_str(self, text: str, **kwargs: Any) -> Any:
                return super().render_str(printable(text), **kwargs)

        _CONSOLE_CLASS = SafeConsole
    return _CONSOLE_CLASS


def console(stream: IO[str] | None = None, stderr: bool = False) -> Any:
    width = None if (stream or sys.stdout).isatty() else int(os.environ.get("COLUMNS", "120"))
    return _console_class()(file=stream, stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")) or None,
                            width=width, highlight=False, soft_wrap=False, markup=False, emoji=False)


def styled(text: str, style: str) -> Any:
    """Text in a Rich style (markup is off: data may hold brackets)."""
    from rich.text import Text

    return Text(printable(text), style=style)


def _rich_table(cells: Iterable[list[Any]], heads: Sequence[str], out: IO[str], title: str | None) -> int:
    rows = [["" if v is None else _fmt_cell(v) for v in vals] for vals in cells]
    con = console(out)
    con.print(fitted_table([str(h) for h in heads], rows, width=con.width, title=title))
    return len(rows)


def _minutes(cells: Iterable[list[Any]], fs: Sequence[fields.Field | None]) -> Iterator[list[Any]]:
    """A terminal table shows date-times to the minute (16 cells, not 19: room for another column)."""
    cut = [i for i, f in enumerate(fs) if f is not None and f.type == "datetime"]
    for vals in cells:
        for i in cut:
            if isinstance(vals[i], str) and len(vals[i]) == 19:
                vals[i] = vals[i][:16]
        yield vals


def fitted_table(heads: Sequence[str], rows: Sequence[Sequence[str]], *, width: int, title: str | None = None,
                 priorities: Sequence[float] | None = None, caption: str | None = None,
                 right: Sequence[int] = ()) -> Any:
    """A Rich table of ROWS that fits WIDTH without breaking an id, date, phone, amount or header
    (crmcli.fit): long text is shortened with …, and the least important columns drop out, named in
    a line under it. RIGHT: indexes of columns aligned right (figures). Every terminal table of crm
    is drawn by this function."""
    from rich.table import Table

    from crmcli.fit import plan, shorten
    from crmcli.i18n import _

    p = plan(heads, rows, width, priorities)
    tbl = Table(title=styled(title, "") if title else None, show_lines=False, header_style="bold",
                title_justify="left", title_style="bold")
    for i, w, is_text in zip(p.keep, p.widths, p.text, strict=True):
        tbl.add_column(styled(heads[i], ""), width=w, no_wrap=True, overflow="ellipsis" if is_text else "fold",
                       justify="right" if i in right else "left")
    for r in rows:
        tbl.add_row(*(styled(shorten(r[i], w) if is_text else r[i], "")
                      for i, w, is_text in zip(p.keep, p.widths, p.text, strict=True)))
    notes = [caption] if caption else []
    if p.dropped:
        notes.append(_("hidden to fit {width} columns: {names}").format(
            width=width, names=", ".join(heads[i] for i in p.dropped)))
    if not notes:
        return tbl
    from rich.console import Group

    return Group(tbl, *(styled(n, "dim") for n in notes))


def _fmt_cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def card(sections: Sequence[tuple[str, Any]], out: IO[str] | None = None) -> None:
    """Print a record card: (title, mapping) pairs as key/value panels, (title, table) as tables."""
    from rich.panel import Panel
    from rich.table import Table

    con = console(out)
    for title, body in sections:
        if isinstance(body, Mapping):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold")
            grid.add_column()
            for k, v in body.items():
                if v not in (None, ""):
                    grid.add_row(str(k), _fmt_cell(v))
            con.print(Panel(grid, title=styled(title, "") if title else None, title_align="left", expand=False))
        else:
            con.print(body if title is None else styled(title, "bold"))
            if title is not None and body is not None:
                con.print(body)
