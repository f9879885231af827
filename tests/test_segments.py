"""Segments on a hand-made database (tests/segment_data.py): every default rule at and around
its threshold, the figures, custom rules, history, diff, explain, idempotence and revert."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from crmcli import filters, segments
from crmcli.errors import CrmError, InvalidValue
from crmcli.segments import metrics
from tests.segment_data import EXPECTED, D, Maker, ago, build


@pytest.fixture
def data(conn: sqlite3.Connection) -> sqlite3.Connection:
    build(conn)
    return conn


def seg_of(conn: sqlite3.Connection) -> dict[str, str | None]:
    return dict(conn.execute("SELECT customer_id, segment FROM customers").fetchall())


def test_default_rules_put_every_case_in_its_tier(data: sqlite3.Connection) -> None:
    res = segments.run(data, segments.load(), D)
    assert not res.unchanged and res.current
    assert seg_of(data) == EXPECTED
    assert res.counts == {"lost": 1, "churn_risk": 5, "high_value": 4, "potential": 4, "normal": 14}


def test_figures_follow_the_definitions(data: sqlite3.Connection) -> None:
    metrics.build(data, D)
    m = {r["customer_id"]: dict(r) for r in data.execute("SELECT * FROM customer_metrics")}
    assert m["HV_EXACT"]["yearly_amount"] == 500000.0  # 49,999.97 x 9 + 50,000.27, rounded to the fen
    assert m["HV_CENT"]["yearly_amount"] == 500000.01
    assert m["REP_9"]["repurchase_rate"] == 0.75 and m["REP_9"]["active_months"] == 9
    assert m["REP_10"]["active_months"] == 10
    assert m["STATUSES"]["yearly_amount"] == 500000.01 and m["STATUSES"]["orders_365d"] == 11
    assert m["STATUSES"]["deals"] == 11  # cancelled and pending are not deals
    assert m["YEAR_EDGE_IN"]["yearly_amount"] == 500000.01 and m["YEAR_EDGE_IN"]["prev_year_amount"] == 0
    assert m["YEAR_EDGE_OUT"]["yearly_amount"] == 499000.0 and m["YEAR_EDGE_OUT"]["prev_year_amount"] == 1000.01
    assert [m[c]["days_since_interaction"] for c in ("IDLE_89", "IDLE_90", "IDLE_91")] == [89, 90, 91]
    assert m["IDLE_91"]["last_followup"] == "2024-03-31" and m["IDLE_91"]["days_since_followup"] == 91
    assert m["IDLE_PROSPECT"]["last_interaction"] == "2023-12-13"  # first contact date: nobody talked to it
    assert m["IDLE_BUT_TICKET"]["days_since_interaction"] == 10
    assert m["SAT_3"]["avg_satisfaction"] == 3.0
    assert m["SAT_25"]["avg_satisfaction"] == 2.5
    assert m["SAT_OLD"]["avg_satisfaction"] == 4  # the card's score: the 1 is outside the year
    assert m["SAT_CARD_TICKET"]["avg_satisfaction"] == 5.0
    assert m["GROW_50"]["growth"] == 0.5
    assert m["GROW_NEW"]["growth"] is None
    assert m["EMPTY"]["days_since_interaction"] == 7 and m["EMPTY"]["avg_satisfaction"] is None
    assert {r["as_of"] for r in m.values()} == {"2024-06-30"}


def test_orders_after_the_run_date_do_not_count(data: sqlite3.Connection) -> None:
    Maker(data).order("HV_EXACT", "2024-07-01", 1.0)
    metrics.build(data, D)
    row = data.execute("SELECT yearly_amount, last_order FROM customer_metrics WHERE customer_id = 'HV_EXACT'").fetchone()
    assert tuple(row) == (500000.0, "2024-06-25")


@pytest.mark.parametrize("param,value,moves", [
    ("min_repurchase", 0.75, {"REP_9": "high_value"}),              # exactly 0.75 now passes >=
    ("high_value_amount", 499999.99, {"HV_EXACT": "high_value"}),   # 500,000.00 > 499,999.99
    ("churn_days", 89, {"IDLE_90": "churn_risk"}),
    ("low_satisfaction", 3.01, {"SAT_3": "churn_risk"}),
    ("fast_growth", 0.49999, {"GROW_49": "potential"}),   # growth 0.4999999
])
def test_thresholds_are_parameters(data: sqlite3.Connection, param: str, value: float, moves: dict[str, str]) -> None:
    segments.run(data, segments.load(overrides={param: value}), D)
    assert seg_of(data) == {**EXPECTED, **moves}


def test_custom_rules_file(data: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("""
[params]
big = 600000
[[rule]]
name = "key"
zh = "重点"
en = "Key account"
when = ["metrics.yearly_amount>={big}", "orders.sum(amount)>=900000"]
[[rule]]
name = "quiet"
zh = "沉默"
when = "metrics.days_since_interaction>60"
""", encoding="utf-8")
    rules = segments.load(path)
    segments.run(data, rules, D)
    got = seg_of(data)
    # No catch-all: customers matching no rule have no segment (and no history row).
    assert {k for k, v in got.items() if v == "key"} == {"REP_9", "REP_10", "HV_UNHAPPY", "LOST", "STATUSES"}
    assert got["IDLE_91"] == "quiet" and got["IDLE_89"] == "quiet" and got["SAT_3"] is None
    assert data.execute("SELECT count(*) FROM customer_segments").fetchone()[0] == sum(v is not None for v in got.values())
    # query accepts the custom name; the built-in zh labels keep working for built-in names
    assert filters.count(data, "customers", ["segment=key"]) == 5


def test_config_setting_selects_the_rules_file(tmp_path: Path) -> None:
    from crmcli import config

    path = tmp_path / "r.toml"
    path.write_text('[[rule]]\nname = "all"\n', encoding="utf-8")
    config.set_value("segment_rules", str(path))
    assert segments.load().names() == ["all"]


@pytest.mark.parametrize("text,message", [
    ('[[rule]]\nname = "bad"\nwhen = "metrics.yearly_amout>1"',
     "rule 'bad': filter 'metrics.yearly_amout>1': unknown field 'yearly_amout'.*did you mean yearly_amount"),
    ('[[rule]]\nname = "bad"\nwhen = "status=sleeping"', "rule 'bad': .*invalid status 'sleeping'"),
    ('[[rule]]\nname = "bad"\nwhen = "orders.amount>={nope}"', r"rule 'bad': unknown parameter \{nope\}"),
    ('[[rule]]\nname = "bad"\nwhen = "name~\\"unclosed"', "rule 'bad': cannot read"),
    ('[[rule]]\nname = "bad"\nwhen = "justtext"', "rule 'bad': filter 'justtext': needs field OP value"),
    ('[[rule]]\nname = "a"\n[[rule]]\nname = "b"\nwhen = "status=lost"', "rule 'a' has no `when`.*never apply"),
    ('[[rule]]\nname = "a"\nwhen = "status=lost"\nwhn = "x"', "rule 'a': unknown key whn"),
    ('[[rule]]\nname = "a b"', "name must be letters"),
    ('[[rule]]\nname = "a"\nzh = "甲"\n[[rule]]\nname = "b"\nzh = "甲"', "rule 'b'.*already used by rule 'a'"),
    ("[params]\nx = 1", "has no rules"),
    ("[[rule]\nname = 1", "not valid TOML"),
])
def test_a_rule_that_does_not_parse_names_the_rule(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        segments.parse(text)


def test_unknown_param_override_is_refused() -> None:
    with pytest.raises(InvalidValue, match="unknown parameter 'churn_day'"):
        segments.load(overrides={"churn_day": 60})


def test_parse_params() -> None:
    assert segments.parse_params(["churn_days=60", "min_repurchase=0.75", "x=abc"]) == \
        {"churn_days": 60, "min_repurchase": 0.75, "x": "abc"}
    with pytest.raises(InvalidValue, match="NAME=VALUE"):
        segments.parse_params(["churn_days"])


def _dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


def test_running_twice_the_same_day_changes_nothing(data: sqlite3.Connection) -> None:
    rules = segments.load()
    first = segments.run(data, rules, D)
    before = _dump(data)
    second = segments.run(data, rules, D)
    assert second.unchanged and second.run_id == first.run_id
    assert _dump(data) == before


def test_a_same_day_rerun_on_new_data_supersedes_and_keeps_history(data: sqlite3.Connection) -> None:
    rules = segments.load()
    first = segments.run(data, rules, D)
    Maker(data).followup("IDLE_91", ago(1))
    second = segments.run(data, rules, D)
    assert not second.unchanged and second.run_id == first.run_id + 1 and second.replaced_same_day
    assert second.moved == 1 and seg_of(data)["IDLE_91"] == "normal"
    states = {h["run_id"]: h["state"] for h in segments.history(data)}
    assert states == {first.run_id: "superseded", second.run_id: "current"}


def test_one_operation_per_run_with_counts_and_no_change_rows(data: sqlite3.Connection) -> None:
    res = segments.run(data, segments.load(), D)
    ops = data.execute("SELECT op_id, kind, summary, details FROM operations").fetchall()
    assert len(ops) == 1 and ops[0]["kind"] == "segment"
    details = json.loads(ops[0]["details"])
    assert details["counts"]["high_value"] == 4 and details["moved"] == 28 and details["run_id"] == res.run_id
    assert details["restore_from_run_id"] is None
    assert "high_value 4 (+4)" in ops[0]["summary"]
    assert data.execute("SELECT count(*) FROM changes").fetchone()[0] == 0


def test_a_run_does_not_touch_updated_at(data: sqlite3.Connection) -> None:
    segments.run(data, segments.load(), D)
    assert {r[0] for r in data.execute("SELECT updated_at FROM customers")} == {"2020-01-01 09:00:00"}
    # the touch trigger is back in place afterwards
    data.execute("UPDATE customers SET notes = 'x' WHERE customer_id = 'EMPTY'")
    assert data.execute("SELECT updated_at FROM customers WHERE customer_id = 'EMPTY'").fetchone()[0] != "2020-01-01 09:00:00"


D2 = date(2024, 7, 1)


def _next_day(conn: sqlite3.Connection) -> None:
    """What happens by D2 = D + 1 day; with the day that passes, six customers move:
    AT_RISK churn_risk -> lost (marked lost), HV_CENT high_value -> churn_risk (rates a ticket 1),
    IDLE_90 normal -> churn_risk (now 91 days), YEAR_EDGE_IN high_value -> potential (its D-364
    order is now 365 days old), NEWBIE (new, 意向) -> potential, IDLE_91 churn_risk -> normal (called)."""
    m = Maker(conn)
    m.ticket("HV_CENT", ago(-1), 1)
    m.followup("IDLE_91", ago(-1))
    conn.execute("UPDATE customers SET status = 'lost' WHERE customer_id = 'AT_RISK'")
    m.customer("NEWBIE", status="intent")


def test_history_list_and_diff(data: sqlite3.Connection) -> None:
    rules = segments.load()
    r1 = segments.run(data, rules, D)
    _next_day(data)
    r2 = segments.run(data, rules, D2)
    assert r2.previous_run_id == r1.run_id and r2.moved == 6
    run, rows = segments.summary(data, lang="zh")
    assert run["run_id"] == r2.run_id
    table = {r["segment"]: (r["label"], r["customers"], r["previous"], r["change"]) for r in rows}
    assert table == {"lost": ("已流失", 2, 1, "+1"), "churn_risk": ("流失风险", 5, 5, "+0"),
                     "high_value": ("高价值", 2, 4, "-2"), "potential": ("潜力", 6, 4, "+2"),
                     "normal": ("普通", 14, 14, "+0")}
    _, base, cur = segments.moves(data)
    assert base["run_id"] == r1.run_id
    moved = [(r["customer_id"], r["before"], r["after"]) for r in cur]
    # ordered by the rules' review order of the new segment
    assert moved == [("AT_RISK", "churn_risk", "lost"), ("HV_CENT", "high_value", "churn_risk"),
                     ("IDLE_90", "normal", "churn_risk"), ("YEAR_EDGE_IN", "high_value", "potential"),
                     ("NEWBIE", None, "potential"), ("IDLE_91", "churn_risk", "normal")]
    _, _, cur = segments.moves(data, review=True)
    assert [r["customer_id"] for r in cur] == ["AT_RISK", "HV_CENT", "IDLE_90", "YEAR_EDGE_IN", "IDLE_91"]
    _, _, cur = segments.moves(data, segment="高价值")
    assert [r["customer_id"] for r in cur] == ["HV_CENT", "YEAR_EDGE_IN"]
    # the old run's summary still reads as it was
    _, rows = segments.summary(data, on="2024-06-30")
    assert {r["segment"]: r["customers"] for r in rows}["high_value"] == 4


def test_diff_since_a_date_and_errors(data: sqlite3.Connection) -> None:
    rules = segments.load()
    segments.run(data, rules, D)
    with pytest.raises(InvalidValue, match="only one segment run"):
        segments.moves(data)
    with pytest.raises(CrmError, match="no segment run on or before 2024-01-01; the first run is for 2024-06-30"):
        segments.moves(data, since="2024-01-01")
    _next_day(data)
    segments.run(data, rules, D2)
    _, base, cur = segments.moves(data, since="2024-06-30")
    assert base["run_date"] == "2024-06-30" and len(cur.fetchall()) == 6
    _, base, cur = segments.moves(data, since="2024-07-05")  # the run of the latest day on or before
    assert base["run_date"] == "2024-07-01" and cur.fetchall() == []


def test_show_lists_members_with_their_figures(data: sqlite3.Connection) -> None:
    segments.run(data, segments.load(), D)
    _, name, cur = segments.members(data, "高价值")
    rows = [dict(r) for r in cur]
    assert name == "high_value"
    assert [r["customer_id"] for r in rows] == ["REP_10", "HV_CENT", "STATUSES", "YEAR_EDGE_IN"]
    assert rows[0] == {"customer_id": "REP_10", "name": "测试客户REP_10有限公司", "owner": None, "previous": None,
                       "yearly_amount": 600000.0, "repurchase_rate": 0.8333, "orders_365d": 10,
                       "days_since_interaction": 5, "days_since_followup": None, "avg_satisfaction": None, "growth": None}
    _, _, cur = segments.members(data, "churn_risk", sort="-days_since_interaction", limit=2)
    assert [r["customer_id"] for r in cur] == ["SAT_CARD", "IDLE_91"]
    with pytest.raises(InvalidValue, match="no segment 'vip'"):
        segments.members(data, "vip")
    with pytest.raises(InvalidValue, match="cannot sort by 'amount'"):
        segments.members(data, "normal", sort="amount")


def test_explain_evaluates_every_rule_with_the_figures(data: sqlite3.Connection) -> None:
    ex = segments.explain(data, "HV_UNHAPPY", segments.load(), D)
    assert ex.segment == "churn_risk" and ex.stored is None and ex.stored_run_date is None
    rows = {(r["rule"], r["line"], r["filter"]): (r["figure"], r["holds"], r["line_holds"], r["rule_holds"]) for r in ex.rows}
    assert rows[("churn_risk", 2, "metrics.avg_satisfaction<3")] == (1.0, True, True, True)
    assert rows[("churn_risk", 1, "metrics.days_since_interaction>90")] == (2, False, False, True)
    assert rows[("high_value", 1, "metrics.yearly_amount>500000")] == (900000.0, True, True, True)
    assert rows[("high_value", 1, "metrics.repurchase_rate>=0.8")] == (1.0, True, True, True)
    assert rows[("lost", 1, "status=lost")] == ("active", False, False, False)
    # explain writes nothing and leaves no temp table behind
    assert data.execute("SELECT count(*) FROM main.customer_metrics").fetchone()[0] == 0
    assert data.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0


def test_explain_reports_a_stale_stored_segment(data: sqlite3.Connection) -> None:
    segments.run(data, segments.load(), D)
    Maker(data).followup("IDLE_91", ago(0))
    ex = segments.explain(data, "IDLE_91", segments.load(), D)
    assert (ex.segment, ex.stored, ex.stored_run_date) == ("normal", "churn_risk", "2024-06-30")
    with pytest.raises(CrmError, match="no customer NOPE"):
        segments.explain(data, "NOPE", segments.load(), D)


def test_revert_restores_the_previous_segments(data: sqlite3.Connection) -> None:
    rules = segments.load()
    segments.run(data, rules, D)
    before = seg_of(data)
    _next_day(data)
    r2 = segments.run(data, rules, D2)
    assert seg_of(data) != {**before, "NEWBIE": None}
    changed = segments.revert(data, r2.run_id)
    assert changed == 6 and seg_of(data) == {**before, "NEWBIE": None}
    assert [h["run_date"] for h in segments.history(data)] == ["2024-06-30"]
    segments.revert(data, segments.current_run(data)["run_id"])
    assert set(seg_of(data).values()) == {None}


def test_a_backfill_run_is_history_only(data: sqlite3.Connection) -> None:
    rules = segments.load()
    segments.run(data, rules, D)
    now = seg_of(data)
    stored_metrics = data.execute("SELECT count(*), min(as_of) FROM customer_metrics").fetchone()
    old = segments.run(data, rules, date(2023, 6, 30))
    assert not old.current and old.moved == 0
    assert seg_of(data) == now
    assert tuple(data.execute("SELECT count(*), min(as_of) FROM customer_metrics").fetchone()) == tuple(stored_metrics)
    assert segments.current_run(data)["run_date"] == "2024-06-30"
    assert "high_value" not in old.counts  # a year earlier nobody had the orders yet


def test_segment_is_a_query_field_in_both_languages(data: sqlite3.Connection) -> None:
    segments.run(data, segments.load(), D)
    zh = filters.count(data, "customers", ["segment=高价值"])
    en = filters.count(data, "customers", ["客户分层=high_value"])
    assert zh == en == 4
    assert filters.count(data, "customers", ["segment=流失风险|已流失"]) == 6
    assert filters.count(data, "customers", ["metrics.复购率>=80%", "metrics.年度金额>500000"]) == 6


def test_run_is_one_transaction(data: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.segments import runs

    def boom(*a: object, **k: object) -> int:
        raise RuntimeError("disk full")

    before = _dump(data)
    monkeypatch.setattr(runs, "_set_segments", boom)
    with pytest.raises(RuntimeError):
        segments.run(data, segments.load(), D)
    assert _dump(data) == before
    assert not data.in_transaction


def test_empty_database(conn: sqlite3.Connection) -> None:
    res = segments.run(conn, segments.load(), D)
    assert res.customers == 0 and res.counts == {}
    assert [(h["run_date"], h["customers"], h["state"]) for h in segments.history(conn)] == [("2024-06-30", 0, "current")]


def test_the_yearly_figures_read_the_counted_orders_index_alone(conn: sqlite3.Connection) -> None:
    # Guards the benchmark: without the partial index the GROUP BY probes the orders table per row
    # (50 s instead of 5 s on a million customers).
    sql = metrics.insert_sql("main.customer_metrics")
    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, metrics.window(D)))
    assert "SCAN orders USING INDEX idx_orders_counted" in plan
    assert "USE TEMP B-TREE FOR GROUP BY" not in plan
    # the latest follow-up / ticket: one index seek per customer, not a scan
    assert "SEARCH r USING COVERING INDEX idx_followups_customer_report (customer_id=? AND date<?)" in plan


def test_month_slices_are_floor_of_days_times_12_over_365(conn: sqlite3.Connection) -> None:
    params = metrics.window(D)
    expected = {0: 0, 30: 0, 31: 1, 60: 1, 61: 2, 91: 2, 92: 3, 182: 5, 183: 6, 333: 10, 334: 10, 335: 11, 364: 11,
                365: None, 366: None}
    for days, slice_ in expected.items():
        params["date"] = ago(days)
        got = conn.execute(f"SELECT CASE {metrics._SLICES.replace('date >', ':date >')} END", params).fetchone()[0]
        assert got == slice_, days


def test_a_database_from_before_segments_gets_the_table_and_index(data: sqlite3.Connection) -> None:
    data.execute("DROP TABLE customer_metrics")
    data.execute("DROP INDEX idx_orders_counted")
    segments.run(data, segments.load(), D)
    assert seg_of(data) == EXPECTED
    names = {r[0] for r in data.execute("SELECT name FROM sqlite_master")}
    assert {"customer_metrics", "idx_orders_counted"} <= names
