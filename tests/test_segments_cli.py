"""`crm segment ...` through the CLI on the hand-made database of tests/segment_data.py."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from crmcli import db
from tests.segment_data import build

D = "2024-06-30"


@pytest.fixture
def data(db_path: Path) -> Path:
    conn = db.connect(db_path)
    build(conn)
    conn.close()
    return db_path


def _runs(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM segment_runs").fetchone()[0]
    finally:
        conn.close()


def test_run_then_run_again_changes_nothing(cli, data: Path) -> None:
    r = cli("segment", "run", "--date", D)
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert "lost 1, churn_risk 5, high_value 4, potential 4, normal 14" in r.stderr
    r = cli("segment", "run", "--date", D)
    assert r.exit_code == 0 and "unchanged since run 1" in r.stderr and "nothing written" in r.stderr
    assert _runs(data) == 1


def test_list_show_and_query(cli, data: Path) -> None:
    cli("segment", "run", "--date", D)
    r = cli("segment", "list", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [(x["segment"], x["customers"], x["share"]) for x in json.loads(r.stdout)] == [
        ("lost", 1, "3.6%"), ("churn_risk", 5, "17.9%"), ("high_value", 4, "14.3%"), ("potential", 4, "14.3%"),
        ("normal", 14, "50.0%")]
    r = cli("segment", "show", "高价值", "--format", "csv", "--sort", "customer_id")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == ("customer_id,name,owner,previous,yearly_amount,repurchase_rate,orders_365d,"
                        "days_since_interaction,days_since_followup,avg_satisfaction,growth")
    assert [x.split(",")[0] for x in lines[1:]] == ["HV_CENT", "REP_10", "STATUSES", "YEAR_EDGE_IN"]
    assert lines[2] == "REP_10,测试客户REP_10有限公司,,,600000.0,0.8333,10,5,,,"
    r = cli("query", "segment=high_value", "--columns", "customer_id", "--sort", "customer_id", "--format", "csv")
    assert r.stdout.split() == ["customer_id", "HV_CENT", "REP_10", "STATUSES", "YEAR_EDGE_IN"]
    r = cli("query", "客户分层=流失风险", "--columns", "customer_id", "--format", "csv")
    assert len(r.stdout.split()) == 6


def test_explain_command_and_option(cli, data: Path) -> None:
    for args in (("segment", "explain", "HV_UNHAPPY"), ("segment", "--explain", "HV_UNHAPPY")):
        r = cli(*args, "--date", D, "--format", "json")
        assert r.exit_code == 0, r.output
        rows = json.loads(r.stdout)
        hit = [x for x in rows if x["filter"] == "metrics.avg_satisfaction<3"]
        assert hit == [{"rule": "churn_risk", "label": "Churn risk", "line": 2, "filter": "metrics.avg_satisfaction<3",
                        "figure": 1.0, "holds": True, "line_holds": True, "rule_holds": True}]
        assert "churn_risk (Churn risk)" in r.stderr and "yearly amount 900,000.00" in r.stderr
        assert "No segment run yet" in r.stderr
    r = cli("segment", "explain", "NOPE")
    assert r.exit_code == 1 and r.stderr.strip() == "Error: no customer NOPE"


def test_diff_needs_two_runs_and_shows_moves(cli, data: Path) -> None:
    cli("segment", "run", "--date", D)
    r = cli("segment", "diff")
    assert r.exit_code == 1 and "only one segment run so far (2024-06-30)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    conn = db.connect(data)
    conn.execute("UPDATE customers SET status = 'lost' WHERE customer_id = 'AT_RISK'")
    conn.close()
    assert cli("segment", "run", "--date", "2024-07-01").exit_code == 0
    r = cli("segment", "diff", "--review", "--format", "csv", "--sort", "customer_id")
    assert r.exit_code == 0, r.output
    moved = [line.split(",")[:5] for line in r.stdout.splitlines()[1:]]
    assert moved == [["AT_RISK", "测试客户AT_RISK有限公司", "", "churn_risk", "lost"],
                     ["IDLE_90", "测试客户IDLE_90有限公司", "", "normal", "churn_risk"],
                     ["YEAR_EDGE_IN", "测试客户YEAR_EDGE_IN有限公司", "", "high_value", "potential"]]
    assert "3 customers listed who moved between 2024-06-30 and 2024-07-01" in r.stderr
    r = cli("segment", "history", "--format", "json")
    assert [(h["run_date"], h["state"]) for h in json.loads(r.stdout)] == [("2024-07-01", "current"), ("2024-06-30", "history")]


def test_rules_prints_the_defaults_as_toml(cli) -> None:
    r = cli("segment", "rules")
    assert r.exit_code == 0
    data = tomllib.loads(r.stdout)
    assert data["params"] == {"churn_days": 90, "low_satisfaction": 3, "high_value_amount": 500000,
                              "min_repurchase": 0.8, "fast_growth": 0.5}
    assert [x["name"] for x in data["rule"]] == ["lost", "churn_risk", "high_value", "potential", "normal"]
    r = cli("segment", "rules", "--param", "churn_days=60")
    assert "churn_days = 60" in r.stdout


def test_a_bad_rules_file_is_one_error_naming_the_rule_and_writes_nothing(cli, data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "vip"\nwhen = "orders.amout>=1"\n', encoding="utf-8")
    for args in (("segment", "rules", "--rules", str(bad)), ("segment", "run", "--rules", str(bad))):
        r = cli(*args)
        assert r.exit_code == 1
        assert r.stderr.startswith("Error: rule 'vip': filter 'orders.amout>=1': unknown field 'amout' in orders")
        assert r.stderr.count("\n") == 1
    r = cli("segment", "run", "--rules", str(tmp_path / "missing.toml"))
    assert r.exit_code == 1 and "no rules file" in r.stderr
    r = cli("segment", "run", "--param", "churn_dayz=60")
    assert r.exit_code == 1 and "unknown parameter 'churn_dayz'" in r.stderr
    assert _runs(data) == 0


def test_custom_rules_through_the_config(cli, data: Path, tmp_path: Path) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nname = "buyer"\nzh = "买家"\nwhen = "metrics.deals>=1"\n'
                     '[[rule]]\nname = "other"\nzh = "其他"\n', encoding="utf-8")
    assert cli("config", "set", "segment_rules", str(rules)).exit_code == 0
    r = cli("segment", "run", "--date", D)
    assert r.exit_code == 0 and "buyer 17, other 11" in r.stderr  # 17 customers have a counted order
    r = cli("segment", "show", "买家", "--format", "csv", "--limit", "1", "--sort", "-yearly_amount,customer_id")
    assert r.stdout.splitlines()[1].startswith("HV_UNHAPPY,")


def test_usage_errors(cli, data: Path) -> None:
    assert cli("segment").exit_code == 2
    cli("segment", "run", "--date", D)
    r = cli("segment", "show", "vip")
    assert r.exit_code == 1 and "no segment 'vip'; segments: lost (已流失), churn_risk (流失风险)" in r.stderr
    r = cli("segment", "run", "--date", "yesterday-ish")
    assert r.exit_code == 1 and r.stderr.startswith("Error: date 'yesterday-ish'")
    r = cli("segment", "list", "--date", "2020-01-01")
    assert r.exit_code == 1 and "no segment run on or before 2020-01-01" in r.stderr
