"""The import run: sheets -> header and module -> converted batches -> one logged
transaction, whole or nothing.

Order matters in a workbook: customers are loaded first, so follow-ups, orders …
on other sheets can link to customers created by the same import. Every row that
cannot be imported is a *reject* with its source line and reason; without a
rejects file one reject fails the whole import (nothing is written), with one the
valid rows go in and the rejects go to the file. A dry run does all of it inside
the transaction and then rolls it back, so its counts are exactly what a real run
would do.
"""

from __future__ import annotations

import csv
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from crmcli import audit, fields, invalid, outfile, rules
from crmcli.errors import CrmError, InvalidValue
from crmcli.i18n import _, get_lang
from crmcli.importer import headers as hdr
from crmcli.importer.convert import ColumnConverter, Masked, not_null_defaults
from crmcli.importer.keep import KeptAside
from crmcli.importer.load import Loader
from crmcli.importer.match import RowMatcher
from crmcli.importer.sources import Sheet, Source, csv_sheet, json_sheet, open_source, workbook_sheets
from crmcli.importer.tags import TagLoader
from crmcli.normalize import name_key

BATCH = 5000
ON_CONFLICT = ("fail", "skip", "update")
Progress = Callable[[str, int, int], None]  # (sheet, done, total)


class ImportFailed(CrmError):
    """Nothing was imported; the message says why. ROWS: every rejected row with its reason (the first
    LISTED of them), for the person who has to fix the file."""

    def __init__(self, message: str, rows: list[str] | None = None, count: int = 0) -> None:
        super().__init__(message)
        self.rows = rows or []
        self.count = count


LISTED = 1000  # rejected rows an all-or-nothing failure lists one by one


@dataclass
class SheetResult:
    sheet: str
    table: str
    header_line: int
    columns: list[dict[str, str]]
    unmapped: list[str]
    ignored: list[str]
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    unchanged: int = 0
    rejected: int = 0
    masked: int = 0  # masked cells (138****5678, s***@x.com) read: never data
    masked_kept: int = 0  # … in rows of stored records: the stored value kept
    masked_empty: int = 0  # … in new rows: no value
    duplicates: list[list[str]] = field(default_factory=list)  # new customers alike by name, per group
    duplicates_of_stored: list[tuple[str, list[str]]] = field(default_factory=list)  # (new id, stored ids alike)
    kind_from_customer_type: int = 0  # 客户类型 cells holding 企业/个人, stored as kind
    conflicts: int = 0  # with --on-conflict fail: rows whose record is already stored
    conflict_ids: list[str] = field(default_factory=list)  # the first of them
    tags_inserted: int = 0  # customers sheets: tags added from a 标签 column
    linked_to_first: int = 0  # child rows naming a customer the file held twice: linked to the first
    linked_to_first_ids: list[str] = field(default_factory=list)
    kept_invalid: int = 0  # --keep-invalid: bad cells kept aside (crmcli.invalid) instead of rejecting the row


@dataclass
class ImportResult:
    file: str
    detected: dict[str, str]
    dry_run: bool
    sheets: list[SheetResult] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    op_id: int | None = None
    rejects_file: str | None = None

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sheets)

    def summary(self) -> dict[str, Any]:
        counts = {k: self.total(k) for k in ("read", "inserted", "updated", "skipped", "unchanged", "rejected",
                                             "kept_invalid")}
        return {"file": self.file, **self.detected, "dry_run": self.dry_run, **counts,
                "masked": self.total("masked"), "masked_kept": self.total("masked_kept"),
                "masked_empty": self.total("masked_empty"), "operation": self.op_id,
                "rejects_file": self.rejects_file,
                "sheets": [s.__dict__ for s in self.sheets], "skipped_sheets": self.skipped_sheets}


class _DryRun(Exception):
    pass


