"""The duplicate check at entry (sure, likely, none) and remembered "not the same" decisions:
never proposed again, never merged by crm maintain, listed, undoable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crmcli import maintain, records, undo
from crmcli.dedupe import decisions, entry, scan
from tests.conftest import Runner


def add(conn: sqlite3.Connection, name: str, phone: str | None = None, **more: str) -> str:
    raw = {"name": name, **({"phone": phone} if phone else {}), **more}
    return records.add(conn, "customers", raw)


def values(name: str, phone: str | None = None, email: str | None = None) -> dict[str, str | None]:
    return records.prepare("customers", {k: v for k, v in {"name": name, "phone": phone, "email": email}.items() if v})


def test_entry_check_sure_likely_none(conn: sqlite3.Connection) -> None:
    a = add(conn, "北京华信科技有限公司", "13812345678")
    add(conn, "上海德盛贸易有限公司", "13900001111")
    # sure: the same company and the same mobile (typed another way)
    with pytest.raises(entry.DuplicateCustomer) as e:
        entry.check(conn, values("北京华信科技有限公司", "+86 138-1234-5678"))
    msg = str(e.value)
    assert a in msg and "138****5678" in msg and "13812345678" not in msg and "--force" in msg
    # sure, found by name core and city though written differently (no phone to contradict)
    with pytest.raises(entry.DuplicateCustomer):
        entry.check(conn, values("华信科技（北京）有限公司", email="info@huaxin.cn"))
    # likely: the same name with another mobile (a second line, or another company of that name)
    likely = entry.check(conn, values("北京华信科技有限公司", "13700002222"))
    assert [m.customer_id for m in likely] == [a] and not likely[0].sure and likely[0].score >= 80
    # none: another city, another phone; and an unrelated company
    assert entry.check(conn, values("广州华信科技有限公司", "13700002222")) == []
    assert entry.check(conn, values("杭州星辰建设工程有限公司", "13600003333")) == []


def test_add_customer_cli_refuses_warns_or_adds(cli: Runner, db_path: Path) -> None:
    r = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678")
    assert r.exit_code == 0
    first = r.stdout.strip()
    r = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "+86 138 1234 5678")
    assert r.exit_code == 1 and first in r.stderr and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13700002222")
    assert r.exit_code == 0 and "likely" in r.stderr and first in r.stderr
    r = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "13812345678", "--force")
    assert r.exit_code == 0 and r.stdout.strip() != first


@pytest.fixture
def pair(conn: sqlite3.Connection) -> tuple[str, str]:
    """Two records dedupe is sure about: same name, no contact to contradict."""
    a = add(conn, "杭州星辰建设工程有限公司", "13812345678")
    b = add(conn, "杭州星辰建设工程有限公司", email="xc@example.com")
    return a, b


def test_entry_thresholds_are_the_matchers() -> None:
    from crmcli.dedupe import match

    assert (entry.AUTO_THRESHOLD, entry.REPORT_THRESHOLD) == (match.AUTO_THRESHOLD, match.DEFAULT_THRESHOLD)


def test_not_same_is_remembered_listed_and_undoable(conn: sqlite3.Connection, pair: tuple[str, str]) -> None:
    a, b = pair
    assert [[m["customer_id"] for m in c.members] for c in scan.scan(conn).clusters] == [[a, b]]
    op_id, new = decisions.not_same(conn, [b, a.lower()])
    assert new == [(a, b)] and op_id
    assert scan.scan(conn).clusters == []
    assert decisions.not_same(conn, [a, b]) == (None, [])  # known already: nothing logged
    rows = decisions.decisions(conn)
    assert [(r["customer_a"], r["customer_b"], r["name_a"]) for r in rows] == [(a, b, "杭州星辰建设工程有限公司")]
    undo.undo(conn)
    assert decisions.decisions(conn) == []
    assert len(scan.scan(conn).clusters) == 1


def test_a_decision_keeps_a_third_lookalike_from_joining_them(conn: sqlite3.Connection, pair: tuple[str, str]) -> None:
    a, b = pair
    c = add(conn, "杭州星辰建设工程有限公司", "13812345678", email="xc@example.com")  # resembles both
    decisions.not_same(conn, [a, b])
    for cluster in scan.scan(conn).clusters:
        assert {a, b} - {m["customer_id"] for m in cluster.members}, cluster
    assert any(c in {m["customer_id"] for m in cl.members} for cl in scan.scan(conn).clusters)


def test_maintain_never_merges_a_remembered_pair(conn: sqlite3.Connection, db_path: Path, pair: tuple[str, str]) -> None:
    a, b = pair
    decisions.not_same(conn, [a, b])
    summary = maintain.run(db_path, apply=True)
    step = next(s for s in summary["steps"] if s["step"] == "dedupe")
    assert step["status"] == "ok" and step["clusters"] == 0 and step["merged"] == 0
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    assert len(decisions.decisions(conn)) == 1


def test_maintain_merges_the_pair_without_a_decision(db_path: Path, pair: tuple[str, str]) -> None:
    summary = maintain.run(db_path, apply=True)
    assert next(s for s in summary["steps"] if s["step"] == "dedupe")["merged"] == 1


def test_cli_not_same_and_decisions(cli: Runner, pair: tuple[str, str]) -> None:
    a, b = pair
    r = cli("dedupe", "--not-same", a, b)
    assert r.exit_code == 0, r.output
    r = cli("dedupe", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    r = cli("dedupe", "--decisions", "--format", "json")
    assert [(x["customer_a"], x["customer_b"]) for x in json.loads(r.stdout)] == [(a, b)]
    assert cli("dedupe", "--not-same", a).exit_code == 1
    assert cli("dedupe", a, b).exit_code == 2  # ids without --not-same: a usage error
    assert cli("undo", "--yes").exit_code == 0
    assert json.loads(cli("dedupe", "--decisions", "--format", "json").stdout) == []


def test_review_flow_n_marks_not_same(cli: Runner, pair: tuple[str, str]) -> None:
    a, b = pair
    r = cli("dedupe", "--merge", input="n\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 0, r.output
    assert "not the same" in r.stderr
    r = cli("dedupe", "--decisions", "--format", "json")
    assert [(x["customer_a"], x["customer_b"]) for x in json.loads(r.stdout)] == [(a, b)]
