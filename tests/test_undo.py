"""Undo: every kind of logged change reversed exactly, and refusals that name the culprit."""

from __future__ import annotations

import sqlite3

import pytest

from crmcli import audit, bulk, demo_data, records, undo
from crmcli.errors import NotFound


def dump(conn: sqlite3.Connection, *skip: str) -> list[str]:
    """The data of the database, minus the log (undo adds to the log by design)."""
    skip_tables = {"operations", "changes", *skip}
    return [line for line in conn.iterdump()
            if not any(line.startswith(f'INSERT INTO "{t}"') for t in skip_tables)]


def add(conn: sqlite3.Connection, name: str, phone: str, **more: str) -> str:
    return records.add(conn, "customers", {"name": name, "phone": phone, **more})


def test_undo_add_deletes_the_record(conn: sqlite3.Connection) -> None:
    before = dump(conn)
    cid = add(conn, "北京华信科技有限公司", "13812345678")
    res = undo.undo(conn)
    assert res.counts == {"insert": 0, "update": 0, "delete": 1}
    assert conn.execute("SELECT count(*) FROM customers WHERE customer_id = ?", (cid,)).fetchone()[0] == 0
    assert [x for x in dump(conn, "id_counters") if "id_counters" not in x] == [x for x in before if "id_counters" not in x]