class _Rejects:
    """Collects rejected rows; writes them (line, reason, original cells) to a CSV when asked.

    The file (crmcli.outfile) is checked before the import reads a row and appears only when the
    run completes (a dry run included); a failed import leaves no rejects file.
    """

    def __init__(self, file: outfile.AtomicFile | None) -> None:
        self.file = file
        self.path = None if file is None else str(file.target)
        self.count = 0
        self.first: list[str] = []
        self._fh: Any = None
        self._writer: Any = None
        self._header_for: str | None = None

    def add(self, sheet: str, line: int, reason: str, header: list[str], cells: list[Any]) -> None:
        self.count += 1
        if len(self.first) < LISTED:
            self.first.append(_("{sheet} line {line}: {reason}").format(sheet=sheet, line=line, reason=reason))
        if self.path is None:
            return
        if self._writer is None:
            assert self.file is not None
            self._fh = open(self.file.create(), "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            self._writer = csv.writer(self._fh)
        if self._header_for != sheet:
            self._writer.writerow(["sheet", "line", "reason", *header])
            self._header_for = sheet
        self._writer.writerow([sheet, line, reason, *["" if c is None else c for c in cells]])

    def close(self, keep: bool) -> None:
        if self._fh is not None:
            self._fh.close()
        if self.file is not None:
            if keep:
                self.file.commit()
            else:
                self.file.discard()


def import_file(conn: sqlite3.Connection, name: str, *, table: str | None = None, sheet: str | None = None,
                mapping: list[str] | None = None, dry_run: bool = False, on_conflict: str = "fail",
                rejects: str | None = None, encoding: str | None = None, progress: Progress | None = None,
                stdin: Any = None, force: outfile.Overwrite = False,
                keep_invalid: bool = False) -> ImportResult:
    """Import a CSV/TSV/Excel file (or '-' for stdin) into the database. See the module docstring.

    force: replace an existing REJECTS file (crmcli.outfile); never the input or the database.
    """
    if on_conflict not in ON_CONFLICT:
        raise InvalidValue(_("--on-conflict must be one of {choices}").format(choices=", ".join(ON_CONFLICT)))
    forced = fields.table(table) if table else None
    if forced is not None and forced.name not in fields.MODULES:
        raise InvalidValue(_("{table} cannot be imported; importable: {tables}").format(
            table=fields.shown_table(forced), tables=", ".join(fields.MODULES)))
    overrides = hdr.parse_overrides(mapping or [])
    from crmcli.perf import gc_paused

    avoid = outfile.database_files(conn) + ([] if name == "-" else [(name, _("the file being imported"))])
    rejects_file = outfile.AtomicFile(rejects, force=force, avoid=avoid) if rejects else None
    src = open_source(name, encoding=encoding, stdin=stdin)
    try:
        with gc_paused():  # batches of row lists and tuples: the collector found nothing, ~10% of the CPU time
            return _run(conn, src, forced, sheet, overrides, dry_run, on_conflict, _Rejects(rejects_file), progress,
                        keep_invalid)
    finally:
        src.close()
        if rejects_file is not None:
            rejects_file.discard()  # committed already when the run completed


def _sheets(src: Source, sheet: str | None) -> list[Sheet]:
    if src.kind in ("csv", "json"):
        if sheet is not None:
            raise InvalidValue(_("--sheet is for Excel workbooks; {file} is a {kind} file").format(
                file=src.display, kind=src.kind.upper()))
        return [csv_sheet(src) if src.kind == "csv" else json_sheet(src)]
    return workbook_sheets(src, sheet)


@dataclass
class _Plan:
    sheet: Sheet
    mapping: hdr.Mapping
    header_line: int
    rows: Iterator[tuple[int, list[Any]]]


def _plan(src: Source, sheets: list[Sheet], forced: fields.Table | None,
          overrides: dict[str, str], result: ImportResult) -> list[_Plan]:
    from crmcli.template_text import SHEET as INSTRUCTIONS

    plans: list[_Plan] = []
    for sh in sheets:
        if len(sheets) > 1 and forced is None and sh.name in INSTRUCTIONS.values():
            result.skipped_sheets.append(sh.name)  # the template's 说明 sheet lists fields, it holds no records
            continue
        head = list(itertools.islice(sh.rows, hdr.HEADER_SCAN))
        if not head:
            result.skipped_sheets.append(sh.name)
            continue
        by_name = forced or (hdr.table_for_sheet(sh.name) if src.kind == "workbook" else None) \
            or (hdr.table_for_sheet(Path(src.display).stem) if src.kind != "workbook" else None)
        found = hdr.find_header([r for _, r in head], by_name, overrides)
        if found is None:
            if src.kind == "workbook" and len(sheets) > 1 and forced is None and by_name is None:
                result.skipped_sheets.append(sh.name)  # a sheet of notes or charts beside the modules
                continue
            read_as = _(", read as {encoding}").format(encoding=src.encoding_label) if src.kind == "csv" else ""
            raise ImportFailed(_("{file}{where}: no header row found (no row of the first {n} names known fields{read_as}); "
                                 "give --table and --map COLUMN=field").format(
                file=src.display, where=_where(src, sh), n=hdr.HEADER_SCAN, read_as=read_as))
        i, t = found
        try:
            m = hdr.map_columns(t, head[i][1], overrides)
            hdr.check_mapping(m)
        except InvalidValue as e:
            raise ImportFailed(_("{file}{where}: {error}").format(file=src.display, where=_where(src, sh), error=e)) from None
        rest = itertools.chain(head[i + 1:], sh.rows)
        plans.append(_Plan(sh, m, head[i][0], rest))
    unknown = [k for k in overrides if not any(k in {fields.fold(h) for h in p.mapping.headers} for p in plans)]
    if unknown:
        raise ImportFailed(_("--map names a column the file does not have: {columns}").format(columns=", ".join(unknown)))
    if not plans:
        raise ImportFailed(_("{file}: no sheet matches a module (sheets: {sheets}); name a sheet after a module "
                             "(客户基本信息, 跟进记录 …) or give --table").format(
            file=src.display, sheets=", ".join(s.name for s in sheets)))
    order = {n: k for k, n in enumerate(fields.MODULES)}
    plans.sort(key=lambda p: order[p.mapping.table.name])
    return plans


def _required_name(f: fields.Field) -> str:
    return f"{f.name} ({f.zh[0]})" if get_lang() == "en" else fields.shown_field(f)


def _where(src: Source, sh: Sheet) -> str:
    return _(" sheet '{sheet}'").format(sheet=sh.name) if src.kind == "workbook" else ""


def _run(conn: sqlite3.Connection, src: Source, forced: fields.Table | None, sheet: str | None,
         overrides: dict[str, str], dry_run: bool, on_conflict: str, rejects: _Rejects,
         progress: Progress | None, keep_invalid: bool = False) -> ImportResult:
    detected = {"format": "csv", "encoding": src.encoding_label,
                "delimiter": {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(src.delimiter or ",", "")} \
        if src.kind == "csv" else {"format": "json" if src.kind == "json" else src.path.suffix.lstrip(".").lower() or "xlsx"}
    result = ImportResult(src.display, detected, dry_run, rejects_file=rejects.path)
    plans = _plan(src, _sheets(src, sheet), forced, overrides, result)
    completed = False
    details = {"file": src.display, **detected, "on_conflict": on_conflict, "keep_invalid": keep_invalid}
    try:
        with audit.operation(conn, "import", f"import {src.display}", details) as op:
            result.op_id = op.op_id
            # customers the file's customer rows went into (new, updated or unchanged), for the later sheets
            # that link to customers by name; None when no sheet does: a ledger's ids are not held in memory
            touched: set[str] | None = set() if any(p.mapping.table.name != "customers" for p in plans) else None
            for p in plans:
                sheet_import = _SheetImport(conn, p, op, on_conflict, rejects, progress, keep_invalid)
                sheet_import.touched = touched
                result.sheets.append(sheet_import.run())
            if not result.total("read"):
                raise ImportFailed(_("{file}: a header row but no data rows; nothing to import").format(file=src.display))
            conflicts = [c for s in result.sheets for c in s.conflict_ids]
            n_conflicts = result.total("conflicts")
            if n_conflicts:
                raise ImportFailed(_("{n} row(s) differ from records already in the database ({ids}); nothing "
                                     "imported. Use --on-conflict update (the file's values) or --on-conflict skip "
                                     "(the stored ones)").format(n=n_conflicts, ids=", ".join(conflicts[:5])
                                                                 + (" …" if n_conflicts > 5 else "")))
            if rejects.count and rejects.path is None:
                raise ImportFailed(_("{n} row(s) cannot be imported, so nothing was: {rows} (fix the file; or add "
                                     "--rejects FILE to import the valid rows and get the others back with their "
                                     "reasons; or add --keep-invalid to import rows whose fault is a bad cell, kept "
                                     "aside for `crm query invalid=FIELD`)").format(
                    n=rejects.count, rows="; ".join(rejects.first[:3]) + (" …" if rejects.count > 3 else "")),
                    rejects.first, rejects.count)
            counts = {k: result.total(k) for k in ("read", "inserted", "updated", "skipped", "unchanged", "rejected",
                                                   "kept_invalid")}
            kept = _(", {n} invalid values kept aside").format(n=counts["kept_invalid"]) if counts["kept_invalid"] else ""
            op.set_summary(_("import {file}: {inserted} inserted, {updated} updated, {skipped} skipped, {unchanged} "
                             "unchanged, {rejected} rejected{kept}").format(file=src.display, kept=kept, **counts),
                           {**details, **counts, "sheets": [{"sheet": s.sheet, "table": s.table, "inserted": s.inserted,
                                                             "updated": s.updated} for s in result.sheets]})
            if dry_run:
                raise _DryRun
        completed = True
    except _DryRun:
        result.op_id = None
        completed = True
    finally:
        rejects.close(keep=completed)
    return result


class _SheetImport:
    def __init__(self, conn: sqlite3.Connection, p: _Plan, op: audit.Operation, on_conflict: str,
                 rejects: _Rejects, progress: Progress | None, keep_invalid: bool = False) -> None:
        self.conn, self.p, self.op, self.rejects, self.progress = conn, p, op, rejects, progress
        m = p.mapping
        self.t = m.table
        self.kept = KeptAside(conn, self.t, op, keep_invalid)
        self.res = SheetResult(p.sheet.name, self.t.name, p.header_line, m.describe(), m.unmapped, m.ignored)
        self.width = len(m.headers)
        self.src_cols = sorted(m.columns)  # source column indexes that are imported
        self.names = [m.columns[i] for i in self.src_cols]
        self.converters = [None if n in (hdr.CUSTOMER_NAME, hdr.TAGS) else ColumnConverter(self.t.by_name[n])
                           for n in self.names]
        # customer_type columns holding 企业/个人 (seeds 002/003) fill `kind` instead.
        self.kind_conv = ColumnConverter(self.t.by_name["kind"]) if self.t.name == "customers" else None
        stored = [n for n in self.names if n not in (hdr.CUSTOMER_NAME, hdr.TAGS)]
        if self.t.name == "customers" and "customer_type" in stored and "kind" not in stored:
            stored.append("kind")
        if self.t.name != "customers" and "customer_id" not in stored:
            stored.append("customer_id")
        if self.t.key not in stored:  # None = a new template id (or rowid for contacts)
            stored.insert(0, self.t.key)
        self.out_cols = stored
        self.defaults = not_null_defaults(conn, self.t.name)
        self.loader: Loader | TagLoader
        self.matcher: RowMatcher | None = None
        if self.t.name == "tags":  # keyed by (customer_id, tag)
            self.loader = TagLoader(conn, self.t, stored, on_conflict, op, self._reject_line)
        else:
            from_file = [n for n in self.names if n not in (hdr.CUSTOMER_NAME, hdr.TAGS)]
            self.loader = Loader(conn, self.t, stored, on_conflict, op, self._reject_line, from_file)
            self.matcher = RowMatcher(conn, self.t, stored, self.loader, self.defaults)
        if isinstance(self.loader, Loader) and self.t.name == "customers":
            self.loader.check_update = self._customer_update_problems
        # a customers sheet's 标签 column: its tags go to the tags table through the tag loader
        self.tag_loader = TagLoader(conn, fields.TABLES["tags"], ["customer_id", "tag"], on_conflict, op,
                                    self._reject_line) if hdr.TAGS in self.names else None
        self._rejected_lines: set[int] = set()
        self._raw_by_line: dict[int, list[Any]] = {}
        self._names: dict[str, str | None] | None = None
        self._shared: set[str] = set()  # name keys of several customers this file holds: the first is linked
        self.touched: set[str] | None = set()  # set by _run: shared by the sheets of one import
        self._masked_seen = 0

    def _customer_update_problems(self, old: Any, new: dict[str, Any]) -> list[str]:
        kept = invalid.kept_fields(self.conn, "customers", old["customer_id"])
        return rules.problems(new, dict(old), kept=kept)

    def _reject_line(self, line: int, reason: str) -> None:
        if line and line in self._rejected_lines:
            return  # one reject per source line (a customer row's tag may fail after the row)
        self._rejected_lines.add(line)
        self.res.rejected += 1
        self.rejects.add(self.res.sheet, line, reason, self.p.mapping.headers, self._raw_by_line.get(line, []))

    def run(self) -> SheetResult:
        sh = self.p.sheet
        n = 0
        while batch := list(itertools.islice(self.p.rows, BATCH)):
            if n == 0 and len(batch) == BATCH:
                self.loader.expect(self._estimate(batch))
            self._batch(batch)
            n += 1
            if self.progress and sh.position and n % 10 == 0:
                self.progress(sh.name, sh.position(), sh.total)
        if self.progress and sh.position:
            self.progress(sh.name, sh.total, sh.total)
        self.loader.finish()
        if self.kept.held:
            self.kept.record(self.loader.skipped_lines | self._rejected_lines)
        lo = self.loader
        self.res.inserted, self.res.updated, self.res.skipped, self.res.unchanged = \
            lo.inserted, lo.updated, lo.skipped, lo.unchanged
        self.res.masked = sum(c.masked for c in self.converters if c is not None)
        if isinstance(lo, Loader):
            self.res.masked_kept, self.res.masked_empty = lo.masked_kept, lo.masked_new
        if self.matcher is not None:
            self.res.duplicates, self.res.duplicates_of_stored = self.matcher.duplicates()
        self.res.conflict_ids, self.res.conflicts = lo.conflicts, lo.conflict_count
        if self.tag_loader is not None:
            self.res.tags_inserted = self.tag_loader.inserted
        self.res.kept_invalid = self.kept.recorded
        return self.res

    def _estimate(self, batch: list[tuple[int, list[Any]]]) -> int:
        """Rows the whole sheet will have, judged from the first batch (progress units are bytes or rows)."""
        sh = self.p.sheet
        if not sh.total or not sh.position:
            return len(batch)
        done = max(1, sh.position())
        return int(len(batch) * sh.total / done) if sh.detected.get("encoding") else sh.total

    def _batch(self, batch: list[tuple[int, list[Any]]]) -> None:
        if not batch:
            return
        self.res.read += len(batch)
        w = self.width
        lines: list[int] = [line for line, _ in batch]
        rows: list[list[Any]] = list(map(itemgetter(1), batch))
        errors: dict[int, list[str]] = {}
        if set(map(len, rows)) != {w}:  # short rows (trailing empty cells left out) or long ones
            for i, r in enumerate(rows):
                if len(r) > w and any(c not in (None, "") for c in r[w:]):
                    errors[i] = [_("{cells} cells but {headers} headers (a separator inside an unquoted cell?)").format(
                        cells=len(r), headers=w)]
                if len(r) != w:
                    rows[i] = r[:w] if len(r) > w else r + [""] * (w - len(r))
        columns = list(zip(*rows, strict=True)) if rows else []
        out: dict[str, list[Any]] = {}
        for src_i, name, conv in zip(self.src_cols, self.names, self.converters, strict=True):
            col = columns[src_i]
            if conv is None:
                out[name] = list(col)
                continue
            values, errs = conv.convert(col)
            if name == "customer_type" and errs and self.kind_conv is not None and "kind" not in self.names:
                values, errs = self._route_kind(col, values, errs, out)
            out[name] = values
            self.kept.take(name, col, errs, errors)
        self._check_rows(out, len(rows), errors)
        if self.t.name != "customers":
            self._link(out, len(rows), errors)
        self._write(out, lines, rows, errors)

    def _route_kind(self, col: Any, values: list[Any], errs: dict[int, str],
                    out: dict[str, list[Any]]) -> tuple[list[Any], dict[int, str]]:
        assert self.kind_conv is not None
        kinds, kind_errs = self.kind_conv.convert([col[i] if i in errs else None for i in range(len(col))])
        left = {i: m for i, m in errs.items() if i in kind_errs or kinds[i] is None}
        self.res.kind_from_customer_type += len(errs) - len(left)
        if len(errs) > len(left) and isinstance(self.loader, Loader):
            self.loader.clearable.discard("customer_type")  # this column holds kinds: it clears no customer type
        out["kind"] = kinds
        return values, left

    def _check_rows(self, out: dict[str, list[Any]], n: int, errors: dict[int, list[str]]) -> None:
        t = self.t
        if t.name == "customers":
            return  # the template's customer rules: crmcli.rules, applied as rows are inserted or updated
        for f in t.fields:
            if f.required and f.name not in ("customer_id", t.key) and f.name in out:
                col = out[f.name]
                for i in range(n):
                    if col[i] is None:
                        errors.setdefault(i, []).append(_("{field} is required").format(field=_required_name(f)))
        if "amount" in out:
            for i, v in enumerate(out["amount"]):
                if v is not None and v < 0:
                    errors.setdefault(i, []).append(_("amount {value} is negative").format(value=v))

    def _link(self, out: dict[str, list[Any]], n: int, errors: dict[int, list[str]]) -> None:
        ids = out.get("customer_id", [None] * n)
        names = out.get(hdr.CUSTOMER_NAME, [None] * n)
        wanted = {v for v in ids if v is not None}
        live = _live_ids(self.conn, wanted)
        linked: list[Any] = []
        for i in range(n):
            cid, cname = ids[i], names[i]
            if cid is not None and cid in live:
                linked.append(live[cid])
                continue
            by_name = cname if cname not in (None, "") else cid  # a 客户 column may hold the name
            if by_name not in (None, ""):
                key = name_key(by_name)
                hit = self._name_index().get(key, "")
                if hit:
                    linked.append(hit)
                    if key in self._shared:
                        self.res.linked_to_first += 1
                        if hit not in self.res.linked_to_first_ids:
                            self.res.linked_to_first_ids.append(hit)
                    continue
                errors.setdefault(i, []).append(
                    _("customer '{name}' matches several customers; give its id").format(name=by_name) if hit is None
                    else _("no customer '{name}'").format(name=by_name))
            else:
                errors.setdefault(i, []).append("no customer given (客户编号 or 客户名称)")
            linked.append(None)
        out["customer_id"] = linked

    def _name_index(self) -> dict[str, str | None]:
        """name_key -> customer id (None when two customers share it), built once per sheet.

        Customers that rows of this file alike by name went into (a ledger's duplicates, each its own
        customer until `crm dedupe` merges them, records and all) link to the first of them.
        """
        if self._names is None:
            new = self.touched or set()
            idx: dict[str, str | None] = {}
            for cid, nm in self.conn.execute("SELECT customer_id, name FROM customers ORDER BY rowid"):
                k = name_key(nm)
                first = idx.get(k, cid)
                if first is not None and first != cid and not (first in new and cid in new):
                    first = None
                elif first is not None and first != cid:
                    self._shared.add(k)
                idx[k] = first
            self._names = idx
        return self._names

    def _write(self, out: dict[str, list[Any]], lines: list[int], raw: list[list[Any]],
               errors: dict[int, list[str]]) -> None:
        n = len(lines)
        cols = []
        for c in self.out_cols:
            col = out.get(c)
            if col is None:
                col = [None] * n
            elif c in ("created_at", "updated_at") and min(map(len, filter(None, col)), default=11) <= 10:
                col = [v if v is None or len(v) > 10 else f"{v} 00:00:00" for v in col]  # date-times, as stored
            # (an empty cell stays None here: the INSERT fills the column's default, an update keeps the stored value)
            cols.append(col)
        self._raw_by_line = dict(zip(lines, raw, strict=True))
        masked = sum(c.masked for c in self.converters if c is not None)
        batch_masked, self._masked_seen = masked > self._masked_seen, masked
        if self.t.name == "customers":
            # A row that inserts is a new customer (crmcli.rules); one that updates is checked against the
            # stored one (Loader.check_update). A masked cell is no value for a new row.
            masked_out = {f: [None if type(v) is Masked else v for v in out[f]] for f in ("phone", "email")
                          if f in out and batch_masked}
            found = rules.column_problems({**out, **masked_out}, n, kept=self.kept.by_field())
            self.loader.not_insertable = {
                lines[i]: "; ".join(msgs) + (_masked_note(out, i) if _(rules.NEEDS_CONTACT) in msgs else "")
                for i, msgs in found.items()}
        self.loader.batch_masked = batch_masked
        good: list[tuple[int, list[Any]]] = list(zip(lines, map(list, zip(*cols, strict=True)), strict=True))
        if errors:
            for i in sorted(errors):
                self._reject_line(lines[i], "; ".join(errors[i]))
            good = [g for i, g in enumerate(good) if i not in errors]
        new: list[list[Any]] = []
        if self.matcher is not None:
            kp = self.matcher.kp
            new = self.matcher.match([r for _, r in good if r[kp] is None])
        index = {line: i for i, line in enumerate(lines)} if self.kept.batch else {}  # only kept cells need it
        self.kept.give_ids(good, index, self.loader.key_pos)
        if isinstance(self.loader, Loader):  # a kept-aside cell is not an emptied one: the stored value stays
            self.loader.keep_stored = {lines[i]: {c[0] for c in cells} for i, cells in self.kept.batch.items()}
        self.loader.write(good)
        cid_pos = self.out_cols.index("customer_id") if "customer_id" in self.out_cols else None
        self.kept.hold(good, index, self.loader.key_pos, cid_pos)
        if self.t.name == "customers" and isinstance(self.loader, Loader):
            kp, skipped = self.loader.key_pos, self.loader.skipped_lines
            if self.touched is not None:
                self.touched.update(r[kp] for line, r in good if line not in self._rejected_lines and line not in skipped)
            if new:
                went_in = {id(r) for line, r in good if line not in self._rejected_lines}
                self.matcher.note_new(r for r in new if id(r) in went_in)  # type: ignore[union-attr]
        if self.tag_loader is not None:
            self._write_tags(out[hdr.TAGS], lines, good)
        self._raw_by_line = {}

    def _write_tags(self, cells: list[Any], lines: list[int], good: list[tuple[int, list[Any]]]) -> None:
        """Tags of the customer rows that went in (inserted, updated or unchanged; not skipped or rejected)."""
        assert self.tag_loader is not None and isinstance(self.loader, Loader)
        kp = self.loader.key_pos
        assert kp is not None
        by_line = dict(zip(lines, cells, strict=True))
        skipped = self.loader.skipped_lines
        rows = [(line, [r[kp], by_line[line]]) for line, r in good
                if line not in skipped and line not in self._rejected_lines and by_line[line] not in (None, "")]
        self.tag_loader.write(rows)


def _masked_note(out: dict[str, list[Any]], i: int) -> str:
    """'; 138****5678 is masked' when a masked cell is why a new customer has no contact."""
    cells = [out[f][i] for f in ("phone", "email") if f in out and type(out[f][i]) is Masked]
    return "; " + _("{value} is masked").format(value=cells[0]) if cells else ""


def _live_ids(conn: sqlite3.Connection, wanted: set[Any]) -> dict[Any, str]:
    """Given customer ids -> the live id (merged-away ids follow their survivor)."""
    out: dict[Any, str] = {}
    keys = [str(k) for k in wanted]
    for i in range(0, len(keys), 900):
        part = keys[i:i + 900]
        marks = ",".join("?" * len(part))
        out.update({r[0]: r[0] for r in conn.execute(
            f"SELECT customer_id FROM customers WHERE customer_id IN ({marks})", part)})
        missing = [k for k in part if k not in out]
        if missing:
            marks = ",".join("?" * len(missing))
            out.update({r[0]: r[1] for r in conn.execute(
                f"SELECT old_id, survivor_id FROM merged_ids WHERE old_id IN ({marks})", missing)})
    return out
