"""A small demo database, exports of it in every format, and a dump to compare databases by."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmcli import db, demo_data

MODULES = ("customers", "contacts", "followups", "orders", "tickets", "needs", "tags")
KEYS = {"customers": "customer_id", "contacts": "contact_id", "followups": "followup_id", "orders": "order_id",
        "tickets": "ticket_id", "needs": "need_id"}
KEEP = 24  # customers of the demo data kept: every module is there, each run stays fast


def small_demo(path: Path) -> Path:
    """The demo data set (`crm init --demo`) cut down to its first KEEP customers and their records."""
    conn = db.create(path)
    demo_data.build(conn, seed=2024)
    with conn:
        conn.execute("DELETE FROM customers WHERE customer_id NOT IN "
                     f"(SELECT customer_id FROM customers ORDER BY rowid LIMIT {KEEP})")
        conn.execute("DELETE FROM changes")
        conn.execute("DELETE FROM operations")
    conn.execute("VACUUM")
    conn.close()
    return path


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def dump(path: Path) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every module's rows by key, without updated_at (the database keeps it)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    for t in MODULES:
        rows = {}
        for r in conn.execute(f"SELECT * FROM {t}"):
            d = {k: r[k] for k in r.keys() if k != "updated_at"}  # noqa: SIM118 - a Row iterates values
            rows[(d["customer_id"], d["tag"]) if t == "tags" else d[KEYS[t]]] = d
        out[t] = rows
    conn.close()
    return out


def export_files(cli: Any, dbp: Path, folder: Path, fmt: str, lang: str | None, unmask: bool) -> list[Path]:
    """`crm export all` in FMT: one workbook, or one file per module in import order."""
    args = ["export", "all", "--format", fmt]
    if lang:
        args += ["--lang", lang]
    if unmask:
        args.append("--unmask")
    target = folder / "all.xlsx" if fmt == "xlsx" else folder / "all"
    r = cli(*args, "-o", str(target), db=dbp)
    assert r.exit_code == 0, r.output
    if fmt == "xlsx":
        return [target]
    return [target / f"{m}.{fmt}" for m in MODULES]


def import_files(cli: Any, dbp: Path, files: list[Path], on_conflict: str) -> list[Any]:
    results = []
    for f in files:
        r = cli("import", str(f), "--on-conflict", on_conflict, "--format", "json", db=dbp)
        assert r.exit_code == 0, r.output
        results.append(r)
    return results


# ---------------------------------------------------------------------------- editing an export as a person would

@dataclass
class Grid:
    """One exported module as cells: the header, the rows, and which field each column is."""

    module: str
    header: list[Any]
    fields: list[str | None]
    rows: list[list[Any]]
    path: Path
    ws: Any = None  # the openpyxl worksheet of a workbook export

    def col(self, name: str) -> int:
        return self.fields.index(name)

    def key(self, i: int) -> Any:
        v = self.rows[i][self.col(KEYS[self.module])]
        return int(v) if self.module == "contacts" else v

    def set(self, i: int, name: str, value: Any) -> None:
        c = self.col(name)
        self.rows[i][c] = value
        if self.ws is not None:
            self.ws.cell(i + 2, c + 1).value = value

    def append(self, values: dict[str, Any]) -> None:
        row: list[Any] = [values.get(f) if f else None for f in self.fields]
        self.rows.append(row)
        if self.ws is not None:
            self.ws.append(row)


def _fields_of(module: str, header: list[Any]) -> list[str | None]:
    from crmcli import fields
    from crmcli.importer import headers

    t = fields.TABLES[module]
    return [m if (m := headers.match_header(t, h)) not in (None, headers.IGNORE) else None for h in header]


def load_grids(files: list[Path], fmt: str) -> tuple[list[Grid], Any]:
    """The exported files as grids (and the workbook, for xlsx)."""
    import csv
    import json

    from crmcli import fields

    grids: list[Grid] = []
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(files[0])
        for ws in wb.worksheets:
            values = [list(r) for r in ws.iter_rows(values_only=True)]
            module = fields.table(ws.title).name
            grids.append(Grid(module, values[0], _fields_of(module, values[0]), values[1:], files[0], ws))
        return grids, wb
    for path in files:
        module = path.stem
        if fmt in ("csv", "tsv"):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                values = list(csv.reader(fh, delimiter="," if fmt == "csv" else "\t"))
            header, rows = values[0], values[1:]
        else:
            text = path.read_text(encoding="utf-8")
            recs = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines() if x.strip()]
            if not recs:
                continue
            header, rows = list(recs[0]), [list(r.values()) for r in recs]
        grids.append(Grid(module, header, _fields_of(module, header), rows, path))
    return grids, None


def save_grids(grids: list[Grid], fmt: str, workbook: Any) -> None:
    import csv
    import json

    if fmt == "xlsx":
        workbook.save(grids[0].path)
        return
    for g in grids:
        header = g.header
        if fmt in ("csv", "tsv"):
            with open(g.path, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
                w.writerow(header)
                w.writerows([["" if v is None else v for v in r] for r in g.rows])
        else:
            recs = [dict(zip(header, r, strict=True)) for r in g.rows]
            text = json.dumps(recs, ensure_ascii=False) if fmt == "json" else \
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
            g.path.write_text(text, encoding="utf-8")
