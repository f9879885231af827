"""Merge and unmerge: survivor rule, field rules, child re-pointing, merged-id resolution, exact undo."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crmcli import records
from crmcli.dedupe import merge as mg
from crmcli.errors import CrmError, InvalidValue

SKIP = {"operations", "changes", "merges", "merged_ids", "sqlite_sequence", "sqlite_stat1"}


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every domain table, every column, sorted: the 'before == after' yardstick."""
    out = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        if name in SKIP:
            continue
        out[name] = sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {name}"))
    return out


def _customer(conn, cid, name, created, **extra):
    cols = {"customer_id": cid, "name": name, "created_at": created, "updated_at": created, **extra}
    conn.execute(f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))


@pytest.fixture
def trio(conn: sqlite3.Connection) -> sqlite3.Connection:
    """C1 (oldest) and C2, C3: the same company typed three ways, each with its own records."""
    _customer(conn, "C1", "北京华信科技有限公司", "2024-01-01 09:00:00", phone="13812345678", industry="制造业",
              first_contact_date="2024-01-05", notes="老客户")
    _customer(conn, "C2", "华信科技(北京)有限公司", "2024-02-01 09:00:00", phone="010-62345678",
              email="info@huaxin.cn", industry="软件业", address="北京市海淀区", first_contact_date="2023-11-20",
              owner="王经理")
    _customer(conn, "C3", "北京華信科技有限責任公司", "2024-03-01 09:00:00", email="sales@huaxin.cn",
              owner="李经理", size="100-500人")
    conn.executemany("INSERT INTO contacts (customer_id, name, role, phone, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                     [("C1", "张三", "main", "13812345678", "2024-01-01 09:00:00", "2024-01-01 09:00:00"),
                      ("C2", "李四", "main", "13900001111", "2024-02-01 09:00:00", "2024-02-02 10:00:00")])
    conn.executemany("INSERT INTO followups (followup_id, customer_id, date, summary, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?)",
                     [("F1", "C1", "2024-01-10", "初次沟通", "2024-01-10 10:00:00", "2024-01-10 10:00:00"),
                      ("F2", "C2", "2024-02-10", "需求跟进", "2024-02-10 10:00:00", "2024-02-11 08:00:00")])
    conn.execute("INSERT INTO orders (order_id, customer_id, date, amount, created_at, updated_at) "
                 "VALUES ('DD1', 'C3', '2024-03-05', 50000, '2024-03-05 10:00:00', '2024-03-06 10:00:00')")
    conn.execute("INSERT INTO tickets (ticket_id, customer_id, date, created_at, updated_at) "
                 "VALUES ('SR1', 'C2', '2024-02-20', '2024-02-20 10:00:00', '2024-02-20 11:00:00')")
    conn.execute("INSERT INTO needs (need_id, customer_id, description, created_at, updated_at) "
                 "VALUES ('D1', 'C3', '定制', '2024-03-02 10:00:00', '2024-03-02 10:00:00')")
    conn.executemany("INSERT INTO tags (customer_id, tag, tag_group, updated_at) VALUES (?,?,?,?)",
                     [("C1", "重点跟进", "other", "2024-01-01 09:00:00"),
                      ("C2", "重点跟进", "need", "2024-02-01 09:00:00"),
                      ("C3", "价格敏感", "behaviour", "2024-03-01 09:00:00")])
    conn.execute("INSERT INTO segment_runs (run_id, run_date, rules) VALUES (1, '2024-04-01', 'x')")
    conn.executemany("INSERT INTO customer_segments (run_id, customer_id, segment) VALUES (1, ?, ?)",
                     [("C1", "普通"), ("C2", "潜力")])
    conn.execute("INSERT INTO status_history (customer_id, old_status, new_status, changed_at) "
                 "VALUES ('C3', 'potential', 'intent', '2024-03-03 10:00:00')")
    return conn


def test_plan_picks_oldest_fills_empty_and_keeps_conflicts(trio):
    p = mg.plan(trio, ["C3", "C2", "C1"])
    assert p.survivor == "C1"
    assert p.merged == ["C2", "C3"]
    assert p.fills["email"] == ("info@huaxin.cn", "C2")       # older donor first
    assert p.fills["address"] == ("北京市海淀区", "C2")
    assert p.fills["owner"] == ("王经理", "C2")
    assert p.fills["size"] == ("100-500人", "C3")
    assert p.fills["first_contact_date"] == ("2023-11-20", "C2")  # earliest wins
    assert "industry" not in p.fills
    assert p.conflicts["industry"] == {"C1": "制造业", "C2": "软件业"}
    assert p.conflicts["owner"] == {"C2": "王经理", "C3": "李经理"}
    assert "notes" not in p.conflicts


def test_plan_with_named_survivor_and_bad_input(trio):
    assert mg.plan(trio, ["C1", "C2"], survivor="C2").survivor == "C2"
    with pytest.raises(InvalidValue, match="--survivor C3 is not one of the customers being merged"):
        mg.plan(trio, ["C1", "C2"], survivor="C3")  # issue 14: it merged into an unrelated third customer
    with pytest.raises(InvalidValue):
        mg.plan(trio, ["C1", "C1"])
    with pytest.raises(CrmError):
        mg.plan(trio, ["C1", "C404"])


