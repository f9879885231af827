"""Export -> edit -> import back changes the database by exactly the edits (issue 13).

The property test exports the (cut-down) demo database in a random format, language
and masking, makes random cell edits as a person in a spreadsheet would — new text,
new phones and e-mails, new amounts, emptied cells, new rows at the bottom, masked
cells left as exported — imports every file with --on-conflict update, and compares
the whole database with the model: the rows before, with exactly those edits applied.
The LibreOffice test does the same with a fixed set of edits through a real
`soffice --convert-to xlsx` save, and checks that `crm log show` lists each edit.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import need_program
from tests.roundtrip_helpers import Grid, copy_db, dump, export_files, load_grids, save_grids, small_demo

TEXT = {"customers": ("notes", "address", "contact_title", "owner"), "contacts": ("title", "notes", "relation"),
        "followups": ("summary", "next_step"), "orders": ("product", "notes"), "tickets": ("description", "plan"),
        "needs": ("description", "department")}
# Emptied cells: any of the text fields, and contact details — but never a customer's phone, so every
# customer keeps a way to reach it (the template's rule) whatever else is emptied.
CLEARABLE = {m: (*f, *(("email",) if m == "customers" else ("phone", "email") if m == "contacts" else ()))
             for m, f in TEXT.items()}
words = st.text(st.sampled_from(list("客户需求变更备注甲乙丙abcXYZ0123456789")), min_size=1, max_size=10)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_demo(tmp_path_factory.mktemp("demo") / "demo.db")


def _edit(data: st.DataObject, grids: list[Grid], sizes: dict[str, int], expected: dict[str, Any]) -> None:
    """One random edit of a cell of an exported row, applied to the file and to the model."""
    g = data.draw(st.sampled_from([g for g in grids if g.module in TEXT and sizes[g.module]]))
    i = data.draw(st.integers(0, sizes[g.module] - 1))
    kinds = ["text", "clear"] + (["phone", "email"] if g.module in ("customers", "contacts") else []) \
        + (["amount"] if g.module == "orders" else [])
    kind = data.draw(st.sampled_from(kinds))
    row = expected[g.module][g.key(i)]
    if kind == "text":
        name, value = data.draw(st.sampled_from(TEXT[g.module])), data.draw(words)
        stored: Any = value
    elif kind == "clear":
        name, value, stored = data.draw(st.sampled_from(CLEARABLE[g.module])), None, None
    elif kind == "phone":
        name = "phone"
        value = stored = f"139{data.draw(st.integers(0, 10**8 - 1)):08d}"
    elif kind == "email":
        name = "email"
        value = stored = f"u{data.draw(st.integers(0, 999))}@example.com"
    else:
        name = "amount"
        n = data.draw(st.integers(1, 10**6))
        value, stored = (n if g.ws is not None or g.path.suffix in (".json", ".jsonl") else str(n)), float(n)
    g.set(i, name, "" if value is None and g.ws is None and g.path.suffix in (".csv", ".tsv") else value)
    row[name] = stored


def _new_rows(data: st.DataObject, grids: list[Grid]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Rows added at the bottom: customers (name, phone) and follow-ups (customer id, summary)."""
    by = {g.module: g for g in grids}
    customers = [(f"新客户{n}号科技有限公司", f"137{n:08d}")
                 for n in data.draw(st.lists(st.integers(0, 999), max_size=2, unique=True))]
    for name, phone in customers:
        by["customers"].append({"name": name, "phone": phone})
    followups = []
    if "followups" in by:
        for _ in range(data.draw(st.integers(0, 2))):
            cid = by["customers"].rows[data.draw(st.integers(0, len(by["customers"].rows) - len(customers) - 1))][
                by["customers"].col("customer_id")]
            summary = data.draw(words)
            by["followups"].append({"customer_id": cid, "date": "2024-05-01", "summary": summary})
            followups.append((cid, summary))
    return customers, followups


