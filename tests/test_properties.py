"""Bad input at scale (hypothesis): random field values, random filters, random bytes.

Two promises, checked on every example:
- no traceback ever escapes: the command ends with exit 0, 1 or 2 and its stderr
  holds no 'Traceback' (CliRunner catches an escaping exception in
  result.exception; only SystemExit is allowed there);
- a rejected command (exit != 0) leaves the database exactly as it was (SQL dump).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import typer
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmcli import fields
from crmcli.cli import app
from tests.dbdump import dump

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_COMMAND = typer.main.get_command(app)  # built once: Typer's runner rebuilds it on every call


@pytest.fixture
def cli(db_path: Path):  # type: ignore[no-untyped-def]
    """Like conftest's cli fixture, minus the per-call rebuild of the command tree."""
    def run(*args: str, db: Path | None = db_path):  # type: ignore[no-untyped-def]
        full = (["--db", str(db)] if db is not None else []) + [str(a) for a in args]
        return CliRunner().invoke(_COMMAND, full, prog_name="crm")

    return run

# Text a person or a broken spreadsheet could produce; no NUL (argv cannot carry it).
text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30)
label_words = st.sampled_from(["潜在", "意向", "合作中", "VIP", "老客户", "展会", "vip", "active", "", " ", "无",
                               "2024-13-01", "2024/2/30", "12万", "-5", "1e309", "nan", "138****5678", "'; DROP TABLE x; --"])
values = st.one_of(text, label_words, st.integers().map(str), st.floats(allow_nan=True).map(str))
field_names = st.sampled_from(sorted({f.name for f in fields.TABLES["customers"].fields} | {"客户类型", "合作状态", "bogus"}))
ops = st.sampled_from(["=", "!=", ">", ">=", "<", "<=", "~", "!~"])
filter_fields = st.sampled_from(["name", "status", "客户类型", "orders.amount", "orders.date", "orders.sum(amount)",
                                 "orders.count", "followups.max(date)", "tag", "!followups.date", "tickets.satisfaction",
                                 "bogus", "orders.bogus", "", "."])
filters = st.one_of(st.builds(lambda f, o, v: f"{f}{o}{v}", filter_fields, ops, values), text, label_words)


def assert_clean(result, before: list[str], path: Path) -> None:  # type: ignore[no-untyped-def]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert dump(path) == before, result.stderr


@SETTINGS
@given(name=values, phone=values, email=values, status=values, ctype=values, date=values, satisfaction=values)
def test_add_customer_with_random_values(cli, db_path: Path, name: str, phone: str, email: str, status: str,  # type: ignore[no-untyped-def]
                                         ctype: str, date: str, satisfaction: str) -> None:
    before = dump(db_path)
    r = cli("add", "customer", "--name", name, "--phone", phone, "--email", email, "--status", status,
            "--customer-type", ctype, "--first-contact-date", date, "--satisfaction", satisfaction)
    assert_clean(r, before, db_path)


@SETTINGS
@given(sets=st.lists(st.builds(lambda f, v: f"{f}={v}", field_names, values), min_size=1, max_size=3))
def test_update_with_random_fields_and_values(cli, db_path: Path, sets: list[str]) -> None:  # type: ignore[no-untyped-def]
    if not dump(db_path)[3:] or "C20200101001" not in "".join(dump(db_path)):
        conn = sqlite3.connect(db_path)
        conn.execute("INSERT OR IGNORE INTO customers (customer_id, name, phone) VALUES ('C20200101001', '甲公司', '13812345678')")
        conn.commit()
        conn.close()
    before = dump(db_path)
    args = ["update", "C20200101001"]
    for s in sets:
        args += ["--set", s]
    assert_clean(cli(*args), before, db_path)


@SETTINGS
@given(args=st.lists(filters, min_size=0, max_size=3), table=st.sampled_from(["customers", "orders", "客户", "bogus"]))
def test_query_with_random_filters(cli, db_path: Path, args: list[str], table: str) -> None:  # type: ignore[no-untyped-def]
    before = dump(db_path)
    r = cli("query", table, *args, "--format", "csv")
    assert_clean(r, before, db_path)
    assert dump(db_path) == before  # a query never writes


