"""Under --lang zh the terminal tables of `segment list`, `fields` and `log` speak Chinese, while CSV / JSON
keep their English keys and values (scripts read them), and English output is unchanged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli import db, demo_data

ENV = {"CRM_TODAY": "2025-06-30", "NO_COLOR": "1", "COLUMNS": "160"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zhkeys") / "demo.db"
    conn = db.create(path)
    demo_data.build(conn, seed=7, customers=60)
    conn.close()
    _run(path, "en", "segment", "run")
    return path


def _run(path: Path, lang: str, *args: str) -> str:
    from crmcli.cli import app

    r = CliRunner().invoke(app, ["--db", str(path), "--lang", lang, *args], env=ENV)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_segment_list_zh_table_names_segments_by_label(demo: Path) -> None:
    zh = _run(demo, "zh", "segment", "list", "--format", "table")
    assert "流失风险" in zh and "客户分层" in zh and "churn_risk" not in zh and "customers" not in zh
    assert "流失風險" in _run(demo, "zh-Hant", "segment", "list", "--format", "table")
    en = _run(demo, "en", "segment", "list", "--format", "table")
    assert "churn_risk" in en and "Churn risk".lower() in en.lower() and "Segments of run" in en


@pytest.mark.parametrize("args", [("segment", "list"), ("fields", "followups"), ("log",)])
def test_machine_formats_keep_english_keys_under_zh(demo: Path, args: tuple[str, ...]) -> None:
    zh_csv = list(csv.reader(io.StringIO(_run(demo, "zh", *args, "--format", "csv"))))
    en_csv = list(csv.reader(io.StringIO(_run(demo, "en", *args, "--format", "csv"))))
    assert zh_csv[0] == en_csv[0] and all(h.isascii() for h in zh_csv[0]), zh_csv[0]
    assert [r[0] for r in zh_csv] == [r[0] for r in en_csv]  # the key column: names, not labels
    zh_json = json.loads(_run(demo, "zh", *args, "--format", "json"))
    assert list(zh_json[0]) == list(json.loads(_run(demo, "en", *args, "--format", "json"))[0])
    if args[0] == "segment":
        assert "churn_risk" in {r["segment"] for r in zh_json}


def test_fields_and_log_headers_in_chinese(demo: Path) -> None:
    fields_zh = _run(demo, "zh", "fields", "followups", "--format", "table")
    assert "可选值" in fields_zh and "日期时间" in fields_zh and "datetime" not in fields_zh
    assert "allowed" in _run(demo, "en", "fields", "followups", "--format", "table")
    log_zh = _run(demo, "zh", "log", "--format", "table")
    assert "操作号" in log_zh and "摘要" in log_zh and "op_id" not in log_zh


def test_segment_show_and_diff_name_segments_by_label_under_zh(demo: Path) -> None:
    zh = _run(demo, "zh", "segment", "show", "churn_risk", "--format", "table")
    assert "中的流失风险" in zh and "年度金额" in zh and "yearly_amount" not in zh
    assert "churn_risk in run" in _run(demo, "en", "segment", "show", "churn_risk", "--format", "table")
    csv_zh = _run(demo, "zh", "segment", "show", "churn_risk", "--format", "csv")
    assert csv_zh.splitlines()[0] == _run(demo, "en", "segment", "show", "churn_risk", "--format", "csv").splitlines()[0]