def _check(after: dict[str, Any], expected: dict[str, Any], customers: list[tuple[str, str]],
           followups: list[tuple[str, str]]) -> None:
    for module, rows in expected.items():
        assert {k: after[module][k] for k in rows} == rows, module
    new_c = [r for k, r in after["customers"].items() if k not in expected["customers"]]
    assert sorted((r["name"], r["phone"]) for r in new_c) == sorted(customers)
    new_f = [r for k, r in after["followups"].items() if k not in expected["followups"]]
    assert sorted((r["customer_id"], r["summary"], r["date"][:10]) for r in new_f) == \
        sorted((c, s, "2024-05-01") for c, s in followups)
    for module in ("contacts", "orders", "tickets", "needs", "tags"):
        assert len(after[module]) == len(expected[module]), module


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_export_edit_import_changes_exactly_the_edits(cli, demo_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                                      data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    fmt = data.draw(st.sampled_from(["csv", "tsv", "json", "jsonl", "xlsx"]), label="format")
    lang = data.draw(st.sampled_from(["zh", "en"] if fmt == "xlsx" else [None, "zh", "en"]), label="lang")
    unmask = data.draw(st.booleans(), label="unmask")
    tmp = tmp_path_factory.mktemp("rt")
    dbp = copy_db(demo_db, tmp / "crm.db")
    before = dump(dbp)
    files = export_files(cli, dbp, tmp, fmt, lang, unmask)
    grids, workbook = load_grids(files, fmt)
    sizes = {g.module: len(g.rows) for g in grids}
    expected = copy.deepcopy(before)
    for _ in range(data.draw(st.integers(0, 6), label="edits")):
        _edit(data, grids, sizes, expected)
    customers, followups = _new_rows(data, grids)
    save_grids(grids, fmt, workbook)
    for f in files:
        r = cli("import", str(f), "--on-conflict", "update", db=dbp)
        assert r.exit_code == 0, r.output
    _check(dump(dbp), expected, customers, followups)


# ---------------------------------------------------------------------------- through LibreOffice

EDITS = [  # (module, row, field, new value) — applied to a masked workbook export
    ("customers", 0, "notes", "回访后改的备注"),
    ("customers", 1, "email", "new.buyer@example.com"),
    ("customers", 2, "address", None),  # emptied
    ("contacts", 0, "phone", "13912345678"),
    ("orders", 0, "amount", 12345.5),
    ("followups", 1, "summary", "客户确认预算"),
]


@pytest.mark.slow  # LibreOffice starts in ~5 s
def test_a_workbook_saved_by_libreoffice_imports_exactly_its_edits(cli, demo_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    soffice = need_program("soffice", "libreoffice")
    dbp = copy_db(demo_db, tmp_path / "crm.db")
    before = dump(dbp)
    files = export_files(cli, dbp, tmp_path, "xlsx", None, False)
    grids, workbook = load_grids(files, "xlsx")
    by = {g.module: g for g in grids}
    expected = copy.deepcopy(before)
    for module, i, name, value in EDITS:
        by[module].set(i, name, value)
        expected[module][by[module].key(i)][name] = value
    save_grids(grids, "xlsx", workbook)
    out = tmp_path / "saved"
    profile = tmp_path / "lo-profile"  # its own profile: parallel runs do not share LibreOffice's lock
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                           "--outdir", str(out), str(files[0])], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and (out / "all.xlsx").exists(), proc.stderr
    r = cli("import", str(out / "all.xlsx"), "--on-conflict", "update", "--format", "json", db=dbp)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert (summary["inserted"], summary["updated"]) == (0, len(EDITS))
    assert summary["unchanged"] == sum(len(v) for v in before.values()) - len(EDITS)
    assert dump(dbp) == expected
    r = cli("log", "show", str(summary["operation"]), "--format", "csv", "--unmask", db=dbp)
    assert r.exit_code == 0, r.output
    diffs = {(row["table_name"], row["row_id"]): row["diff"] for row in csv.DictReader(io.StringIO(r.stdout))}
    want = {}
    for module, i, name, value in EDITS:
        key = by[module].key(i)
        old = before[module][key][name]
        want[(module, str(key))] = f"{name}: {'∅' if old is None else old} -> {'∅' if value is None else value}"
    assert diffs == want