@SETTINGS
@given(args=st.lists(filters, min_size=1, max_size=3), value=values)
@example(args=["orders.amount=100000000000000000000000000"], value="")  # found by hypothesis: decimal overflow
def test_bulk_update_with_random_filters(cli, db_path: Path, args: list[str], value: str) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT OR IGNORE INTO customers (customer_id, name, phone, status) "
                 "VALUES ('C20200101001', '甲公司', '13812345678', 'potential')")
    conn.commit()
    conn.close()
    before = dump(db_path)
    r = cli("update", *args, "--set", f"notes={value}", "--yes")
    assert_clean(r, before, db_path)


@SETTINGS
@given(op=st.one_of(st.integers(-5, 50).map(str), text))
@example(op="9223372036854775808")  # found by hypothesis: past SQLite's integer range
def test_undo_and_log_with_random_arguments(cli, db_path: Path, op: str) -> None:  # type: ignore[no-untyped-def]
    before = dump(db_path)
    assert_clean(cli("log", "show", op), before, db_path)
    assert_clean(cli("undo", op, "--yes"), before, db_path)
    assert_clean(cli("log", "--since", op), before, db_path)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_random_bytes_as_a_database_or_backup_are_refused_cleanly(cli, db_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  data: bytes) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(data)
    before = dump(db_path)
    for args in (("restore", str(junk), "--yes"),):
        assert_clean(cli(*args), before, db_path)
    r = cli("doctor", db=junk)
    assert r.exit_code in (0, 1, 3) and "Traceback" not in r.stderr
    assert junk.read_bytes() == data  # never "repaired" into something else


def _has(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


headers = st.sampled_from(["客户名称", "联系电话", "客户类型", "合作状态", "name", "phone", "email", "金额", "下单日期",
                           "客户编号", "", " ", "客户名称", "bogus", "=SUM(A1)", "\ufeff客户名称"])
cells = st.one_of(values, st.sampled_from(["13812345678", "010-62345678", "北京华信科技有限公司", "老客户", "意向",
                                           "2024-05-20", "12万", '"', "\n", ",", "\r\n", "\t"]))


@st.composite
def csv_files(draw) -> bytes:  # type: ignore[no-untyped-def]
    import csv
    import io

    cols = draw(st.lists(headers, min_size=0, max_size=5))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=6), max_size=6))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=draw(st.sampled_from([",", "\t", ";"])))
    if cols:
        w.writerow(cols)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])), errors="replace")


@pytest.mark.skipif(not _has("crmcli.importer"), reason="needs crmcli.importer")
@SETTINGS
@given(data=st.one_of(csv_files(), st.binary(max_size=2048)), table=st.sampled_from([None, "customers", "orders"]),
       conflict=st.sampled_from(["fail", "skip", "update"]))
def test_import_random_csv_structures_and_bytes(cli, db_path: Path, tmp_path: Path, data: bytes,  # type: ignore[no-untyped-def]
                                                table: str | None, conflict: str) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes(data)
    before = dump(db_path)
    args = ["import", str(f), "--on-conflict", conflict] + (["--table", table] if table else [])
    assert_clean(cli(*args), before, db_path)


@pytest.mark.skipif(not _has("crmcli.importer"), reason="needs crmcli.importer")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5), sheet=text)
def test_import_random_xlsx_structures(cli, db_path: Path, tmp_path: Path, rows: list[list[str]],  # type: ignore[no-untyped-def]
                                       sheet: str) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    try:
        ws.title = sheet or "Sheet"
    except ValueError:
        ws.title = "Sheet"
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for r in rows:  # characters a workbook cannot hold at all are not our input to test
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c if not c.startswith("=") else "'" + c) for c in r])
    f = tmp_path / "in.xlsx"
    wb.save(f)
    before = dump(db_path)
    assert_clean(cli("import", str(f)), before, db_path)
