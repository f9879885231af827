"""Export: CSV / TSV / JSON / JSONL for pipelines, XLSX for people, privacy by default.

How a row gets out:
  1. `build_query` turns table + filters + columns into one SELECT whose
     expressions already do the per-cell work inside SQLite: phone/e-mail
     masking (a registered function), label translation (`--lang`: a CASE over
     the registry's labels, values bound as parameters) and formula
     neutralisation (cells.sql_neutralise). No Python runs per cell for CSV.
  2. The cursor streams into output.write_cells (csv/tsv/json/jsonl) or
     workbook.write_sheet (xlsx): rows are never collected in a list, so memory
     stays flat however big the table is.
  3. Files go through crmcli.outfile: checked before a row is read (never over a
     database or an existing file without --force), written to a temporary name
     next to the target and renamed on success (0600): a failed export never
     leaves half a file behind.
  4. An unmasked export is one entry in the operation log (kind "export": who,
     filter, table, rows, file); it changes no data rows.

Value forms: without --lang, machine formats carry the stored canonical values
under the schema's English column names (stable for scripts); --lang zh|zh-Hant|en gives
the template's labels for headers and fixed-label values (for people). XLSX is
for people: labels (Chinese unless asked otherwise), real dates and numbers.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import itertools
import operator
import sqlite3
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from crmcli import audit, fields, filters, outfile, output
from crmcli.cells import neutralise, sql_neutralise
from crmcli.errors import CrmError, InvalidValue, reason
from crmcli.i18n import LANGS, _, zh_text
from crmcli.normalize import MASKED_TYPES, mask_email, mask_phone

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
_SUFFIX_FORMAT = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".json": "json", ".jsonl": "jsonl",
                  ".ndjson": "jsonl", ".xlsx": "xlsx"}
_NO_NEUTRALISE = ("date", "datetime", "label", "int", "bool")  # CHECK constraints keep these free of triggers


# ------------------------------------------------------------------------- masking



def _register_functions(conn: sqlite3.Connection) -> None:
    def phone(v: Any, safe: int) -> Any:
        if not isinstance(v, str):
            return v
        return neutralise(mask_phone(v)) if safe else mask_phone(v)

    def email(v: Any, safe: int) -> Any:
        if not isinstance(v, str):
            return v
        return neutralise(mask_email(v)) if safe else mask_email(v)

    conn.create_function("crm_mask_phone", 2, phone, deterministic=True)
    conn.create_function("crm_mask_email", 2, email, deterministic=True)


def sql_mask(kind: str, col: str, safe: bool) -> str:
    """SQL that masks stored phones / e-mails of the usual shapes in SQLite itself, else calls Python.

    A Python call per phone and e-mail cost a third of a million-row export. Stored
    values are canonical (every write path normalises them), so cheap tests on
    the first character, the length and the dashes pick out a mobile
    (13812345678), a landline (010-62345678) and an e-mail with a plain first
    character; for those this gives the same text as normalize.mask_phone /
    mask_email (tests compare them) and never starts with a formula trigger.
    Anything else (extensions, 400 numbers, odd data) goes through Python. Even for
    a value that is not canonical, at least three characters are masked.
    """
    fallback = f"crm_mask_{kind}({col}, {int(safe)})"
    if kind == "phone":
        dash = f"instr({col}, '-')"
        # First-character tests are byte comparisons (no function call); a number never passes them.
        return (f"CASE WHEN {col} IS NULL THEN NULL "
                f"WHEN {col} >= '1' AND {col} < '2' AND length({col}) = 11 AND {dash} = 0 "
                f"THEN substr({col}, 1, 3) || '****' || substr({col}, -4) "
                f"WHEN {col} >= '0' AND {col} < '1' AND {dash} IN (4, 5) AND length({col}) - {dash} IN (7, 8) "
                f"AND instr(substr({col}, {dash} + 1), '-') = 0 "
                f"THEN substr({col}, 1, {dash}) || substr('****', 1, length({col}) - {dash} - 4) || substr({col}, -4) "
                f"ELSE {fallback} END")
    at = f"instr({col}, '@')"
    # A plain ASCII first character from '0' to '~', except '=' and '@'.
    return (f"CASE WHEN {col} IS NULL THEN NULL "
            f"WHEN {col} >= '0' AND {col} < char(127) AND NOT ({col} >= '=' AND {col} < '>') "
            f"AND NOT ({col} >= '@' AND {col} < 'A') AND {at} > 1 "
            f"THEN substr({col}, 1, 1) || '***' || substr({col}, {at}) "
            f"ELSE {fallback} END")


# ------------------------------------------------------------------------- the query


@dataclass
class Query:
    table: fields.Table
    columns: list[str]
    heads: list[str]
    sql: str
    params: list[Any]

    @property
    def fields(self) -> list[fields.Field]:
        return [self.table.by_name[c] for c in self.columns]


def _cell_expr(f: fields.Field, col: str, *, lang: str | None, unmask: bool, safe: bool,
               params: list[Any]) -> str:
    if f.type in MASKED_TYPES and not unmask:
        return sql_mask(f.type, col, safe)
    checked = f.type in _NO_NEUTRALISE and not f.open  # CHECK constraints keep triggers out
    plain = sql_neutralise(col) if safe and not checked else col
    if lang is not None and f.labels:
        whens = []
        for lab in f.labels:
            whens.append("WHEN ? THEN ?")
            params.extend([lab.value, lab.en if lang == "en" else zh_text(lab.zh, lang)])
        return f"CASE {col} {' '.join(whens)} ELSE {sql_neutralise(col) if safe else col} END"
    if lang is not None and f.type == "bool":
        params.extend(["yes", "no"] if lang == "en" else ["是", "否"])
        return f"CASE {col} WHEN 1 THEN ? WHEN 0 THEN ? ELSE {col} END"
    return plain


def build_query(conn: sqlite3.Connection, table: str, args: Sequence[str] = (), *,
                columns: str | Sequence[str] | None = None, lang: str | None = None, unmask: bool = False,
                safe: bool = True, customers: Sequence[str] | None = None, today: date | None = None) -> Query:
    """The SELECT for one table: filters from ARGS, cells prepared in SQL.

    customers: filters on customers that limit a related module to those
    customers' rows (`crm export all tag=VIP`).
    """
    t = fields.table(table)
    cols = filters.resolve_columns(t.name, columns)
    params: list[Any] = []
    exprs = [_cell_expr(t.by_name[c], f"{t.name}.{c}", lang=lang, unmask=unmask, safe=safe, params=params)
             for c in cols]
    compiled = filters.compile_filters(t.name, args, today=today, conn=conn)  # as `crm query` compiles them
    where, where_params = compiled.where, list(compiled.params)
    if customers and t.name != "customers":
        scope = filters.compile_filters("customers", customers, today=today, conn=conn)
        where = f"({where}) AND {t.name}.customer_id IN (SELECT customers.customer_id FROM customers WHERE {scope.where})"
        where_params += scope.params
    elif customers:
        scope = filters.compile_filters("customers", customers, today=today, conn=conn)
        where = f"({where}) AND ({scope.where})"
        where_params += scope.params
    order = "tags.customer_id, tags.tag" if t.name == "tags" else f"{t.name}.{t.key}"  # the primary key
    sql = f"SELECT {', '.join(exprs)} FROM {t.name} WHERE {where} ORDER BY {order}"
    heads = cols if lang is None else [t.by_name[c].label(lang) for c in cols]
    _register_functions(conn)
    return Query(t, cols, heads, sql, params + where_params)


def rows(conn: sqlite3.Connection, query: Query) -> sqlite3.Cursor:
    """A cursor of plain tuples over QUERY (no Row objects: they cost time per row)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(query.sql, query.params)


