"""Chinese for what crm writes beyond messages: empty report sections (crm today), workbooks and the
template's instructions sheet."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import Runner
from tests.export_helpers import fill
from tests.screen_check import data_words, english_words


def test_an_empty_today_section_says_none_not_unfilled(cli: Runner) -> None:
    for lang, none in (("zh", "（无）"), ("zh-Hant", "（無）"), ("en", "(none)")):
        r = cli("--lang", lang, "today", "--format", "table", env={"CRM_TODAY": "2025-06-30", "COLUMNS": "120"})
        assert r.exit_code == 0, r.output
        assert r.stdout.count(none) == 4, (lang, r.stdout)  # overdue, due, tickets, review: all empty
        assert "未填写" not in r.stdout and "未填寫" not in r.stdout


# ---------------------------------------------------------------------------------------- workbooks

CJK = re.compile(r"[\u4e00-\u9fff]")
HANT_ONLY = re.compile(r"[資聯絡記錄戶說]")  # characters Simplified never writes


def _cells(ws: Worksheet, skip: tuple[int, ...] = ()) -> list[str]:
    return [v for row in ws.iter_rows(values_only=True) for i, v in enumerate(row) if isinstance(v, str)
            and i not in skip]


def test_template_in_each_language(cli: Runner, tmp_path: Path) -> None:
    names = {}
    for lang in ("en", "zh", "zh-Hant"):
        path = tmp_path / f"t-{lang}.xlsx"
        assert cli("--lang", lang, "template", "-o", str(path)).exit_code == 0
        wb = load_workbook(path)
        names[lang] = wb.sheetnames
        notes = wb.worksheets[-1]
        text = _cells(notes, skip=(2,))  # column C lists the field names for --set: code, not words
        if lang == "en":
            assert notes.title == "Instructions" and [c.value for c in wb.worksheets[0][1]][:3] == [
                "Customer ID", "Kind", "Name"]
            assert not any(CJK.search(t) for t in text if t not in ("12万",) and "12万" not in t)
        else:
            assert notes.title == ("说明" if lang == "zh" else "說明")
            assert not english_words(" ".join(text), set()), english_words(" ".join(text), set())
            assert all(CJK.search(t) for t in text if not t.replace("-", "").replace("+", "").isascii())
    assert names["zh"] == ["客户基本信息", "联系人", "跟进记录", "交易信息", "服务信息", "客户需求", "标签管理", "说明"]
    assert names["zh-Hant"] == ["客戶基本資訊", "聯絡人", "跟進記錄", "交易資訊", "服務資訊", "客戶需求", "標籤管理", "說明"]
    assert names["en"] == ["Customers", "Contacts", "Follow-ups", "Orders", "Tickets", "Needs", "Tags", "Instructions"]
    hant = load_workbook(tmp_path / "t-zh-Hant.xlsx")
    assert [c.value for c in hant["客戶基本資訊"][1]][:7] == ["客戶編號", "客戶性質", "客戶全稱", "聯絡人姓名", "聯絡人職位",
                                                            "聯絡電話", "聯絡郵箱"]
    assert hant["客戶基本資訊"].data_validations.dataValidation[0].prompt == "可選：企業、個人"


def test_a_traditional_export_reads_back_whole(cli: Runner, conn: sqlite3.Connection, tmp_path: Path) -> None:
    fill(conn)
    conn.commit()
    path = tmp_path / "全部.xlsx"
    r = cli("--lang", "zh-Hant", "export", "all", "-o", str(path), "--unmask")
    assert r.exit_code == 0 and "已匯出 2 條客戶基本資訊" in r.stderr, r.stderr
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["客戶基本資訊", "聯絡人", "跟進記錄"]
    row = dict(zip([c.value for c in wb["客戶基本資訊"][1]], [c.value for c in wb["客戶基本資訊"][2]], strict=True))
    assert row["合作狀態"] == "合作中" and row["客戶來源"] == "展會"  # labels in Traditional
    before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "orders", "followups", "tags")}
    other = tmp_path / "other.db"
    assert cli("init", db=other).exit_code == 0
    r = cli("import", str(path), db=other)
    assert r.exit_code == 0, r.output
    back = sqlite3.connect(other)
    assert {t: back.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before} == before
    query = "SELECT status, source, phone FROM customers ORDER BY customer_id"
    assert back.execute(query).fetchall() == [tuple(r) for r in conn.execute(query)]
    back.close()


def test_report_workbook_sheets_and_headers(cli: Runner, filled: Path, tmp_path: Path) -> None:
    for lang in ("en", "zh", "zh-Hant"):
        path = tmp_path / f"r-{lang}.xlsx"
        assert cli("--lang", lang, "report", "all", "-o", str(path), db=filled).exit_code == 0
        wb = load_workbook(path)
        heads = [c.value for c in wb.worksheets[1][2]]
        if lang == "en":
            assert wb.sheetnames[:2] == ["Report", "overview summary"] and heads == ["Metric", "Value"]
            continue
        assert wb.sheetnames[0] == ("报表" if lang == "zh" else "報表")
        assert all(CJK.search(n) for n in wb.sheetnames), wb.sheetnames
        assert heads == (["指标", "数值"] if lang == "zh" else ["指標", "數值"])
        words = data_words(filled)
        found = {w for ws in wb.worksheets for t in _cells(ws) for w in english_words(t, words)}
        assert not found, found


def test_a_filled_traditional_template_imports(cli: Runner, conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "客戶資訊模板.xlsx"
    assert cli("--lang", "zh-Hant", "template", "-o", str(path)).exit_code == 0
    wb = load_workbook(path)
    ws = wb["客戶基本資訊"]
    heads = [c.value for c in ws[1]]
    row = {"客戶全稱": "台北華信貿易股份有限公司", "聯絡電話": "0912-345-678", "合作狀態": "潛在", "客戶類型": "新客戶"}
    ws.append([row.get(h) for h in heads])
    wb.save(path)
    r = cli("import", str(path))
    assert r.exit_code == 0, r.output
    assert "說明" in r.stderr or "说明" in r.stderr  # the instructions sheet is skipped, and said so
    assert [tuple(r) for r in conn.execute("SELECT name, phone, status, customer_type FROM customers")] == [
        ("台北華信貿易股份有限公司", "+886912345678", "potential", "new")]
