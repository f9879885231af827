"""Time `crm import` against raw loaders on the same files, in one run.

    python benchmarks/bench_import.py [--rows 1000000] [--xlsx-rows 100000] [--dir /tmp/crm-bench] [--repeat 2] [--quick]
                                      [--before SRC] [--ledger]

--ledger imports benchmarks/ledger.py's realistic 客户台账 instead (Chinese headers, every
name, contact, mobile and e-mail distinct, dates over ten years: no column cache can
flatter it), CSV and xlsx, each written once into --dir and reused; after each
`crm import` the customers are counted and the run fails unless every row loaded.
--xlsx-rows 0 leaves the xlsx steps out (a 1M-row, 22-column ledger's sheet unpacks to
~1.09 GB, and python-calamine holds ~2.3 GB of it while reading).

CSV (ROWS customers, written once by benchmarks/generate.py's write_customers_csv
and reused): the sqlite3 shell's `.import` into a new table (the floor; it cannot
load into the crm schema itself: it writes empty cells as '' and the CHECKs refuse
them), a plain
Python csv + executemany loop with light validation into the crm schema, and
`crm import` with full validation, each in its own process with its peak RSS
(os.wait4). Excel (XLSX_ROWS rows, written once with openpyxl): reading every row
with openpyxl read-only and with python-calamine, then `crm import` of the file.
Figures are printed as a table (best of --repeat interleaved runs, wall and CPU
seconds: on a shared machine CPU time is the steadier measure); ratios are
against `.import` in the same run. --before SRC also times the crmcli under SRC (an older
checkout's src/) in the same interleaved runs, for a before/after on the same load.

Both crmcli trees are byte-compiled first: an installed wheel is, and a shell with
PYTHONDONTWRITEBYTECODE set would otherwise recompile every crmcli module on each run
(~0.15 s CPU that an earlier profile read as "regex compile").
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _run(cmd: list[str], stdin: str | None = None, src: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one child process."""
    import tempfile

    t = time.perf_counter()
    fh = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    with tempfile.TemporaryFile() as errfile:  # a file, not a pipe: a chatty child must not block
        env = {**os.environ, "PYTHONPATH": src} if src else None
        p = subprocess.Popen(cmd, stdin=fh, stdout=subprocess.DEVNULL, stderr=errfile, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - t
        errfile.seek(0)
        err = errfile.read().decode(errors="replace")
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def write_csv(path: Path, rows: int) -> None:
    """Written by a child process: a child's peak RSS (wait4) starts at its parent's, so this
    process must stay small or every step below reports the generator's memory as its own."""
    if path.exists():
        return
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); from generate import "
                    "write_customers_csv; write_customers_csv(sys.argv[2], int(sys.argv[3]))",
                    str(HERE), str(path), str(rows)], check=True)


def write_ledger(path: Path, rows: int, kind: str) -> None:
    """benchmarks/ledger.py's ledger (kind "csv" or "xlsx"), by a child process (see write_csv)."""
    if path.exists():
        return
    subprocess.run([sys.executable, str(HERE / "ledger.py"), "--rows", str(rows), f"--{kind}", str(path)], check=True)


