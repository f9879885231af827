"""Export speed and memory: `crm export customers` against `sqlite3 -csv` on the same table, in one run.

    python benchmarks/bench_export.py [--customers 1000000] [--db /tmp/crm-bench-export-1m.db] [--repeat 3] [--xlsx]

Each command runs as a subprocess (crm's start-up included) writing a file in
/tmp, the runs interleaved and repeated; the best time of each counts. Peak RSS
comes from wait4() on that very process. The database is generated once
(benchmarks/generate.py) and reused from /tmp.

Targets (issue 8): CSV export of 1,000,000 customers in at most 3x the time of
`sqlite3 -csv`, and under 200 MB peak RSS (rows stream from the cursor).
Issue 19: `crm export orders --format json` within 3x of `crm export orders` (CSV).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
XLSX_FILTER = "customer_id<C20240601"  # the generator's first ~6 months of customers
# A Python generator of 1,000,000 rows through the same writers: memory must not grow with the row count.
GENERATED = """
import sys
from crmcli import fields, output, workbook
rows = ((f"C{i:09d}", f"客户{i}有限公司", "13800000000", i * 1.5, "2024-05-20") for i in range(N_ROWS))
if sys.argv[1] == "csv":
    with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
        output.write_cells(rows, ["customer_id", "name", "phone", "amount", "date"], "csv", out)
else:
    wb = workbook.new()
    workbook.write_sheet(wb, fields.TABLES["orders"], ["order_id", "customer_id", "product", "amount", "date"], rows)
    wb.save(sys.argv[2])
"""
sys.path.insert(0, str(HERE))


def run(cmd: list[str], stdout_path: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one command; stdout into a file when given."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _short(n: int) -> str:
    """1000000 -> '1m', 20000 -> '20k': the cache file name."""
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--xlsx", action="store_true", help=f"also time an xlsx export of {XLSX_FILTER} (slow)")
    args = ap.parse_args(argv)
    path = args.db or Path(tempfile.gettempdir()) / f"crm-bench-export-{_short(args.customers)}.db"
    if not path.exists():
        # In a child process: a big parent would count in its children's peak RSS (fork before exec).
        print(f"generating {args.customers:,} customers into {path} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--customers", str(args.customers), "--db", str(path)],
                       check=True)
    sqlite3_bin = shutil.which("sqlite3")
    if sqlite3_bin is None:
        raise SystemExit("sqlite3 command-line shell not found")
    crm = [sys.executable, "-m", "crmcli", "--db", str(path)]
    force = ["--force"]  # repeats write over the last run's file, which crm replaces only when told
    work = Path(tempfile.mkdtemp(prefix="crm-bench-export-"))
    rows = int(subprocess.run([sqlite3_bin, str(path), "SELECT count(*) FROM customers"], capture_output=True,
                              text=True, check=True).stdout)
    cases: dict[str, tuple[list[str], Path | None]] = {
        "sqlite3 -csv (baseline)": ([sqlite3_bin, "-csv", "-header", str(path), "SELECT * FROM customers"],
                                    work / "base.csv"),
        "sqlite3 -csv ORDER BY id": ([sqlite3_bin, "-csv", "-header", str(path),
                                      "SELECT * FROM customers ORDER BY customer_id"], work / "base2.csv"),
        "crm export (masked, default)": ([*crm, "export", "customers", "-o", str(work / "a.csv"), *force], None),
        "crm export --unmask": ([*crm, "export", "customers", "--unmask", "-o", str(work / "b.csv"), *force], None),
        "crm export --lang zh": ([*crm, "export", "customers", "--lang", "zh", "-o", str(work / "c.csv"), *force], None),
        "crm export | stdout": ([*crm, "export", "customers"], work / "d.csv"),
        "crm export -f jsonl": ([*crm, "export", "customers", "-f", "jsonl", "-o", str(work / "e.jsonl"), *force], None),
        # issue 19: a JSON export within 3x of the CSV export of the same module
        "crm export orders (csv)": ([*crm, "export", "orders", "-o", str(work / "o.csv"), *force], None),
        "crm export orders -f json": ([*crm, "export", "orders", "-f", "json", "-o", str(work / "o.json"), *force], None),
    }
    best: dict[str, tuple[float, float, float]] = {}
    try:
        for _ in range(args.repeat):
            for name, (cmd, out) in cases.items():
                t, cpu, rss = run(cmd, out)
                old = best.get(name)
                best[name] = (min(t, old[0]), min(cpu, old[1]), max(rss, old[2])) if old else (t, cpu, rss)
        gen = [sys.executable, "-c", GENERATED.replace("N_ROWS", "1_000_000")]
        best["generator 1M rows -> csv"] = run([*gen, "csv", str(work / "g.csv")])
        if args.xlsx:  # openpyxl writes ~25k rows/s here: a slice of the table keeps this to minutes
            best[f"crm export {XLSX_FILTER} -o x.xlsx"] = run([*crm, "export", "customers", XLSX_FILTER,
                                                               "-o", str(work / "f.xlsx"), *force])
            best["generator 1M rows -> xlsx"] = run([*gen, "xlsx", str(work / "g.xlsx")])
        sizes = {p.name: p.stat().st_size for p in work.iterdir()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base, base_cpu = best["sqlite3 -csv (baseline)"][:2]
    print(f"export of {rows:,} customers ({path}), best of {args.repeat}; python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':40} {'wall s':>7} {'x sqlite3':>9} {'CPU s':>7} {'x sqlite3':>9} {'peak RSS MB':>12}")
    for name, (t, cpu, rss) in best.items():
        print(f"{name:40} {t:7.2f} {t / base:9.2f} {cpu:7.2f} {cpu / base_cpu:9.2f} {rss:12.1f}")
    print("file sizes (MB): " + ", ".join(f"{k} {v / 1e6:.0f}" for k, v in sorted(sizes.items())))
    default = best["crm export (masked, default)"][0]
    worst_name, worst = max(((name, t) for name, (t, _, _) in best.items() if name.startswith("crm export")
                             and "jsonl" not in name and "xlsx" not in name), key=lambda x: x[1])
    peak = max(rss for name, (_, _, rss) in best.items() if not name.startswith("sqlite3"))
    ok = default <= 3 * base and peak < 200
    print(f"target (issue 8): the default CSV export <= 3x sqlite3 -csv and peak RSS < 200 MB: "
          f"{'met' if ok else 'NOT met'} ({default / base:.2f}x, peak {peak:.0f} MB); "
          f"slowest CSV variant: {worst_name} {worst / base:.2f}x")
    orders_csv, orders_json = best["crm export orders (csv)"][0], best["crm export orders -f json"][0]
    json_ok = orders_json <= 3 * orders_csv
    print(f"target (issue 19): JSON export of orders <= 3x its CSV export: {'met' if json_ok else 'NOT met'} "
          f"({orders_json / orders_csv:.2f}x: {orders_json:.2f} s against {orders_csv:.2f} s)")
    return 0 if ok and json_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
