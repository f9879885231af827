"""Time every report on a large database; each must finish within 5 s.

    python benchmarks/bench_reports.py --db /tmp/crm-bench-1m.db [--customers 1000000] [--filter industry~制造]

The database is generated once (benchmarks/generate.py) and reused. Each report
runs once without filters and once per --filter (default: `industry~制造` and
`status=合作中 source=展会`). Baselines in the same run: one full scan of orders and
of tickets (`SELECT count(*), sum(amount) FROM orders`; the ratio column says how
many such scans a report costs) and each filter alone (what `crm query` pays to
find the customers; a filtered report pays it once, then works on that subset). Exit status 1 when any report takes 5 s or more.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

if importlib.util.find_spec("crmcli") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crmcli import db, filters, reports

LIMIT_S = 5.0
DEFAULT_FILTERS = ("industry~制造", "status=合作中 source=展会")


def _ensure(path: Path, customers: int) -> None:
    if path.exists():
        return
    spec = importlib.util.spec_from_file_location("generate", Path(__file__).with_name("generate.py"))
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    print(f"generating {customers:,} customers into {path} (once) ...", file=sys.stderr)
    gen.generate(path, customers)


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/crm-bench-1m.db"))
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--filter", action="append", help="a filter set (space-separated filters); repeatable")
    ap.add_argument("--only", help="run only this report")
    args = ap.parse_args(argv)
    _ensure(args.db, args.customers)
    conn = db.connect(args.db)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "orders", "tickets", "followups")}
    print("database:", args.db, ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    base_orders, _ = _timed(lambda: conn.execute("SELECT count(*), sum(amount) FROM orders").fetchone())
    base_tickets, _ = _timed(lambda: conn.execute("SELECT count(*), sum(satisfaction) FROM tickets").fetchone())
    print(f"baseline: full scan of orders {base_orders:.2f} s, of tickets {base_tickets:.2f} s")
    filter_sets = [[]] + [f.split() for f in (args.filter or DEFAULT_FILTERS)]
    for flt in filter_sets[1:]:
        secs, n = _timed(lambda flt=flt: filters.count(conn, "customers", flt))
        print(f"baseline: the filter {' '.join(flt)!r} alone (crm query's count) {secs:.2f} s, {n:,} customers")
    worst = 0.0
    print(f"{'report':<14}{'filters':<28}{'seconds':>9}{'x orders scan':>15}")
    for spec in reports.available():
        if args.only and spec.name != args.only:
            continue
        for flt in filter_sets:
            secs, rep = _timed(lambda spec=spec, flt=flt: reports.run(conn, spec.name, flt))
            worst = max(worst, secs)
            mark = "" if secs < LIMIT_S else "  OVER 5 s"
            print(f"{spec.name:<14}{' '.join(flt) or '(none)':<28}{secs:>9.2f}{secs / base_orders:>15.1f}{mark}")
            assert rep.sections, spec.name
    print(f"slowest: {worst:.2f} s (limit {LIMIT_S:.0f} s)")
    return 0 if worst < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())
