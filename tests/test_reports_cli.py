"""crm report through the CLI: listing, formats (table, CSV, JSON, XLSX with native charts), errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crmcli import db, reports
from crmcli.reports import xlsx
from tests.reports_data import NOW, REVENUE, TODAY


def test_report_alone_lists_reports(cli, filled: Path) -> None:
    r = cli("report", "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = list(csv.reader(io.StringIO(r.stdout)))
    assert lines[0] == ["report", "description"]
    assert [ln[0] for ln in lines[1:]] == ["overview", "structure", "funnel", "revenue", "satisfaction", "service",
                                           "followups"]
    assert all(ln[1] for ln in lines[1:])


def test_table_draws_bars(cli, filled: Path) -> None:
    r = cli(*REVENUE, "--format", "table")
    assert r.exit_code == 0, r.output
    assert "Revenue by product" in r.stdout
    assert "650,000.00" in r.stdout and "94.8%" in r.stdout
    assert "████████████████████████" in r.stdout  # the largest product fills the bar


def test_table_shows_labels_in_chinese(cli, filled: Path) -> None:
    r = cli("--lang", "zh", "report", "structure", "--format", "table")
    assert r.exit_code == 0, r.output
    assert "展会" in r.stdout and "转介绍" in r.stdout and "企业" in r.stdout


def test_json_is_keyed_by_section(cli, filled: Path) -> None:
    r = cli(*REVENUE, "industry~制造", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["report"] == "revenue" and doc["filters"] == ["industry~制造"]
    assert doc["since"] == "2023-01-01" and doc["until"] == "2024-06-15"
    assert doc["sections"]["summary"]["rows"] == [{"metric": "revenue", "value": 630000.0},
                                                  {"metric": "orders", "value": 3},
                                                  {"metric": "buying_customers", "value": 1}]
    assert doc["sections"]["by_product"]["chart"] == {"kind": "pie", "category": "product", "values": ["amount"]}


def test_csv_has_a_section_column(cli, filled: Path) -> None:
    r = cli(*REVENUE, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    by_owner = [(x["owner"], x["amount"], x["share"]) for x in rows if x["section"] == "by_owner"]
    assert by_owner == [("张伟", "630000.0", "0.9184"), ("王强", "56000.0", "0.0816")]


def test_csv_of_one_section_has_its_own_columns(cli, filled: Path) -> None:
    r = cli(*REVENUE, "--section", "by_owner")  # piped: CSV by default
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == ["owner,amount,orders,share", "张伟,630000.0,3,0.9184", "王强,56000.0,3,0.0816"]


def test_csv_to_a_file(cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "sat.csv"
    r = cli("report", "satisfaction", "-s", "distribution", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8").splitlines()[1:] == ["1,1,0.2", "2,1,0.2", "3,1,0.2", "4,1,0.2", "5,1,0.2"]


def test_xlsx_has_native_charts_and_real_types(cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "revenue.xlsx"
    r = cli(*REVENUE, "-o", str(out))  # .xlsx picks the format
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Report"
    product = next(ws for ws in wb.worksheets if str(ws["A1"].value).startswith("Revenue by product"))
    assert [c.value for c in product[2]] == ["Product", "Amount (元)", "Orders", "Share"]
    assert [c.value for c in product[3]] == ["C", 650000.0, 2, 0.9475]
    assert product["D3"].number_format == "0.0%" and product["B3"].number_format == "#,##0.00"
    assert [type(ch).__name__ for ch in product._charts] == ["PieChart"]
    period = next(ws for ws in wb.worksheets if str(ws["A1"].value).startswith("Revenue by month"))
    assert isinstance(period["A3"].value, datetime) and period["A3"].value.date() == date(2023, 12, 1)
    assert period["A3"].number_format == "yyyy-mm"
    assert period["B3"].data_type == "n" and period["B3"].value == 1000
    assert [type(ch).__name__ for ch in period._charts] == ["LineChart"]
    owners = next(ws for ws in wb.worksheets if str(ws["A1"].value).startswith("Revenue by owner"))
    assert [type(ch).__name__ for ch in owners._charts] == ["BarChart"]
    top = next(ws for ws in wb.worksheets if str(ws["A1"].value).startswith("Top 10"))
    assert [c.value for c in top[3]][:4] == ["C1", "甲制造有限公司", 630000.0, 3]
    assert isinstance(top["E3"].value, datetime) and top["E3"].value.date() == date(2024, 4, 15)


def test_xlsx_of_every_report(filled: Path, tmp_path: Path) -> None:
    """All reports in one workbook: a chart on every section that has a chart hint and rows."""
    conn = db.connect(filled)
    reps = [reports.run(conn, r.name, today=TODAY, now=NOW) for r in reports.available()]
    conn.close()
    path = xlsx.write_workbook(reps, tmp_path / "all.xlsx", lang="zh")
    wb = load_workbook(path)
    expected = sum(1 for rep in reps for s in rep.sections if s.chart and s.rows)
    assert sum(len(ws._charts) for ws in wb.worksheets) == expected
    assert len(wb.sheetnames) == 1 + sum(len(rep.sections) for rep in reps)
    status = wb["总览·按合作状态的客户"]  # sheets named by report and section title in the chosen language
    assert [c.value for c in status[3]] == ["潜在", 1, 0.1667]  # labels in the chosen language, numbers as numbers
    service = next(ws for ws in wb.worksheets if ws.title.startswith("服务时效与热点·超时未结服务单"))
    assert isinstance(service["G3"].value, datetime) and service["G3"].value == datetime(2024, 6, 8, 10, 0)


def test_all_reports_in_json(cli, filled: Path) -> None:
    r = cli("report", "all", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [d["report"] for d in json.loads(r.stdout)][:2] == ["overview", "structure"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (("report", "nosuch"), 1, "unknown report 'nosuch'"),
    (("report", "revenue", "industri~制造"), 1, "unknown field 'industri'"),
    (("report", "revenue", "--since", "2024-13-45"), 1, "--since"),
    (("report", "revenue", "--by", "week"), 1, "--by must be month or quarter"),
    (("report", "revenue", "--section", "nope"), 1, "has no section 'nope'"),
    (("report", "revenue", "--format", "xlsx"), 2, "xlsx needs a file"),
    (("report", "revenue", "--format", "pdf"), 2, "pdf needs a file"),
    (("report", "revenue", "--format", "docx"), 2, "not one of"),
    (("report", "industry~制造"), 2, "name a report first"),
    (("report", "all", "--format", "csv"), 2, "CSV holds one report"),
    (("report", "revenue", "-o", "/nonexistent-dir/x.xlsx"), 1, "cannot write /nonexistent-dir/x.xlsx"),
    (("report", "revenue", "-o", "/nonexistent-dir/x.csv"), 1, "cannot write /nonexistent-dir/x.csv"),
])
def test_errors(cli, filled: Path, args: tuple[str, ...], code: int, message: str) -> None:
    r = cli(*args)
    assert r.exit_code == code, r.output
    assert message in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize(("value", "top", "width", "expected"), [
    (10, 10, 8, "████████"),
    (5, 10, 8, "████"),
    (1, 16, 8, "▌"),         # 4 eighths of one block
    (3, 16, 8, "█▌"),        # 12 eighths
    (0.001, 10, 8, "▏"),     # a tiny value still shows
    (0, 10, 8, ""),
    (None, 10, 8, ""),
    (20, 10, 8, "████████"),  # clipped at the top
])
def test_bar(value: float | None, top: float, width: int, expected: str) -> None:
    from crmcli.reports.render import bar

    assert bar(value, top, width) == expected
