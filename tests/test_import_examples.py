"""The files in examples/ import cleanly, as the README shows, and are what
examples/make_examples.py writes (byte for byte)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("name", "read", "first_line"), [
    ("template-workbook.xlsx", 18, "examples/template-workbook.xlsx"),
    ("customers-gbk.csv", 4, "examples/customers-gbk.csv: GBK, comma-separated"),
    ("other-crm-export.csv", 3, "examples/other-crm-export.csv: UTF-8, comma-separated"),
])
def test_example_imports_cleanly(cli, monkeypatch: pytest.MonkeyPatch, name: str, read: int, first_line: str) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    r = cli("import", f"examples/{name}")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert lines[0] == first_line
    assert lines[-1] == f"{read} read: {read} inserted, 0 updated, 0 skipped, 0 unchanged, 0 rejected (operation 1)"
    assert "not imported" not in r.stderr


def test_workbook_fills_every_module(cli, conn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    assert cli("import", "examples/template-workbook.xlsx").exit_code == 0
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("customers", "contacts", "followups", "orders", "tickets", "needs")}
    assert counts == {"customers": 5, "contacts": 3, "followups": 3, "orders": 3, "tickets": 2, "needs": 2}
    # 75512345678 typed as a number lost its leading 0; the area code is restored
    assert conn.execute("SELECT phone FROM customers WHERE name='深圳星辰电子有限公司'").fetchone()[0] == "0755-12345678"


def test_english_export_maps_its_headers(cli, conn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    assert cli("import", "examples/other-crm-export.csv").exit_code == 0
    row = conn.execute("SELECT name, phone, source, created_at FROM customers ORDER BY rowid").fetchone()
    assert tuple(row) == ("Suzhou Lianchuang Precision Co., Ltd.", "0512-66881234", "exhibition", "2024-08-19 00:00:00")


def test_make_examples_is_deterministic(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for name in ("template-workbook.xlsx", "customers-gbk.csv", "other-crm-export.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_workbook_twice_with_skip_adds_nothing(cli, conn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    assert cli("import", "examples/template-workbook.xlsx").exit_code == 0
    r = cli("import", "examples/template-workbook.xlsx", "--on-conflict", "skip")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1] == "18 read: 0 inserted, 0 updated, 0 skipped, 18 unchanged, 0 rejected (operation 2)"
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("customers", "contacts", "followups", "orders", "tickets", "needs")]
    assert counts == [5, 3, 3, 3, 2, 2]
