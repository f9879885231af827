"""What safety costs: backup, undo and doctor against raw baselines, in one run.

    python benchmarks/bench_safety.py --customers 100000 [--db /tmp/bench-safety.db]

Generates (or reuses) a database with benchmarks/generate.py, then times:
  backup: crmcli.backup.backup (backup API + quick_check + rename)
          vs a plain file copy (unsafe while writers run) and vs VACUUM INTO (consistent, compacts)
  undo:   a bulk update of every customer of one status, then `undo` of it
          (ratio undo / update: undo should cost about what the write cost)
  doctor: crmcli.doctor.diagnose vs PRAGMA integrity_check alone
Works on a copy, so the generated database can be reused.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

if importlib.util.find_spec("crmcli") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crmcli import backup, bulk, db, doctor, undo


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="generated database to reuse (made if missing)")
    args = ap.parse_args()
    src = args.db or Path(tempfile.gettempdir()) / f"bench-safety-{args.customers}.db"
    if not src.exists():
        import generate

        t, _ = timed(lambda: generate.generate(src, args.customers))
        print(f"generated {src} ({args.customers:,} customers) in {t:.1f} s", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="crm-bench-safety-"))
    path = work / "crm.db"
    shutil.copyfile(src, path)
    conn = db.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    size = path.stat().st_size

    t_copy, _ = timed(lambda: shutil.copyfile(path, work / "copy.db"))

    t_api, _ = timed(lambda: conn.execute("VACUUM INTO ?", (str(work / "vacuum.db"),)))
    t_backup, res = timed(lambda: backup.backup(conn, path, work / "verified.db"))
    print(f"database {size / 1e6:,.0f} MB, {res.counts['customers']:,} customers")
    print(f"backup (backup API + verify)    {t_backup:7.2f} s   x{t_backup / t_copy:5.1f} of a file copy ({t_copy:.2f} s), "
          f"x{t_backup / t_api:4.2f} of VACUUM INTO ({t_api:.2f} s)")

    status = conn.execute("SELECT status FROM customers GROUP BY status ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    t_plan, plan = timed(lambda: bulk.plan(conn, "customers", [f"status={status}"], {"notes": "bench"}))
    t_update, op_id = timed(lambda: bulk.apply(conn, plan, [f"status={status}"]))
    t_undo, _ = timed(lambda: undo.undo(conn, op_id))
    n = len(plan.changes)
    print(f"bulk update of {n:,} customers     {t_update:7.2f} s   ({n / t_update:,.0f} rows/s, plan {t_plan:.2f} s)")
    print(f"undo of it                      {t_undo:7.2f} s   x{t_undo / t_update:5.2f} of the update")

    t_ic, _ = timed(lambda: conn.execute("PRAGMA integrity_check").fetchall())
    t_doc, found = timed(lambda: doctor.diagnose(conn))
    print(f"doctor (all checks)             {t_doc:7.2f} s   x{t_doc / t_ic:5.2f} of integrity_check alone "
          f"({t_ic:.2f} s); {len(found)} findings")
    conn.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