def count_customers(db_path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    finally:
        conn.close()


def write_xlsx(csv_path: Path, path: Path, rows: int) -> None:
    if path.exists():
        return
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户基本信息")
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if i > rows:
                break
            ws.append(row)
    wb.save(path)


PLAIN = r"""
import csv, sys
from crmcli import db
conn = db.create(sys.argv[2])
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    r = csv.reader(fh)
    head = [h for h in next(r)]
    keep = [i for i, h in enumerate(head) if h != "segment"]
    cols = [head[i] for i in keep]
    sql = f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.execute("BEGIN")
    conn.executemany(sql, ([row[i].strip() or None for i in keep] for row in r))
    conn.execute("COMMIT")
"""

READ_OPENPYXL = r"""
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1], read_only=True)
n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
"""

READ_CALAMINE = r"""
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
n = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/crm-bench"))
    ap.add_argument("--repeat", type=int, default=2, help="interleaved runs of .import / crm import; best kept")
    ap.add_argument("--quick", action="store_true", help="leave out the slow baselines (executemany, openpyxl)")
    ap.add_argument("--before", help="a src/ folder with older crmcli code to time as well (same run)")
    ap.add_argument("--ledger", action="store_true", help="the realistic ledger of benchmarks/ledger.py (all distinct)")
    args = ap.parse_args(argv)
    import compileall

    for tree in [HERE.parent / "src" / "crmcli", *([Path(args.before) / "crmcli"] if args.before else [])]:
        compileall.compile_dir(tree, quiet=1)
    args.dir.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    crm = [py, "-m", "crmcli"]
    stem = "ledger" if args.ledger else "customers"
    csv_path = args.dir / f"{stem}-{args.rows}.csv"
    xlsx_path = args.dir / f"{stem}-{args.xlsx_rows}.xlsx"
    if args.ledger:
        write_ledger(csv_path, args.rows, "csv")
        if args.xlsx_rows:
            write_ledger(xlsx_path, args.xlsx_rows, "xlsx")
    else:
        write_csv(csv_path, args.rows)
        if args.xlsx_rows:
            write_xlsx(csv_path, xlsx_path, args.xlsx_rows)
    dbp = args.dir / "bench.db"
    runs: dict[str, list[tuple[float, float, int]]] = {}

    def step(name: str, cmd: list[str], init: bool = False, src: str | None = None, rows: int = 0) -> None:
        _fresh(dbp)
        if init:
            _run([*crm, "--db", str(dbp), "init"], src=src)
        runs.setdefault(name, []).append(_run(cmd, src=src))
        if args.ledger and rows and (got := count_customers(dbp)) != rows:  # every ledger row is valid
            raise SystemExit(f"{name}: {got:,} customers in the database after importing {rows:,} rows")

    # On a shared machine the load changes from minute to minute: the floor and crm import
    # run interleaved, several times, and each keeps its best run (wall and CPU).
    for _ in range(args.repeat):
        if shutil.which("sqlite3"):
            step("sqlite3 .import (CSV)", ["sqlite3", str(dbp), ".mode csv", f".import {csv_path} t"])
        step("crm import (CSV, full validation)", [*crm, "--db", str(dbp), "import", str(csv_path)], init=True,
             rows=args.rows)
        if args.before:
            step("before: crm import (CSV)", [*crm, "--db", str(dbp), "import", str(csv_path)], True, args.before,
                 args.rows)
    if not args.quick:
        step("csv + executemany, light validation", [py, "-c", PLAIN, str(csv_path), str(dbp)])
        if args.xlsx_rows:
            step("openpyxl read-only: read xlsx", [py, "-c", READ_OPENPYXL, str(xlsx_path)])
    for _ in range(args.repeat if args.xlsx_rows else 0):
        step("python-calamine: read xlsx", [py, "-c", READ_CALAMINE, str(xlsx_path)])
        step("crm import (xlsx, full validation)", [*crm, "--db", str(dbp), "import", str(xlsx_path)], init=True,
             rows=args.xlsx_rows)
        if args.before:
            step("before: crm import (xlsx)", [*crm, "--db", str(dbp), "import", str(xlsx_path)], True, args.before,
                 args.xlsx_rows)

    best = {name: (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs)) for name, rs in runs.items()}
    base = best.get("sqlite3 .import (CSV)")
    calamine = best.get("python-calamine: read xlsx")
    what = "realistic ledger (ledger.py, every name/contact/mobile/e-mail distinct; all rows loaded)" if args.ledger \
        else "generate.py's customers"
    print(f"{what}: {args.rows:,} CSV rows ({csv_path.stat().st_size / 1e6:.0f} MB), {args.xlsx_rows:,} xlsx rows "
          f"({xlsx_path.stat().st_size / 1e6 if args.xlsx_rows else 0:.0f} MB); "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; best of {args.repeat}; "
          "ratios: CSV steps x .import, xlsx imports x calamine's read")
    print(f"{'step':<40} {'wall s':>8} {'CPU s':>8} {'x base':>10} {'x (CPU)':>8} {'peak RSS MB':>12}")
    for name, (wall, cpu, rss) in best.items():
        against = base if ("CSV" in name or "executemany" in name) else calamine if "import (xlsx" in name else None
        ratio = f"{wall / against[0]:.2f}" if against else ""
        ratio_cpu = f"{cpu / against[1]:.2f}" if against else ""
        print(f"{name:<40} {wall:>8.2f} {cpu:>8.2f} {ratio:>10} {ratio_cpu:>8} {rss:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