# ------------------------------------------------------------------------- files and encodings

def _encode_error(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    around = exc.object[max(0, exc.start - 12):exc.end + 12].replace("\n", " ")
    raise InvalidValue(_("{char!r} (in '…{around}…') cannot be written in {encoding}; use --encoding gb18030 (all "
                         "characters, readable by GBK systems) or utf-8-sig").format(char=bad, around=around, encoding=exc.encoding))


codecs.register_error("crmcli-export", _encode_error)


def default_encoding(fmt: str, to_file: bool) -> str:
    """A CSV/TSV file gets a BOM so Excel reads Chinese correctly; stdout and JSON never do."""
    return "utf-8-sig" if to_file and fmt in ("csv", "tsv") else "utf-8"


def format_for(path: str | None, fmt: str | None) -> str:
    """--format, else the file's suffix, else csv."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InvalidValue(_("unknown format '{format}'; formats: {formats}").format(format=fmt, formats=", ".join(FORMATS)))
        return fmt
    if path and path != "-":
        return _SUFFIX_FORMAT.get(Path(path).suffix.lower(), "csv")
    return "csv"


def check_suffix(path: str | None, fmt: str) -> None:
    """A file whose suffix names another format, or one crm export does not write, is refused:
    CSV inside customers.pdf would be worse than no file. No suffix, stdout, a folder, /dev/stdout: any."""
    if not path or path == "-":
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        return
    suffix = target.suffix.lower()
    by_suffix = _SUFFIX_FORMAT.get(suffix)
    if not suffix or by_suffix == fmt or (suffix == ".txt" and fmt != "xlsx"):
        return
    if by_suffix is None:
        names = ", ".join(dict.fromkeys(_SUFFIX_FORMAT))
        raise InvalidValue(_("cannot write {path}: {command} writes {formats} (or - for stdout), not {suffix}").format(
            path=path, command="crm export", formats=names, suffix=suffix))
    raise InvalidValue(_("cannot write {fmt} to {path}: a {suffix} file holds {holds}; name it .{other} or leave out "
                         "--format").format(fmt=fmt, path=path, suffix=suffix, holds=by_suffix, other=fmt))


@contextlib.contextmanager
def text_sink(path: str | None, encoding: str, stdout: IO[str] | None = None, *,
              file: outfile.AtomicFile | None = None) -> Iterator[IO[str]]:
    """A text stream for PATH ('-' or None: stdout) or FILE (checked and made by the caller) in ENCODING;
    unencodable characters are an error."""
    if encoding not in ENCODINGS:
        raise InvalidValue(_("unknown encoding '{encoding}'; encodings: {encodings}").format(
            encoding=encoding, encodings=", ".join(ENCODINGS)))
    if path in (None, "-"):
        stream = stdout or sys.stdout
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # an in-memory text stream (tests, embedding): write text as is
            yield stream
            return
        wrapper = io.TextIOWrapper(buffer, encoding=_fast(encoding), errors="crmcli-export", newline="")
        try:
            if encoding == "utf-8-sig":
                wrapper.write("\ufeff")
            yield wrapper
            wrapper.flush()
        finally:
            with contextlib.suppress(ValueError, OSError):
                wrapper.detach()  # leave sys.stdout usable
        return
    target = file or outfile.AtomicFile(path)
    try:
        with open(target.create(), "w", encoding=_fast(encoding), errors="crmcli-export", newline="") as fh:
            if encoding == "utf-8-sig":
                fh.write("\ufeff")
            yield fh
    except OSError as e:
        target.discard()
        if isinstance(e, BrokenPipeError):
            raise
        raise CrmError(outfile.cannot_write(target.target, e)) from None
    except BaseException:
        target.discard()
        raise
    target.commit()


def _fast(encoding: str) -> str:
    # TextIOWrapper encodes "utf-8" in C but "utf-8-sig" through a Python-level encoder per
    # write (0.6 s on a million rows): write the BOM ourselves instead.
    return "utf-8" if encoding == "utf-8-sig" else encoding


# ------------------------------------------------------------------------- export


@dataclass
class Result:
    fmt: str
    target: str  # file path, folder, or "-" for stdout
    rows: dict[str, int] = field(default_factory=dict)
    masked: bool = True
    op_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _resolve_tables(table: str) -> list[str]:
    if fields.fold(table) in ("all", "全部"):
        return list(fields.MODULES)
    return [fields.table(table).name]


def export(conn: sqlite3.Connection, table: str = "customers", args: Sequence[str] = (), *,
           fmt: str | None = None, output_path: str | None = None, columns: str | Sequence[str] | None = None,
           lang: str | None = None, unmask: bool = False, encoding: str | None = None,
           stdout: IO[str] | None = None, today: date | None = None, force: outfile.Overwrite = False) -> Result:
    """Export TABLE (or "all") rows matching ARGS; see the module docstring for the rules.

    output_path: a file, '-'/None for stdout, or a folder for `all` in csv/tsv/json/jsonl.
    lang: None keeps column names and stored values (xlsx: defaults to zh).
    force: replace existing files (or a callable asked per file); see crmcli.outfile.
    """
    fmt = format_for(output_path, fmt)
    check_suffix(output_path, fmt)
    tables = _resolve_tables(table)
    if lang not in (None, *LANGS):
        raise InvalidValue(_("--lang takes en, zh or zh-Hant, not '{lang}'").format(lang=lang))
    if len(tables) > 1 and columns:
        raise InvalidValue(_("--columns applies to one table, not to `all`"))
    if fmt == "xlsx":
        lang = lang or "zh"
        if encoding:
            raise InvalidValue(_("--encoding applies to text formats; xlsx stores Unicode"))
    target = output_path or "-"
    files = _output_files(conn, tables, target, fmt, force)  # every refusal before a row is read
    result = Result(fmt, target, masked=not unmask)
    counter = itertools.count()
    try:
        if fmt == "xlsx":
            _export_xlsx(conn, tables, args, files.get(""), columns, lang, unmask, result, stdout, today)
        elif len(tables) > 1:
            _export_folder(conn, tables, args, files, fmt, lang, unmask, encoding, result, today)
        else:
            q = build_query(conn, tables[0], args, columns=columns, lang=lang, unmask=unmask,
                            safe=fmt in ("csv", "tsv"), today=today)
            file = files.get("")
            enc = encoding or default_encoding(fmt, file is not None and not file.in_place)
            cur = rows(conn, q)
            with text_sink(target, enc, stdout, file=file) as sink:
                output.write_cells(map(operator.itemgetter(0), zip(cur, counter, strict=False)), q.heads, fmt, sink)
            result.rows[q.table.name] = next(counter)
    except BrokenPipeError:
        # The reader left (`| head`): what it read already left the machine, so log it too.
        result.rows.setdefault(tables[0], next(counter))
        if unmask:
            _log(conn, table, args, result, partial=True)
        raise
    finally:
        for f in files.values():
            f.discard()  # nothing left behind when a later file failed
    if unmask:
        _log(conn, table, args, result)
    return result


def _output_files(conn: sqlite3.Connection, tables: list[str], target: str, fmt: str,
                  force: outfile.Overwrite) -> dict[str, outfile.AtomicFile]:
    """The files an export will write, each checked (crmcli.outfile): {"": file} or {table: file} for a folder."""
    if target == "-":
        return {}
    avoid = outfile.database_files(conn)
    if fmt == "xlsx" or len(tables) == 1:
        return {"": outfile.AtomicFile(target, force=force, avoid=avoid)}
    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise InvalidValue(_("{folder} is a file; `all` in {format} needs a folder (or --format xlsx)").format(folder=folder, format=fmt))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CrmError(_("cannot create the folder {folder}: {reason}").format(folder=folder, reason=reason(e))) from None
    return {name: outfile.AtomicFile(folder / f"{name}.{fmt}", force=force, avoid=avoid) for name in tables}


def _export_folder(conn: sqlite3.Connection, tables: list[str], args: Sequence[str],
                   files: dict[str, outfile.AtomicFile], fmt: str, lang: str | None, unmask: bool,
                   encoding: str | None, result: Result, today: date | None) -> None:
    if not files:
        raise InvalidValue(_("`all` in {format} writes one file per module: give -o FOLDER (or use --format xlsx -o FILE.xlsx)").format(
            format=fmt))
    for name in tables:
        q = build_query(conn, name, (), lang=lang, unmask=unmask, safe=fmt in ("csv", "tsv"),
                        customers=args, today=today)
        with text_sink(str(files[name].target), encoding or default_encoding(fmt, True), file=files[name]) as sink:
            result.rows[name] = output.write_cells(rows(conn, q), q.heads, fmt, sink)


def _export_xlsx(conn: sqlite3.Connection, tables: list[str], args: Sequence[str], file: outfile.AtomicFile | None,
                 columns: str | Sequence[str] | None, lang: str | None, unmask: bool, result: Result,
                 stdout: IO[str] | None, today: date | None) -> None:
    from crmcli import workbook

    if file is None:
        stream = stdout or sys.stdout
        if stream.isatty():
            raise InvalidValue(_("xlsx is a binary file: give -o FILE.xlsx (or pipe stdout into a file)"))
    else:
        file.create()  # an unwritable folder fails here, before the workbook exists
    wb = workbook.new()
    for name in tables:
        one = len(tables) == 1
        q = build_query(conn, name, args if one else (), columns=columns, lang=lang, unmask=unmask, safe=True,
                        customers=None if one else args, today=today)
        result.rows[name] = workbook.write_sheet(wb, q.table, q.columns, rows(conn, q), lang=lang or "zh",
                                                 warnings=result.warnings)
    if file is None:
        with tempfile.TemporaryDirectory(prefix="crm-export-") as tmp:
            path = Path(tmp) / "export.xlsx"
            outfile.save_workbook(wb, outfile.AtomicFile(path))
            stream = stdout or sys.stdout
            stream.flush()
            stream.buffer.write(path.read_bytes())  # type: ignore[attr-defined]
            stream.buffer.flush()  # type: ignore[attr-defined]
        return
    outfile.save_workbook(wb, file)


def _log(conn: sqlite3.Connection, table: str, args: Sequence[str], result: Result, partial: bool = False) -> None:
    """One operation-log entry for an unmasked export: who, what, how many, where. No data rows."""
    who = audit.current_user()
    what = ", ".join(f"{n} {fields.shown_table(t) if t in fields.TABLES else t}" for t, n in result.rows.items())
    target = _("stdout") if result.target == "-" else result.target
    details = {"who": who, "table": table, "filter": list(args), "rows": result.total, "per_table": result.rows,
               "file": target, "format": result.fmt, "partial": partial}
    with audit.operation(conn, "export", _("unmasked export of {what} to {file}").format(what=what, file=target), details) as op:
        result.op_id = op.op_id

