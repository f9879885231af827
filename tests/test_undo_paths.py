"""Undo never dead-ends (issue 14, finding 9): after a merge and its unmerge, `crm undo` walks on
past the pair and an unmerge names the merge that joins the customers again; undoing a
segment run takes its figures (customer_metrics) with it; `--survivor` must be a merged id."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from crmcli import records
from tests.dbdump import dump


def ids(cli) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    a = cli("add", "customer", "--name", "甲公司", "--phone", "13812345678").stdout.strip()
    b = cli("add", "customer", "--name", "甲公司分部", "--phone", "13812345679").stdout.strip()
    c = cli("add", "customer", "--name", "丙公司", "--phone", "13812345670").stdout.strip()
    return a, b, c


def last_op(db_path: Path) -> int:
    return int(sqlite3.connect(db_path).execute("SELECT max(op_id) FROM operations").fetchone()[0])


def test_after_merge_and_unmerge_undo_walks_on_and_the_unmerge_names_a_working_merge(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _c = ids(cli)
    assert cli("merge", a, b, "--yes").exit_code == 0
    merge_op = last_op(db_path)
    assert cli("unmerge", "1").exit_code == 0
    unmerge_op = last_op(db_path)
    r = cli("undo", str(merge_op), "--yes")
    assert r.exit_code == 1 and f"already undone by operation {unmerge_op}" in r.stderr
    r = cli("undo", str(unmerge_op), "--yes")
    assert r.exit_code == 1 and "crm merge" in r.stderr
    suggested = r.stderr.split("`crm ")[1].split("`")[0].split()  # the command it offers
    # Before the fix: "undo 8 first" here, and "already unmerged" for 8.
    r = cli("undo", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "undo operation 3" in r.stderr or "operation 3" in r.stderr  # the add of c, past the pair
    assert cli(*suggested, "--yes").exit_code == 0  # the offered path works …
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    assert cli("undo", "--yes").exit_code == 0  # … and is itself undoable
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM customers").fetchone()[0] == 2


def test_survivor_must_be_one_of_the_merged_ids(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, c = ids(cli)
    before = dump(db_path)
    r = cli("merge", a, b, "--survivor", c, "--yes")
    assert r.exit_code == 1 and f"--survivor {c} is not one of the customers being merged" in r.stderr
    assert dump(db_path) == before
    r = cli("merge", a, b, "--survivor", b, "--yes")
    assert r.exit_code == 0, r.stderr
    assert [x[0] for x in sqlite3.connect(db_path).execute("SELECT customer_id FROM customers ORDER BY 1")] == [b, c]


def test_undoing_a_segment_run_removes_its_figures(conn: sqlite3.Connection) -> None:
    from crmcli import undo
    from crmcli.segments import rules, runs

    cid = records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    records.add(conn, "orders", {"customer_id": cid, "date": date.today().isoformat(), "amount": 90000})
    earlier = date.today() - timedelta(days=7)
    runs.run(conn, rules.load(), earlier)
    runs.run(conn, rules.load())
    metrics = "SELECT as_of, count(*) FROM customer_metrics GROUP BY as_of"
    assert [tuple(r) for r in conn.execute(metrics)] == [(date.today().isoformat(), 1)]
    undo.undo(conn)  # the second run: the figures are the first run's again
    assert [tuple(r) for r in conn.execute(metrics)] == [(earlier.isoformat(), 1)]
    undo.undo(conn)  # the first run: no run, no figures
    assert conn.execute("SELECT count(*) FROM customer_metrics").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM segment_runs").fetchone()[0] == 0
