"""`crm maintain`: the monthly job — backup, doctor, high-confidence dedupe merge,
segment run, summary report — under a lock, with a JSON summary and exit codes a
cron job can act on.

"Sure" duplicates are the clusters crmcli.dedupe marks auto (its auto-merge
threshold); the rest are counted for review, never merged here.

Order matters: nothing is changed before a verified backup exists, and nothing is
changed in a database whose file is damaged. Each step calls one library function
and reports {"step", "status", ...}; status is ok, problems, dry-run, skipped or
failed. Without `apply` (the CLI's --yes) the writing steps only say what they
would do.

Two runs never overlap: an exclusive `flock` on `<db>.maintain.lock`; the second
gives up at once with MaintainBusyError (exit 4), so a slow month cannot pile up
cron jobs. The lock dies with its process, so a killed run never leaves it stuck.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crmcli import backup, db, doctor
from crmcli.errors import CrmError, Damaged, reason
from crmcli.i18n import _

# Exit codes (documented in README "## Safety" and `crm maintain --help`).
EXIT_OK = 0  # (1: could not start — no database, bad option — is the CLI's usual error exit)
EXIT_PROBLEMS = 3  # finished; doctor found problems a person should look at
EXIT_BUSY = 4  # another maintain holds the lock; nothing done
EXIT_FAILED = 5  # a step failed; later steps were skipped; see the summary

DEFAULT_KEEP = 12  # a year of monthly backups


class MaintainBusyError(CrmError):
    """Another `crm maintain` is running on this database."""


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    p = Path(db_path).expanduser().resolve()
    return p.with_name(p.name + ".maintain.lock")


@contextlib.contextmanager
def exclusive(db_path: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the maintain lock for DB_PATH or raise MaintainBusyError at once."""
    db.check_file(db_path)  # a mistyped path fails here, before a lock file appears beside it
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise CrmError(_("cannot create the lock file {path}: {error}").format(path=path, error=reason(e))) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise MaintainBusyError(_("another crm maintain is running on this database (pid {pid}, lock {path}); "
                                      "nothing done").format(pid=holder, path=path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the flock


Step = Callable[[sqlite3.Connection, bool, date], dict[str, Any]]


def _dedupe(conn: sqlite3.Connection, apply: bool, today: date) -> dict[str, Any]:
    from crmcli.dedupe import scan

    found = scan.scan(conn)
    sure = [c for c in found.clusters if c.auto]
    out: dict[str, Any] = {"clusters": len(found.clusters), "sure": len(sure), "review": len(found.clusters) - len(sure)}
    if not apply:
        return {"status": "dry-run", **out, "reason": _("merging writes; add --yes")}
    scan.auto_merge(conn, found.clusters)  # one logged merge per sure cluster (crm unmerge / crm undo)
    merged = [c for c in found.clusters if c.action == "merged"]
    return {"status": "ok", **out, "merged": len(merged), "merge_ids": [c.merge_id for c in merged]}


def _segments(conn: sqlite3.Connection, apply: bool, today: date) -> dict[str, Any]:
    from crmcli.segments import rules, runs

    if not apply:
        return {"status": "dry-run", "reason": _("a segment run writes; add --yes")}
    result = runs.run(conn, rules.load(today=today), today)
    return {"status": "ok", "run_id": result.run_id, "run_date": result.run_date, "unchanged": result.unchanged,
            "counts": result.counts, "moved": result.moved, "customers": result.customers, "op_id": result.op_id}


def _report(conn: sqlite3.Connection, apply: bool, today: date) -> dict[str, Any]:
    from crmcli import reports
    from crmcli.reports.render import to_dict

    return {"status": "ok", **to_dict(reports.run(conn, "overview", today=today))}


WRITE_STEPS: list[tuple[str, Step]] = [("dedupe", _dedupe), ("segments", _segments), ("report", _report)]


def run(db_path: str | os.PathLike[str], *, apply: bool = False, keep: int = DEFAULT_KEEP,
        backup_dir: str | os.PathLike[str] | None = None, today: date | None = None) -> dict[str, Any]:
    """Run the monthly job on DB_PATH; returns the summary (with "exit_code")."""
    today = today or date.today()
    started = datetime.now().isoformat(timespec="seconds")
    steps: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"database": str(Path(db_path).expanduser()), "started": started, "applied": apply,
                               "steps": steps}
    with exclusive(db_path):
        t = time.perf_counter()
        damage, looked = _damage(Path(db_path).expanduser())
        summary["damage_check_seconds"] = round(time.perf_counter() - t, 2)
        if damage:
            steps.append({"step": "doctor", "status": "failed", "error": damage[0].message, **doctor.summary(damage)})
            _skip(steps, ["backup", *(n for n, _w in WRITE_STEPS)],
                  _("the database file is damaged; nothing was written (crm doctor says what to do)"))
            return _finish(summary, EXIT_FAILED)
        conn = db.connect(db_path)
        try:
            code = _run_steps(conn, Path(db_path).expanduser(), steps, apply=apply, keep=keep,
                              backup_dir=backup_dir, today=today, pages_checked=looked)
        finally:
            conn.close()
    return _finish(summary, code)


def _finish(summary: dict[str, Any], code: int) -> dict[str, Any]:
    summary["finished"] = datetime.now().isoformat(timespec="seconds")
    summary["exit_code"] = code
    summary["ok"] = code == EXIT_OK
    return summary


def _damage(path: Path) -> tuple[list[doctor.Finding], bool]:
    """(Damage, whether a read-only quick_check looked at every page), looked for before anything
    is written — a backup of a damaged file would fail its own check and seem to be the problem.
    Read-only first (crmcli.salvage)."""
    found, looked = doctor.read_only_look(str(path))
    if found:
        return found, looked
    try:
        db.connect(path).close()
    except Damaged as e:
        return [doctor.damage_finding(str(path), [str(e)])], looked
    return [], looked


def _run_steps(conn: sqlite3.Connection, path: Path, steps: list[dict[str, Any]], *, apply: bool, keep: int,
               backup_dir: str | os.PathLike[str] | None, today: date, pages_checked: bool) -> int:
    # The doctor's checks only read: they run beside the backup (whose page copy, fsync and check
    # of the copy wait mostly on the disk) on a connection of their own. The steps are reported
    # in order, and nothing is written before both have ended.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        checking = pool.submit(_doctor, path, pages_checked)
        t = time.perf_counter()
        try:
            b = backup.backup(conn, path, backup_dir, keep=keep)
            steps.append({"step": "backup", "status": "ok", "file": str(b.path), "bytes": b.size,
                          "counts": b.counts, "removed": [str(p) for p in b.removed], **_took(t)})
        except (CrmError, sqlite3.Error, OSError) as e:
            steps.append({"step": "backup", "status": "failed", "error": str(e)})
            _skip(steps, ["doctor", *(n for n, _w in WRITE_STEPS)], _("no verified backup"))
            return EXIT_FAILED
        findings, seconds = checking.result()
    damaged = any(f.check == "integrity" for f in findings)
    steps.append({"step": "doctor", "status": "failed" if damaged else "problems" if findings else "ok",
                  **doctor.summary(findings), "seconds": seconds})
    if damaged:
        _skip(steps, [n for n, _w in WRITE_STEPS], _("the database file is damaged; restore a backup"))
        return EXIT_FAILED
    for name, fn in WRITE_STEPS:
        t = time.perf_counter()
        try:
            steps.append({"step": name, **fn(conn, apply, today), **_took(t)})
        except Exception as e:  # also a broken install (a library that no longer imports) or a bug: named, exit 5
            why = str(e) if isinstance(e, CrmError | sqlite3.Error) else f"{type(e).__name__}: {e}"
            steps.append({"step": name, "status": "failed", "error": why})
            _skip(steps, [n for n, _w in WRITE_STEPS if n not in {s["step"] for s in steps}],
                  _("{step} failed").format(step=name))
            return EXIT_FAILED
    return EXIT_PROBLEMS if findings else EXIT_OK


def _doctor(path: Path, pages_checked: bool) -> tuple[list[doctor.Finding], float]:
    """The doctor's findings on a connection of its own, and the seconds they took.

    quick: the file was just checked read-only (every page: pages_checked) and its backup
    verified; the full index comparison (4x the cost at 100k customers) is `crm doctor --full`'s."""
    t = time.perf_counter()
    conn = db.connect(path)
    try:
        return doctor.diagnose(conn, quick=True, pages_checked=pages_checked), round(time.perf_counter() - t, 2)
    finally:
        conn.close()


def _took(started: float) -> dict[str, float]:
    """A step's wall time, so a cron log shows where a slow month went."""
    return {"seconds": round(time.perf_counter() - started, 2)}


def _skip(steps: list[dict[str, Any]], names: list[str], reason: str) -> None:
    for n in names:
        steps.append({"step": n, "status": "skipped", "reason": reason})
