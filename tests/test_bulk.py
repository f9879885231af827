"""Bulk update (`crm update FILTER... --set`) and its guard, on the hand-made database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli import bulk, db
from crmcli.errors import InvalidValue
from tests.query_data import TODAY, copy_of, make_template, snapshot

INTERACTIVE = {"CRM_INTERACTIVE": "1"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def db_path(tmp_path: Path, template: Path) -> Path:
    """Overrides conftest's empty database: a copy of the hand-made one."""
    return copy_of(template, tmp_path)


@pytest.fixture
def filled(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = db.connect(db_path)
    yield conn
    conn.close()


def levels(conn: sqlite3.Connection) -> dict[str, str | None]:
    return dict(conn.execute("SELECT customer_id, level FROM customers ORDER BY customer_id").fetchall())


def ops(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute("SELECT kind, summary FROM operations ORDER BY op_id")]


def test_plan_and_apply_as_a_library(filled: sqlite3.Connection) -> None:
    p = bulk.plan(filled, "customers", ["owner=张伟"], {"客户等级": "高"}, today=TODAY)
    assert p.matched == 2
    assert p.changes == [("C001", {"level": ("vip", "high")}), ("C003", {"level": ("promising", "high")})]
    op_id = bulk.apply(filled, p, ["owner=张伟"])
    assert levels(filled) == {"C001": "high", "C002": "normal", "C003": "high", "C004": None,
                              "C005": "churned", "C006": "vip"}
    assert ops(filled) == [("bulk-update", "update 2 customers where owner=张伟")]
    rows = filled.execute("SELECT row_id, action, old, new FROM changes WHERE op_id = ? ORDER BY row_id",
                          (op_id,)).fetchall()
    assert [(r[0], r[1], json.loads(r[2])["level"], json.loads(r[3])["level"]) for r in rows] == [
        ("C001", "update", "vip", "high"), ("C003", "update", "promising", "high")]
    details = json.loads(filled.execute("SELECT details FROM operations").fetchone()[0])
    assert details == {"table": "customers", "filters": ["owner=张伟"], "set": {"level": "high"}, "matched": 2}


def test_plan_skips_records_already_set(filled: sqlite3.Connection) -> None:
    p = bulk.plan(filled, "customers", ["level=vip|normal"], {"level": "VIP"})
    assert p.matched == 3 and [k for k, _ in p.changes] == ["C002"]


@pytest.mark.parametrize(("args", "raw", "message"), [
    ([], {"level": "高"}, "needs at least one filter"),
    (["  "], {"level": "高"}, "needs at least one filter"),
    (["owner=张伟"], {}, "nothing to change"),
    (["owner=张伟"], {"customer_id": "C9"}, "cannot be set on many"),
    (["owner=张伟"], {"level": "超高"}, "invalid level"),
    (["owner=张伟"], {"created_at": "2024-01-01"}, "kept by the system"),
    (["status=意象"], {"level": "高"}, "did you mean 意向"),
])
def test_plan_refuses(filled: sqlite3.Connection, args: list[str], raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        bulk.plan(filled, "customers", args, raw)


def test_a_failing_record_rolls_back_the_whole_update(filled: sqlite3.Connection) -> None:
    before = snapshot(filled)
    # C003 is already intent; C004 is potential and has no need/budget, which the 潜在 -> 意向 rule refuses
    # The plan already refuses, naming the record (crmcli.rules) ...
    with pytest.raises(InvalidValue, match=r"needs a clear need.*refused for 1 of the 3 matching customers \(C004\)"):
        bulk.plan(filled, "customers", ["owner=张伟|"], {"status": "意向"})
    # ... and a plan that got past it (the data changed in between) still writes all or nothing.
    p = bulk.Plan("customers", {"status": "intent"}, 2, [("C001", {}), ("C004", {})])
    with pytest.raises(InvalidValue, match="needs a clear need"):
        bulk.apply(filled, p, ["owner=张伟|"])
    assert snapshot(filled) == before


def test_cli_asks_on_a_terminal_and_writes_on_yes(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    res = cli("update", "owner=张伟", "--set", "level=高", input="y\n", env=INTERACTIVE)
    assert res.exit_code == 0, res.output
    assert "2 customers match; 2 would change (level=high)" in res.stderr
    assert "Change 2 customers?" in res.stderr
    assert res.stdout.strip() in ("", "y")  # CliRunner echoes the typed answer to stdout; a terminal does not
    assert levels(filled)["C001"] == "high" and levels(filled)["C003"] == "high"
    assert [k for k, _ in ops(filled)] == ["bulk-update"]  # one logged operation for both records


def test_cli_answer_no_writes_nothing(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(filled)
    res = cli("update", "owner=张伟", "--set", "level=高", input="n\n", env=INTERACTIVE)
    assert res.exit_code == 1
    assert "nothing written" in res.stderr
    assert snapshot(filled) == before


def test_cli_without_a_terminal_needs_yes(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(filled)
    res = cli("update", "owner=张伟", "--set", "level=高")
    assert res.exit_code == 1 and "add --yes" in res.stderr
    assert snapshot(filled) == before
    res = cli("update", "owner=张伟", "--set", "level=高", "--yes")
    assert res.exit_code == 0, res.output
    assert levels(filled) == {"C001": "high", "C002": "normal", "C003": "high", "C004": None,
                              "C005": "churned", "C006": "vip"}


def test_cli_dry_run_lists_changes_and_writes_nothing(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(filled)
    res = cli("update", "orders.count=0", "--set", "level=低", "--dry-run")
    assert res.exit_code == 0, res.output
    assert "1 customers match; 1 would change (level=low)" in res.stderr
    assert "C004: level (empty) -> low" in res.stderr
    assert "dry run: nothing written" in res.stderr
    assert snapshot(filled) == before


@pytest.mark.parametrize("targets", [[""], ["  ", ""]])
def test_cli_refuses_an_empty_filter(cli, filled: sqlite3.Connection, targets: list[str]) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(filled)
    res = cli("update", *targets, "--set", "level=高", "--yes")
    assert res.exit_code == 1 and "needs at least one filter" in res.stderr
    assert snapshot(filled) == before


def test_cli_no_match_and_other_tables(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    res = cli("update", "owner=无此人", "--set", "level=高", "--yes")
    assert res.exit_code == 0 and "0 customers match" in res.stderr and "nothing to change" in res.stderr
    res = cli("update", "--table", "交易信息", "status=已取消", "--set", "status=已完成", "--yes")
    assert res.exit_code == 0, res.output
    assert filled.execute("SELECT status FROM orders WHERE order_id = 'DD5'").fetchone()[0] == "completed"
    res = cli("update", "orders", "order_id=DD6", "--set", "status=已取消", "--yes")  # a leading module, as in query
    assert res.exit_code == 0, res.output
    assert filled.execute("SELECT status FROM orders WHERE order_id = 'DD6'").fetchone()[0] == "cancelled"
    res = cli("update", "orders", "", "--set", "status=已取消", "--yes")
    assert res.exit_code == 1 and "needs at least one filter" in res.stderr
    res = cli("update", "!followups.date>=-90d", "tag!=高风险", "--set", "status=潜在流失", "--yes",
              env={"CRM_TODAY": "2024-06-15"})
    assert res.exit_code == 0, res.output
    assert [r[0] for r in filled.execute("SELECT customer_id FROM customers WHERE status = 'at_risk'")] == ["C002", "C004"]


def test_cli_bad_value_is_one_line_and_nothing_changes(cli, filled: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(filled)
    res = cli("update", "owner=张伟", "--set", "satisfaction=9", "--yes")
    assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1
    assert snapshot(filled) == before