def test_undo_update_restores_old_row_including_updated_at(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    conn.execute("UPDATE customers SET updated_at = '2020-01-02 03:04:05' WHERE customer_id = ?", (cid,))
    before = dump(conn)
    records.update(conn, cid, {"level": "VIP", "phone": "13900001111", "owner": "张伟"})
    assert conn.execute("SELECT level FROM customers").fetchone()[0] == "vip"
    undo.undo(conn)
    assert dump(conn) == before
    row = conn.execute("SELECT level, phone, owner, updated_at FROM customers").fetchone()
    assert tuple(row) == (None, "13812345678", None, "2020-01-02 03:04:05")


def test_undo_status_change_leaves_no_trace_in_status_history(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    before = dump(conn)
    records.update(conn, cid, {"status": "active"})
    assert conn.execute("SELECT count(*) FROM status_history").fetchone()[0] == 1
    undo.undo(conn)
    assert conn.execute("SELECT count(*) FROM status_history").fetchone()[0] == 0
    assert dump(conn) == before


def test_undo_of_undo_redoes(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    records.update(conn, cid, {"status": "active"})
    after_update = dump(conn)
    first = undo.undo(conn)
    redo = undo.undo(conn, first.undo_op_id)
    assert dump(conn, "status_history") == [x for x in after_update if not x.startswith('INSERT INTO "status_history"')]
    assert conn.execute("SELECT new_status FROM status_history").fetchall()[0][0] == "active"
    # the original update counts as live again; the undo is undone
    ops = {r["op_id"]: r["undone_by"] for r in conn.execute("SELECT op_id, undone_by FROM operations")}
    assert ops[first.op_id] is None and ops[first.undo_op_id] == redo.undo_op_id


def test_undo_tag_removal_puts_it_back(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    records.tag(conn, cid, ["重点维护", "behaviour:价格敏感"], [])
    before = dump(conn)
    records.tag(conn, cid, [], ["重点维护"])
    undo.undo(conn)
    assert dump(conn) == before


def test_undo_bulk_update_restores_every_row(conn: sqlite3.Connection) -> None:
    ids = [add(conn, f"制造公司{i}", f"1381234560{i}", industry="制造业") for i in range(5)]
    add(conn, "软件公司", "13912345678", industry="软件")
    before = dump(conn)
    plan = bulk.plan(conn, "customers", ["industry~制造"], {"owner": "李娜", "level": "VIP"})
    op_id = bulk.apply(conn, plan, ["industry~制造"])
    assert conn.execute("SELECT count(*) FROM customers WHERE owner = '李娜'").fetchone()[0] == 5
    res = undo.undo(conn, op_id)
    assert res.counts["update"] == 5
    assert dump(conn) == before
    assert len(ids) == 5


def test_refuses_when_a_later_operation_changed_the_same_row(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    records.update(conn, cid, {"level": "VIP"})
    first = conn.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    records.update(conn, cid, {"owner": "张伟"})
    second = conn.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    before = dump(conn)
    with pytest.raises(undo.UndoRefusedError, match=rf"operation {second} \(update {cid}.*crm undo {second}"):
        undo.undo(conn, first)
    assert dump(conn) == before  # refused: nothing changed
    undo.undo(conn, second)  # newest first works, then the older one
    undo.undo(conn, first)
    assert conn.execute("SELECT level, owner FROM customers").fetchone()[:] == (None, None)


def test_refuses_deleting_a_customer_that_later_got_records(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    add_op = conn.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    fid = records.add(conn, "followups", {"customer_id": cid, "summary": "电话沟通"})
    with pytest.raises(undo.UndoRefusedError, match=f"followups {fid} of customer {cid}"):
        undo.undo(conn, add_op)
    assert conn.execute("SELECT count(*) FROM followups").fetchone()[0] == 1


def test_an_undone_later_operation_no_longer_blocks(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    records.update(conn, cid, {"level": "VIP"})
    first = conn.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    records.update(conn, cid, {"owner": "张伟"})
    undo.undo(conn)  # the owner change
    undo.undo(conn, first)
    assert conn.execute("SELECT level, owner FROM customers").fetchone()[:] == (None, None)


def test_refuses_twice_and_refuses_restore_and_empty_ops(conn: sqlite3.Connection) -> None:
    add(conn, "甲公司", "13812345678")
    res = undo.undo(conn)
    with pytest.raises(undo.UndoRefusedError, match=f"already undone by operation {res.undo_op_id}"):
        undo.undo(conn, res.op_id)
    with audit.operation(conn, "restore", "restore from x.db") as op:
        restore_op = op.op_id
    with pytest.raises(undo.UndoRefusedError, match="safety copy"):
        undo.undo(conn, restore_op)
    with audit.operation(conn, "export", "export --unmask") as op:
        export_op = op.op_id
    with pytest.raises(undo.UndoRefusedError, match="changed no rows"):
        undo.undo(conn, export_op)
    with pytest.raises(NotFound, match="no operation 999"):
        undo.undo(conn, 999)


def test_refuses_when_the_row_was_changed_outside_the_log(conn: sqlite3.Connection) -> None:
    cid = add(conn, "甲公司", "13812345678")
    records.update(conn, cid, {"level": "VIP"})
    conn.execute("UPDATE customers SET owner = '外部工具' WHERE customer_id = ?", (cid,))
    with pytest.raises(undo.UndoRefusedError, match="changed since"):
        undo.undo(conn)
    assert conn.execute("SELECT level FROM customers").fetchone()[0] == "vip"


def test_bulk_import_style_key_only_inserts_are_undone_by_key(conn: sqlite3.Connection) -> None:
    before = dump(conn)
    with audit.operation(conn, "import", "import 3 customers") as op:
        for i in range(3):
            conn.execute("INSERT INTO customers (customer_id, name, phone) VALUES (?, ?, ?)",
                         (f"C20240101{i:03d}", f"导入公司{i}", f"1381234500{i}"))
        conn.execute("INSERT INTO changes (op_id, table_name, row_id, customer_id, action) "
                     "SELECT ?, 'customers', customer_id, customer_id, 'insert' FROM customers", (op.op_id,))
    res = undo.undo(conn)
    assert res.counts["delete"] == 3
    assert dump(conn) == before


def test_nothing_to_undo(conn: sqlite3.Connection) -> None:
    with pytest.raises(NotFound, match="nothing to undo"):
        undo.undo(conn)


# ---------------------------------------------------------------------------- CLI

def test_cli_undo_asks_without_yes_and_says_what_it_did(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("add", "customer", "--name", "甲公司", "--phone", "13812345678")
    cid = r.stdout.strip()
    cli("update", cid, "--set", "level=VIP")
    r = cli("undo")
    assert r.exit_code == 1 and "add --yes" in r.stderr
    r = cli("undo", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "1 restored" in r.stderr and "operation 3" in r.stderr
    r = cli("query", f"customer_id={cid}", "--columns", "level", "--format", "csv")
    assert r.stdout.splitlines() == ["level", '""']
    r = cli("undo", "2", "--yes")
    assert r.exit_code == 1 and "already undone by operation 3" in r.stderr
    r = cli("undo", "--yes", env={"CRM_INTERACTIVE": "0"})
    assert r.exit_code == 0  # the add itself, now the newest live operation
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_cli_undo_confirms_on_a_terminal(cli) -> None:  # type: ignore[no-untyped-def]
    cli("add", "customer", "--name", "甲公司", "--phone", "13812345678")
    r = cli("undo", input="n\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 1 and "nothing undone" in r.stderr
    assert "added customer_id=" in r.stderr and "phone=138****5678" in r.stderr  # the preview, masked
    r = cli("undo", input="y\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 0 and "1 removed" in r.stderr


def test_undo_of_a_real_merge_is_its_exact_unmerge(conn: sqlite3.Connection) -> None:
    from crmcli.dedupe import merge

    a = add(conn, "北京华信科技有限公司", "13812345678")
    b = add(conn, "北京华信科技", "13812345678", owner="张伟")
    records.add(conn, "orders", {"customer_id": b, "amount": "5万", "date": "2024-05-01"})
    records.tag(conn, b, ["重点维护"], [])
    before = dump(conn)
    res = merge.merge(conn, [a, b], a)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    u = undo.undo(conn)  # the newest live operation is the merge
    assert u.via == f"unmerge {res.merge_id}"
    assert dump(conn, "merges", "merged_ids", "status_history") == [
        x for x in before if not x.startswith(('INSERT INTO "merges"', 'INSERT INTO "merged_ids"',
                                               'INSERT INTO "status_history"'))]
    with pytest.raises(undo.UndoRefusedError, match="already undone"):
        undo.undo(conn, u.op_id)


def test_undo_of_a_segment_run_reverts_it(conn: sqlite3.Connection) -> None:
    from crmcli.segments import rules, runs

    demo_data.build(conn, seed=7)
    before = dump(conn)
    res = runs.run(conn, rules.load())
    assert conn.execute("SELECT count(*) FROM customers WHERE segment IS NOT NULL").fetchone()[0] > 0
    u = undo.undo(conn)
    assert u.op_id == res.op_id and u.via == f"revert segment run {res.run_id}"
    # customer_metrics is the segment module's cache of derived figures, rebuilt by every run;
    # sorted: a run re-creates the customers_touch trigger, which moves it in the dump order
    assert sorted(dump(conn, "customer_metrics")) == sorted(
        x for x in before if not x.startswith('INSERT INTO "customer_metrics"'))


def test_undo_of_a_real_import_batch(cli, db_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "客户.csv"
    csv.write_text("客户名称,联系电话,客户类型\n" + "".join(f"导入公司{i},1381234{i:04d},老客户\n" for i in range(200)),
                   encoding="utf-8")
    cli("add", "customer", "--name", "原有公司", "--phone", "13900000000")
    conn = sqlite3.connect(db_path)
    before = dump(conn, "id_counters")
    r = cli("import", str(csv))
    assert r.exit_code == 0, r.stderr
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 201
    first = conn.execute("SELECT customer_id FROM customers WHERE name = '导入公司7'").fetchone()[0]
    r = cli("update", first, "--set", "level=VIP")
    r = cli("undo", "2", "--yes")  # the import, while a later update touched one of its rows
    assert r.exit_code == 1 and "operation 3" in r.stderr
    assert cli("undo", "--yes").exit_code == 0  # the update
    r = cli("undo", "--yes")  # now the import
    assert r.exit_code == 0, r.stderr
    assert "200 removed" in r.stderr
    assert dump(conn, "id_counters") == before


def test_repeated_undo_walks_back_through_delegated_operations(conn: sqlite3.Connection) -> None:
    from crmcli.dedupe import merge
    from crmcli.segments import rules, runs

    a = add(conn, "北京华信科技有限公司", "13812345678")
    b = add(conn, "北京华信科技", "13812345678")
    c = add(conn, "上海星河软件", "13900001111")
    records.update(conn, c, {"level": "VIP"})
    m = merge.merge(conn, [a, b], a)
    run = runs.run(conn, rules.load())
    first = undo.undo(conn)  # the segment run
    assert first.op_id == run.op_id and first.via == f"revert segment run {run.run_id}"
    second = undo.undo(conn)  # not the revert just made: the merge
    assert second.via == f"unmerge {m.merge_id}"
    third = undo.undo(conn)  # then the level change
    assert third.via is None and conn.execute("SELECT level FROM customers WHERE customer_id = ?", (c,)).fetchone()[0] is None
    with pytest.raises(undo.UndoRefusedError, match=f"is an unmerge; to join those customers again: `crm merge {a} {b} "
                       f"--survivor {a}`"):
        undo.undo(conn, second.undo_op_id)  # the unmerge itself: the way back is a new merge
    with pytest.raises(undo.UndoRefusedError, match="through its feature"):
        undo.undo(conn, first.undo_op_id)  # the revert itself
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 3


def test_a_merge_unmerged_by_hand_is_not_undone_again(conn: sqlite3.Connection) -> None:
    from crmcli.dedupe import merge

    a = add(conn, "北京华信科技有限公司", "13812345678")
    b = add(conn, "北京华信科技", "13812345678")
    m = merge.merge(conn, [a, b], a)
    merge_op = conn.execute("SELECT op_id FROM merges WHERE merge_id = ?", (m.merge_id,)).fetchone()[0]
    merge.unmerge(conn, m.merge_id)
    unmerge_op = conn.execute("SELECT max(op_id) FROM operations").fetchone()[0]
    with pytest.raises(undo.UndoRefusedError, match=f"operation {merge_op} was already undone by operation {unmerge_op}"):
        undo.undo(conn, merge_op)
    with pytest.raises(undo.UndoRefusedError, match=f"is an unmerge; to join those customers again: `crm merge {a} {b}"):
        undo.undo(conn, unmerge_op)
    assert undo.last_undoable(conn) == 2  # past the merge and the unmerge: the add of b
