"""crm maintain: the monthly job's steps, its lock, its JSON summary and exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmcli import maintain, records

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_run_backs_up_first_then_checks_and_summarises(conn: sqlite3.Connection, db_path: Path) -> None:
    records.add(conn, "customers", {"name": "甲公司", "phone": "13812345678"})
    summary = maintain.run(db_path)
    steps = {s["step"]: s for s in summary["steps"]}
    assert [s["step"] for s in summary["steps"]][:2] == ["backup", "doctor"]
    assert Path(steps["backup"]["file"]).exists() and steps["backup"]["counts"]["customers"] == 1
    assert steps["doctor"]["status"] == "ok"
    assert all(isinstance(s["seconds"], float) and s["seconds"] >= 0 for s in summary["steps"])  # cron log: where time went
    assert summary["damage_check_seconds"] >= 0
    assert summary["exit_code"] == maintain.EXIT_OK and summary["ok"] is True
    assert oct(os.stat(maintain.lock_path(db_path)).st_mode & 0o777) == "0o600"


def test_problems_found_give_exit_3_and_the_job_still_finishes(conn: sqlite3.Connection, db_path: Path) -> None:
    conn.execute("DROP INDEX idx_customers_phone")
    summary = maintain.run(db_path)
    steps = {s["step"]: s for s in summary["steps"]}
    assert steps["doctor"]["status"] == "problems" and steps["doctor"]["problems"] == 1
    assert summary["exit_code"] == maintain.EXIT_PROBLEMS
    assert len(summary["steps"]) == 5


def test_a_failed_backup_stops_before_anything_is_changed(db_path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    summary = maintain.run(db_path, backup_dir=blocker / "sub", apply=True)
    assert summary["exit_code"] == maintain.EXIT_FAILED
    assert [(s["step"], s["status"]) for s in summary["steps"]] == [
        ("backup", "failed"), ("doctor", "skipped"), ("dedupe", "skipped"), ("segments", "skipped"), ("report", "skipped")]


def test_second_run_is_refused_while_the_first_holds_the_lock(db_path: Path) -> None:
    with maintain.exclusive(db_path), pytest.raises(maintain.MaintainBusyError, match=f"pid {os.getpid()}"):
        maintain.run(db_path)
    assert maintain.run(db_path)["exit_code"] == 0  # released afterwards


def test_cli_json_summary_and_busy_exit_code_with_a_real_second_process(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("maintain", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["applied"] is False and data["exit_code"] == 0
    assert "without --yes" in r.stderr
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from crmcli import maintain\n"
         "with maintain.exclusive(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)\n", str(db_path)],
        env={**os.environ, "PYTHONPATH": SRC}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = cli("maintain", "--yes", "--format", "json")
        assert r.exit_code == maintain.EXIT_BUSY
        assert f"another crm maintain is running on this database (pid {holder.pid}" in r.stderr
        assert r.stdout == ""
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.05)
    assert cli("maintain", "--yes", "--format", "json").exit_code == 0  # a killed holder leaves no stuck lock


def test_cli_table_output_lists_the_steps(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("maintain", "--format", "table")
    lines = r.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["backup", "doctor", "dedupe", "segments", "report"]
    assert lines[1].split()[1] == "ok"


def _has(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(not all(_has(m) for m in ("crmcli.dedupe.scan", "crmcli.segments.runs", "crmcli.reports")),
                    reason="needs dedupe, segments and reports")
def test_the_whole_job_on_demo_data(conn: sqlite3.Connection, db_path: Path) -> None:
    from crmcli import demo_data

    demo_data.build(conn)
    truth = demo_data.duplicate_clusters(conn)
    hard = demo_data.hard_negatives(conn)
    customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    before = list(conn.iterdump())
    dry = maintain.run(db_path)  # without apply: reports, writes nothing but the backup
    steps = {s["step"]: s for s in dry["steps"]}
    assert steps["dedupe"]["status"] == "dry-run" and steps["segments"]["status"] == "dry-run"
    assert steps["dedupe"]["sure"] >= 1
    assert list(conn.iterdump()) == before
    summary = maintain.run(db_path, apply=True)
    steps = {s["step"]: s for s in summary["steps"]}
    assert summary["exit_code"] == 0, summary
    assert steps["dedupe"]["merged"] == steps["dedupe"]["sure"] == len(steps["dedupe"]["merge_ids"])
    merged_away = conn.execute("SELECT count(*) FROM merged_ids").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == customers - merged_away
    # every planted duplicate now resolves to one customer; the look-alikes stay apart
    from crmcli.records import resolve_customer

    assert all(len({resolve_customer(conn, c) for c in ids}) == 1 for ids in truth)
    assert all(len({resolve_customer(conn, c) for c in ids}) == len(ids) for ids in hard[1:])
    assert steps["segments"]["status"] == "ok" and steps["segments"]["run_id"] == 1
    assert conn.execute("SELECT count(*) FROM customers WHERE segment IS NULL").fetchone()[0] == 0
    assert steps["report"]["status"] == "ok" and steps["report"]["report"] == "overview"
    # every change of the job is in the log, undoable step by step
    kinds = [r[0] for r in conn.execute("SELECT kind FROM operations ORDER BY op_id")]
    assert kinds.count("merge") == steps["dedupe"]["merged"] and kinds[-1] == "segment"


def test_a_library_that_no_longer_imports_fails_its_step_with_exit_5_naming_it(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken install is not a silent skip: the monthly job would stop deduping and still exit 0."""
    import sys

    for name in [m for m in sys.modules if m == "rapidfuzz" or m.startswith(("rapidfuzz.", "crmcli.dedupe"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # `import rapidfuzz` now raises ImportError
    summary = maintain.run(db_path, apply=True)
    steps = {s["step"]: s for s in summary["steps"]}
    assert summary["exit_code"] == maintain.EXIT_FAILED
    assert steps["dedupe"]["status"] == "failed" and "rapidfuzz" in steps["dedupe"]["error"]
    assert steps["segments"]["status"] == "skipped" and steps["report"]["status"] == "skipped"
