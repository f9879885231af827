"""A small demo database, exports of it in every format, and a dump to compare databases by."""

from __future__ import annotations

import shutil
import sqlite3
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