def test_merge_moves_children_and_resolves_old_ids(trio):
    res = mg.merge(trio, ["C1", "C2", "C3"])
    assert res.plan.survivor == "C1"
    assert [r[0] for r in trio.execute("SELECT customer_id FROM customers")] == ["C1"]
    for table in ("followups", "orders", "tickets", "needs"):
        assert {r[0] for r in trio.execute(f"SELECT DISTINCT customer_id FROM {table}")} == {"C1"}, table
    assert sorted(tuple(r) for r in trio.execute("SELECT name, role FROM contacts")) == [("张三", "main"), ("李四", "related")]
    # the survivor's tag wins a collision; the other tag moves
    assert sorted(tuple(r) for r in trio.execute("SELECT customer_id, tag, tag_group FROM tags")) == \
        [("C1", "价格敏感", "behaviour"), ("C1", "重点跟进", "other")]
    assert [tuple(r) for r in trio.execute("SELECT customer_id, segment FROM customer_segments")] == [("C1", "普通")]
    assert [r[0] for r in trio.execute("SELECT customer_id FROM status_history")] == ["C1"]
    c1 = trio.execute("SELECT email, owner, size, industry, first_contact_date FROM customers").fetchone()
    assert tuple(c1) == ("info@huaxin.cn", "王经理", "100-500人", "制造业", "2023-11-20")
    assert records.resolve_customer(trio, "C3") == "C1"
    card = records.customer_card(trio, "C2")
    assert card["merged_from"] == "C2" and card["customer"]["customer_id"] == "C1"
    assert res.moved == {"contacts": 1, "followups": 1, "orders": 1, "tickets": 1, "needs": 1, "tags": 1,
                         "status_history": 1}
    assert res.dropped == {"tags": 1, "customer_segments": 1}
    row = trio.execute("SELECT survivor_id, merged_ids, conflicts FROM merges").fetchone()
    assert row[0] == "C1" and json.loads(row[1]) == ["C2", "C3"]
    assert json.loads(row[2])["industry"] == {"C1": "制造业", "C2": "软件业"}
    op = trio.execute("SELECT kind, summary FROM operations ORDER BY op_id DESC").fetchone()
    assert op["kind"] == "merge" and "C2, C3 into C1" in op["summary"]
    actions = {tuple(r) for r in trio.execute("SELECT table_name, action FROM changes")}
    assert {("customers", "delete"), ("customers", "update"), ("orders", "update"), ("tags", "delete")} <= actions


def test_unmerge_restores_every_row_exactly(trio):
    before = dump(trio)
    res = mg.merge(trio, ["C1", "C2", "C3"])
    assert dump(trio) != before
    undo = mg.unmerge(trio, res.merge_id)
    assert undo.collisions == []
    assert dump(trio) == before
    assert trio.execute("SELECT count(*) FROM merged_ids").fetchone()[0] == 0
    assert trio.execute("SELECT undone_at FROM merges").fetchone()[0] is not None
    with pytest.raises(CrmError, match="already undone"):
        mg.unmerge(trio, res.merge_id)


def test_unmerge_keeps_later_changes_and_reports_collisions(trio):
    res = mg.merge(trio, ["C1", "C2", "C3"])
    records.update(trio, "C1", {"level": "VIP", "email": "boss@huaxin.cn"})  # unrelated + a merge-filled field
    records.update(trio, "F2", {"summary": "改过"})
    records.add(trio, "followups", {"customer_id": "C1", "date": "2024-05-01", "summary": "合并后新增"})
    trio.execute("DELETE FROM orders WHERE order_id = 'DD1'")
    undo = mg.unmerge(trio, res.merge_id)
    c1 = trio.execute("SELECT level, email, owner, size FROM customers WHERE customer_id = 'C1'").fetchone()
    assert tuple(c1) == ("vip", "boss@huaxin.cn", None, None)   # later edits kept, merge fills undone
    assert trio.execute("SELECT customer_id, summary FROM followups WHERE followup_id = 'F2'").fetchone()[:] == ("C2", "改过")
    assert trio.execute("SELECT count(*) FROM followups WHERE customer_id = 'C1'").fetchone()[0] == 2
    assert any("C1.email" in c for c in undo.collisions)
    assert any("followups F2" in c for c in undo.collisions)
    assert any("orders DD1" in c and "deleted" in c for c in undo.collisions)
    assert trio.execute("SELECT name FROM customers WHERE customer_id = 'C3'").fetchone()[0] == "北京華信科技有限責任公司"


def test_chained_merges_unwind_in_order(trio):
    before = dump(trio)
    first = mg.merge(trio, ["C2", "C3"])                   # C2 survives
    second = mg.merge(trio, ["C1", "C2"])                  # C1 survives, C3 now resolves through C2
    assert records.resolve_customer(trio, "C3") == "C1"
    with pytest.raises(CrmError, match=f"undo merge {second.merge_id} first"):
        mg.unmerge(trio, first.merge_id)
    mg.unmerge(trio, second.merge_id)
    assert records.resolve_customer(trio, "C3") == "C2"
    mg.unmerge(trio, first.merge_id)
    assert dump(trio) == before


def test_merge_failure_writes_nothing(trio):
    before = dump(trio)
    with pytest.raises(CrmError):
        mg.merge(trio, ["C1", "C9"])
    assert dump(trio) == before
    assert trio.execute("SELECT count(*) FROM merges").fetchone()[0] == 0
