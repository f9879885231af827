"""One rule set (crmcli.rules): every rule's violating record refused the same way by every write path —
add, update, bulk update, import (new rows and --on-conflict update rows) and merge — with nothing written."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crmcli import bulk, doctor, records, rules
from crmcli.dedupe import merge as merging
from crmcli.errors import CrmError
from crmcli.importer import import_file

BAD_LABEL = "invalid source 'bogus'"
# rule -> (the violating values, the refusal every path must give)
RULES: dict[str, tuple[dict[str, str], str]] = {
    "name": ({"name": ""}, rules.NEEDS_NAME),
    "contact": ({"phone": "", "email": ""}, rules.NEEDS_CONTACT),
    "intent": ({"status": "意向"}, rules.NEEDS_INTENT),
    "label": ({"source": "bogus"}, BAD_LABEL),
}
# The same violation as a record another tool (or an older crmcli) stored, for merge: stored values.
STORED = {"name": {"name": " "}, "contact": {"phone": None, "email": None}, "intent": {"status": "intent"},
          "label": {"source": "bogus"}}
HEADERS = {"name": "客户全称", "phone": "联系电话", "email": "联系邮箱", "status": "合作状态", "source": "客户来源"}


def state(conn: sqlite3.Connection) -> list[str]:
    return [line for line in conn.iterdump() if "INSERT INTO \"operations\"" not in line]


@pytest.fixture
def base(conn: sqlite3.Connection) -> sqlite3.Connection:
    """C1: a valid potential customer with a phone; C2 a second one (the bulk update matches both)."""
    records.add(conn, "customers", {"customer_id": "C1", "name": "甲公司", "phone": "13812345678", "owner": "张伟"})
    records.add(conn, "customers", {"customer_id": "C2", "name": "乙公司", "email": "b@yi.cn", "owner": "张伟"})
    return conn


def _add(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    records.add(conn, "customers", {"name": "丙公司", "phone": "13900000000", **bad})


def _update(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    records.update(conn, "C1", bad)


def _bulk(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    p = bulk.plan(conn, "customers", ["owner=张伟"], bad)
    bulk.apply(conn, p, ["owner=张伟"])


def _csv(tmp: Path, header: list[str], row: list[str]) -> str:
    path = tmp / "c.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    return str(path)


def _import_new(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    record = {"name": "丙公司", "phone": "13900000000", **bad}
    import_file(conn, _csv(tmp, [HEADERS[k] for k in record], list(record.values())))


def _import_update(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    if rule == "name":  # a field that cannot be empty keeps its stored value when the cell is emptied
        pytest.skip("import --on-conflict update never empties a required field")
    record = {"客户编号": "C1", "客户全称": "甲公司", **{HEADERS[k]: v for k, v in bad.items()}}
    import_file(conn, _csv(tmp, list(record), list(record.values())), on_conflict="update")


def _merge(conn: sqlite3.Connection, bad: dict[str, str], tmp: Path, rule: str) -> None:
    # the violating record is stored (as an older crmcli or another tool left it), then merged with C2
    cols = {"customer_id": "C0", "name": "甲公司", "phone": "13812345678", "created_at": "2020-01-01 00:00:00",
            **STORED[rule]}
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
    if rule == "name":  # a blank name is filled from the other record: both blank, nothing to fill it with
        conn.execute("UPDATE customers SET name = ' ' WHERE customer_id = 'C2'")
    conn.execute("PRAGMA ignore_check_constraints = OFF")
    if rule == "contact":
        conn.execute("UPDATE customers SET email = NULL WHERE customer_id = 'C2'")
    before = state(conn)
    try:
        merging.merge(conn, ["C0", "C2"])
    finally:
        assert state(conn) == before


PATHS: dict[str, Callable[[sqlite3.Connection, dict[str, str], Path, str], None]] = {
    "add": _add, "update": _update, "bulk update": _bulk, "import": _import_new,
    "import --on-conflict update": _import_update, "merge": _merge}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("path", list(PATHS))
def test_every_write_path_refuses_every_rule_alike(base: sqlite3.Connection, tmp_path: Path, rule: str,
                                                   path: str) -> None:
    bad, message = RULES[rule]
    before = state(base)
    with pytest.raises(CrmError) as refused:
        PATHS[path](base, bad, tmp_path, rule)
    assert message in str(refused.value)
    if path != "merge":  # merge compares inside (its record was planted first)
        assert state(base) == before


def test_the_importer_keeps_no_copy_of_the_rules() -> None:
    """The messages live in crmcli.rules only: no other module spells them out."""
    src = Path(rules.__file__).parent
    for py in src.rglob("*.py"):
        if py.name == "rules.py":
            continue
        text = py.read_text(encoding="utf-8")
        for msg in (rules.NEEDS_NAME, rules.NEEDS_CONTACT, "needs a clear need"):
            assert msg not in text, f"{py} spells out a rule: {msg}"


def test_issue_example_is_refused_by_import_as_by_add(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, ["客户全称", "联系电话", "合作状态"], ["某某科技有限公司", "13812345678", "意向"])
    imp = cli("import", path)
    add = cli("add", "customer", "--name", "某某科技有限公司", "--phone", "13812345678", "--status", "意向")
    assert imp.exit_code == add.exit_code == 1
    assert rules.NEEDS_INTENT in imp.stderr and rules.NEEDS_INTENT in add.stderr
    ok = _csv(tmp_path, ["客户全称", "联系电话", "合作状态", "需求背景", "预算范围"],
              ["某某科技有限公司", "13812345678", "意向", "ERP 升级", "50万"])
    assert cli("import", ok).exit_code == 0


def test_update_and_bulk_cannot_leave_a_customer_without_contact(cli, base: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    one = cli("update", "C1", "--set", "phone=", "--set", "email=")
    assert one.exit_code == 1 and rules.NEEDS_CONTACT in one.stderr and "Traceback" not in one.output
    many = cli("update", "owner=张伟", "--set", "phone=", "--set", "email=", "--yes")
    assert many.exit_code == 1 and rules.NEEDS_CONTACT in many.stderr and "C1, C2" in many.stderr
    dry = cli("update", "owner=张伟", "--set", "phone=", "--dry-run")  # C2 keeps its e-mail, C1 would have nothing
    assert dry.exit_code == 1 and "refused for 1 of the 2 matching customers (C1)" in dry.stderr
    assert base.execute("SELECT count(*) FROM customers WHERE phone IS NULL AND email IS NULL").fetchone()[0] == 0
    # moving the contact is fine: one in, one out
    ok = cli("update", "C1", "--set", "phone=", "--set", "email=jia@jia.cn")
    assert ok.exit_code == 0, ok.output


def test_doctor_lists_customers_without_contact(cli, base: sqlite3.Connection) -> None:  # type: ignore[no-untyped-def]
    base.execute("UPDATE customers SET phone = NULL WHERE customer_id = 'C1'")  # another tool's write
    found = [f for f in doctor.diagnose(base) if f.check == "unreachable"]
    assert [(f.table, f.count, f.examples, f.fix) for f in found] == [("customers", 1, ["C1"], None)]
    res = cli("doctor")
    assert res.exit_code != 0 and "1 customers have neither phone nor email" in res.output


def test_a_merge_that_would_break_a_rule_is_left_for_review_by_maintain(base: sqlite3.Connection) -> None:
    from crmcli.dedupe import scan

    base.execute("PRAGMA ignore_check_constraints = ON")
    base.execute("INSERT INTO customers (customer_id, name, source) VALUES ('C9', '甲公司', 'bogus')")
    base.execute("PRAGMA ignore_check_constraints = OFF")
    cluster = scan.Cluster(1, 99.0, "C1", True, [{"customer_id": "C1"}, {"customer_id": "C9"}])
    scan.auto_merge(base, [cluster])
    assert cluster.action == "review" and BAD_LABEL in (cluster.refused or "")
    assert base.execute("SELECT count(*) FROM merges").fetchone()[0] == 0


def test_problems_reads_kept_aside_contacts_as_present() -> None:
    assert rules.problems({"name": "甲"}) == [rules.NEEDS_CONTACT]
    assert rules.problems({"name": "甲"}, kept={"phone"}) == []
    # the intent rule is about the move: an intent customer stays intent without it being asked again
    assert rules.problems({"name": "甲", "phone": "1", "status": "intent"}, {"status": "intent"}) == []
    assert rules.problems({"name": "甲", "phone": "1", "status": "intent"}, {"status": "potential"}) == [
        rules.NEEDS_INTENT]
