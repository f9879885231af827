"""What a person reads after `crm import` and `crm segment run / history / explain / rules`, in Chinese
(and that English stays as it was)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli import db, demo_data, i18n

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(autouse=True)
def _english_after():  # type: ignore[no-untyped-def]
    yield
    i18n.set_lang("en")


def test_import_summary_in_chinese_names_fields_and_module_in_chinese(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("import", str(EXAMPLES / "customers-gbk.csv"), "--lang", "zh")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert lines[0].endswith("customers-gbk.csv：GBK 编码，逗号分隔")
    assert "customers-gbk → 客户基本信息（表头在第 1 行），10 列：客户名称→客户全称, 联系人→联系人姓名" in lines[1]
    assert "所属行业" not in lines[1]  # a header that is already the field's label is not listed
    assert lines[2] == "  4 个客户类型取值“企业/个人”已存为客户性质"
    assert lines[-1] == "读取 4 行：新增 4，更新 0，跳过 0，未变 0，拒绝 0（操作 1）"
    r = cli("import", str(EXAMPLES / "other-crm-export.csv"), "--dry-run", "--lang", "zh-Hant")
    assert "Company→客戶全稱" in r.stderr and "（試執行：未寫入任何資料）" in r.stderr


def test_import_summary_in_english_is_unchanged(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("import", str(EXAMPLES / "customers-gbk.csv"), "--dry-run")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert lines[0].endswith("customers-gbk.csv: GBK, comma-separated")
    assert "customers-gbk → customers (headers on line 1), 10 columns: 客户名称→name, 客户类型→customer_type" in lines[1]
    assert lines[-1] == "4 read: 4 inserted, 0 updated, 0 skipped, 0 unchanged, 0 rejected (dry run: nothing written)"


@pytest.fixture
def demo(db_path: Path) -> str:
    conn = db.connect(db_path)
    demo_data.build(conn, seed=7, customers=60)
    customer = conn.execute("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1").fetchone()[0]
    conn.close()
    return str(customer)


def test_segment_messages_in_chinese(cli, demo: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("segment", "run", "--date", "2025-06-30", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("第 1 次客户分层（2025-06-30）：60 个客户 — 已流失 ")
    assert "、流失风险 " in r.stderr and "已更新客户的“客户分层”字段" in r.stderr
    r = cli("segment", "run", "--date", "2025-06-30", "--lang", "zh")
    assert r.stderr.startswith("客户分层 2025-06-30：与第 1 次分层相比没有变化（已流失 ")
    r = cli("segment", "history", "--format", "table", "--lang", "zh")
    assert "运行编号" in r.stdout and "各分层客户数" in r.stdout and "当前" in r.stdout
    assert "churn_risk" not in r.stdout
    r = cli("segment", "history", "--format", "json", "--lang", "zh")
    assert '"state": "current"' in r.stdout  # data for scripts keeps its keys
    r = cli("segment", "explain", demo, "--lang", "zh")
    line = next(x for x in r.stderr.splitlines() if "指标：" in x)
    assert "（第一条符合的规则）。指标：年度金额 " in line and "，平均满意度 " in line and line.endswith("。")
    r = cli("segment", "explain", demo, "--date", "2025-06-30", "--rules", "-", "--lang", "zh", "--format", "table",
            input="[[rule]]\nname = \"everyone\"\nzh = \"全部\"\n")
    assert "（所有客户）" in r.stdout and "(everyone)" not in r.stdout
    assert "当前生效的分层（2025-06-30）中该客户属于" in r.stderr  # a built-in segment the custom rules lack
    assert "churn" not in r.stderr and "normal" not in r.stderr
    r = cli("segment", "rules", "--lang", "zh")
    assert r.stderr.strip() == "内置规则，共 5 条：已流失（lost）、流失风险（churn_risk）、高价值（high_value）、" \
                               "潜力（potential）、普通（normal）"


def test_segment_messages_in_english_keep_their_wording(cli, demo: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("segment", "run", "--date", "2025-06-30")
    assert r.stderr.startswith("segment run 1 for 2025-06-30: 60 customers — lost ")
    assert r.stderr.rstrip().endswith("changed segment; customers.segment updated")
    r = cli("segment", "explain", demo)
    assert "first matching rule. Figures: yearly amount " in r.stderr
    r = cli("segment", "rules")
    assert r.stderr.strip() == "5 rules from built-in rules: lost, churn_risk, high_value, potential, normal"


def test_update_delete_export_and_report_list_speak_chinese(cli, demo: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("update", demo, "--set", "level=VIP", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert r.stderr.strip().endswith("客户等级（level）：（空） -> VIP") or "客户等级（level）：" in r.stderr
    assert "'" not in r.stderr
    r = cli("update", demo, "--set", "level=low")
    assert r.stderr.strip() == f"{demo} level: 'vip' -> 'low'"  # English as scripts have read it
    r = cli("update", f"customer_id={demo}", "--set", "level=高", "--dry-run", "--lang", "zh")
    lines = r.stderr.splitlines()
    assert lines[0] == "匹配 1 条客户基本信息记录；其中 1 条将被修改（level=high）"
    assert lines[1] == f"  {demo}: 客户等级（level） 低 -> 高" and lines[-1] == "试运行：未写入任何数据"
    r = cli("delete", demo, "--lang", "zh")
    assert "：连同 " in r.stderr and "跟进记录：" in r.stderr and "status_history" not in r.stderr
    r = cli("export", "orders", "-o", str(tmp_path / "o.csv"), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("已导出 ") and "交易信息" in r.stderr
    r = cli("report", "--format", "table", "--lang", "zh")
    assert "报表" in r.stdout and "说明" in r.stdout and "一屏看本月" in r.stdout and "the month" not in r.stdout


def test_demo_shows_help_and_counts_in_chinese(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    from crmcli.cli import demo as demo_cmd
    from crmcli.i18n import help

    monkeypatch.setattr(demo_cmd, "STEPS", [("", "tui --help")])
    i18n.set_lang("zh")
    try:
        demo_cmd.run()
    finally:
        help.untranslate()
        help.install_click_gettext(on=False)
    out = capsys.readouterr().out
    assert "打开全屏工作台" in out and "Open the full-screen" not in out
    assert "：客户基本信息：300 行、联系人：" in out and "状态变更：" in out and " customers" not in out
    assert "\n  示例：crm tui\n  示例：crm --lang zh tui\n" in out  # each example on its own line


def test_operation_log_summaries_are_written_in_the_language_of_the_call(cli, demo: str) -> None:  # type: ignore[no-untyped-def]
    import json

    assert cli("segment", "run", "--date", "2025-06-30", "--lang", "zh").exit_code == 0
    assert cli("import", str(EXAMPLES / "customers-gbk.csv"), "--lang", "zh").exit_code == 0
    ops = json.loads(cli("log", "--format", "json").stdout)
    summaries = [op["summary"] for op in ops]
    assert any(s.startswith("客户分层 2025-06-30：已流失 ") and "、流失风险 " in s for s in summaries), summaries
    assert any(s.startswith("导入 ") and "：新增 4，更新 0" in s for s in summaries), summaries
    r = cli("report", "overview", "--format", "table", "--lang", "zh")
    assert "流失风险" in r.stdout and "churn_risk" not in r.stdout  # segments by their labels


def test_log_and_log_show_read_in_chinese(cli, demo: str) -> None:  # type: ignore[no-untyped-def]
    import json

    assert cli("update", demo, "--set", "level=VIP", "--set", "owner=李娜").exit_code == 0
    op = json.loads(cli("log", "--format", "json").stdout)[0]["op_id"]
    r = cli("log", "show", str(op), "--format", "table", "--lang", "zh")
    assert "客户基本信息" in r.stdout and "修改" in r.stdout and "客户等级：" in r.stdout and "-> VIP" in r.stdout
    assert "customers" not in r.stdout and "level" not in r.stdout
    r = cli("log", "show", str(op), "--format", "json", "--lang", "zh")
    assert json.loads(r.stdout)[0]["action"] == "update"  # scripts keep the keys
    r = cli("log", "show", str(op), "--format", "table")
    assert "level: " in r.stdout and "-> vip" in r.stdout  # English as it was
    r = cli("log", "--format", "table", "--lang", "zh-Hant", "--limit", "1")
    assert "│ 修改 │ update C" in r.stdout  # the kind translated; the summary stays as it was written (en)


@pytest.mark.parametrize(("lang", "unknown", "computed"), [
    ("en", "not imported (no matching field): 微信 —", "not imported (crm computes them): segment"),
    ("zh", "未导入（没有对应的字段）：微信 —", "未导入（由 crm 计算）：segment"),
    ("zh-Hant", "未匯入（沒有對應的欄位）：微信 —", "未匯入（由 crm 計算）：segment"),
])
def test_import_tells_unknown_columns_from_computed_ones(cli, tmp_path: Path, lang: str, unknown: str,  # type: ignore[no-untyped-def]
                                                        computed: str) -> None:
    src = tmp_path / "t.csv"
    src.write_text("客户名称,联系电话,微信,segment\n北京华信科技有限公司,13812345678,wx1,vip\n", encoding="utf-8")
    r = cli("import", str(src), "--dry-run", "--lang", lang)
    assert r.exit_code == 0, r.output
    assert f"  {unknown}" in r.stderr and f"  {computed}\n" in r.stderr, r.stderr


def test_config_list_explains_each_setting_in_chinese(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("config", "list", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "lang = \t# 语言：en、zh 或 zh-Hant（" in r.stdout
    assert "database path" not in r.stdout and r.stderr.startswith("（文件：")
    r = cli("config", "list")
    assert "# database path used when neither --db nor CRM_DB is given" in r.stdout and r.stderr.startswith("(file: ")
