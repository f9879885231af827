"""The importer's column fast paths store exactly what the per-cell path (values.coerce) stores,
and leave every other column to it."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from crmcli import fields
from crmcli.importer import ImportFailed, import_file
from crmcli.importer.convert import ColumnConverter, _datetimes

STAMP = fields.TABLES["customers"].by_name["created_at"]


def _cell(rng: random.Random) -> object:
    k = rng.random()
    if k < 0.1:
        return None
    if k < 0.15:
        return ""
    if k < 0.35:
        return dt.date(rng.randint(1000, 2999), rng.randint(1, 12), rng.randint(1, 28))
    return dt.datetime(rng.randint(1000, 2999), rng.randint(1, 12), rng.randint(1, 28),
                       rng.choice([0, rng.randint(0, 23)]), rng.choice([0, rng.randint(0, 59)]),
                       rng.choice([0, rng.randint(0, 59)]), rng.choice([0, 0, rng.randint(0, 999_999)]))


def test_typed_date_time_columns_convert_as_coerce_does() -> None:
    rng = random.Random(19)
    for _ in range(200):
        col = tuple(_cell(rng) for _ in range(40))
        exact, errors = ColumnConverter(STAMP)._by_cell(col)
        assert not errors
        assert _datetimes(col) == exact
        assert ColumnConverter(STAMP).convert(col) == (exact, {})


@pytest.mark.parametrize("odd", [dt.datetime(999, 12, 31, 8), dt.date(3000, 1, 1), 45000.5, "2024-05-20", True,
                                 dt.datetime(2024, 5, 20, 8, tzinfo=dt.UTC)])
def test_a_column_with_any_other_cell_takes_the_exact_path(odd: object) -> None:
    col = (dt.datetime(2024, 5, 20, 9, 30), odd, None)
    assert _datetimes(col) is None
    assert ColumnConverter(STAMP).convert(col) == ColumnConverter(STAMP)._by_cell(col)


def _workbook(path: Path, stamps: list[object]) -> str:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户基本信息"
    ws.append(["客户名称", "联系电话", "创建时间"])
    for i, stamp in enumerate(stamps):
        ws.append([f"客户{i}", f"1380000{i:04d}", stamp])
    wb.save(path)
    return str(path)


def test_an_excel_ledger_with_date_cells_imports_them_as_stored_stamps(conn, tmp_path: Path) -> None:
    stamps = [dt.datetime(2024, 5, 20, 9, 30, 5), dt.datetime(2024, 5, 21), dt.date(2023, 1, 2), None]
    import_file(conn, _workbook(tmp_path / "typed.xlsx", stamps))
    got = [r[0] for r in conn.execute("SELECT created_at FROM customers ORDER BY name")]
    assert got[:3] == ["2024-05-20 09:30:05", "2024-05-21 00:00:00", "2023-01-02 00:00:00"]
    assert len(got[3]) == 19  # an empty cell: the schema's default, now


def test_a_date_cell_the_exact_path_refuses_is_still_refused(conn, tmp_path: Path) -> None:
    # Excel holds no date before 1900: openpyxl writes year 999 as a bare time, which no stamp is
    with pytest.raises(ImportFailed, match="created_at: invalid date"):
        import_file(conn, _workbook(tmp_path / "old.xlsx", [dt.datetime(2024, 5, 20, 9), dt.datetime(999, 1, 1, 8)]))
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def _formula_book(path: Path, formula: bool) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话", "满意度评分"])
    ws.append(["甲", "13800000001", "=2+2" if formula else 4])
    wb.save(path)
    return path


def test_the_limits_pass_tells_which_sheets_hold_formulas(tmp_path: Path) -> None:
    from crmcli.importer import limits

    assert limits.check_workbook(_formula_book(tmp_path / "f.xlsx", True), "f.xlsx") == {"xl/worksheets/sheet1.xml": True}
    assert limits.check_workbook(_formula_book(tmp_path / "v.xlsx", False), "v.xlsx") == {"xl/worksheets/sheet1.xml": False}


def test_a_sheet_the_limits_pass_did_not_scan_is_scanned_for_formulas(tmp_path: Path) -> None:
    from crmcli.errors import CrmError
    from crmcli.importer.formulas import check_formulas

    path = _formula_book(tmp_path / "f.xlsx", True)
    check_formulas(path, "f.xlsx", ["Sheet"], {"xl/worksheets/sheet1.xml": False})  # trusted: no formula
    with pytest.raises(CrmError, match="never calculated"):
        check_formulas(path, "f.xlsx", ["Sheet"], {})  # not scanned before: scanned now
