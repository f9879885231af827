"""Benchmark `crm segment` on a generated database (default 1,000,000 customers).

    python benchmarks/bench_segments.py [--customers 1000000] [--cache /tmp/crm-bench-1000000.db]

The generated database is cached (generate once, reuse); each run works on a
fresh copy of it. Every step is the real `crm` command line in a subprocess, so
the figures include start-up. Steps:

  baseline   raw SQL: one GROUP BY over the counted orders into a temp table — the
             least any implementation must read; the run is reported as a ratio to it
  run        first run: figures for every customer, 1M history rows, 1M segments set
  rerun      the same day again: identical results, nothing written
  next day   --date tomorrow: a second full run with history, and the customers who moved
  list / show --limit 20 / diff --limit 20 / explain ONE customer

Target (issue 6): `crm segment run` on 1,000,000 customers within 60 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

if importlib.util.find_spec("crmcli") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate


def _crm(db: Path, *args: str) -> tuple[float, str]:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db), *args], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200"})
    took = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {res.stderr.strip()}")
    return took, (res.stderr.strip().splitlines() or [""])[-1]


def _baseline(db: Path) -> float:
    conn = sqlite3.connect(db)
    t = time.perf_counter()
    conn.execute("CREATE TEMP TABLE b AS SELECT customer_id, sum(amount) AS s FROM orders "
                 "WHERE status IN ('completed', 'partial_refund') GROUP BY customer_id")
    took = time.perf_counter() - t
    conn.close()
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, help="generated database to reuse (default /tmp/crm-bench-N.db)")
    args = ap.parse_args(argv)
    cache = args.cache or Path(f"/tmp/crm-bench-{args.customers}.db")
    if not cache.exists():
        print(f"generating {args.customers:,} customers into {cache} (once) ...", file=sys.stderr)
        generate.generate(cache, args.customers)
    work = cache.with_name(cache.stem + "-segments.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copyfile(cache, work)
    conn = sqlite3.connect(work)
    sizes = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("customers", "orders", "followups", "tickets", "needs")}
    conn.close()
    print(f"database: {', '.join(f'{k} {v:,}' for k, v in sizes.items())}")
    base = _baseline(work)
    print(f"{'baseline (raw GROUP BY over counted orders)':48s} {base:7.2f} s")
    customer = sqlite3.connect(work).execute("SELECT customer_id FROM customers ORDER BY customer_id "
                                             "LIMIT 1 OFFSET ?", (sizes["customers"] // 2,)).fetchone()[0]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    steps = [
        ("segment run (first: every customer)", ("segment", "run")),
        ("segment run (again, same day: unchanged)", ("segment", "run")),
        (f"segment run --date {tomorrow} (next day)", ("segment", "run", "--date", tomorrow)),
        ("segment list", ("segment", "list", "--format", "csv")),
        ("segment show high_value --limit 20", ("segment", "show", "high_value", "--limit", "20", "--format", "csv")),
        ("segment diff --limit 20", ("segment", "diff", "--limit", "20", "--format", "csv")),
        (f"segment explain {customer}", ("segment", "explain", customer, "--format", "csv")),
        ("query segment=高价值 (count via csv)", ("query", "segment=高价值", "--columns", "customer_id", "--format", "csv")),
    ]
    first = 0.0
    for title, argv_ in steps:
        took, msg = _crm(work, *argv_)
        first = first or took
        print(f"{title:48s} {took:7.2f} s   {msg[:110]}")
    print(f"first run / baseline: {first / base:.1f}x; target < 60 s for 1,000,000 customers: "
          f"{'met' if first < 60 or args.customers < 1_000_000 else 'MISSED'}")
    size = work.stat().st_size / 1e6
    print(f"database after two runs: {size:,.0f} MB (copy of the cache: {cache.stat().st_size / 1e6:,.0f} MB)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
