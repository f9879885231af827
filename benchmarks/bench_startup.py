"""Process start-up: what a shell pipeline or cron job pays on every `crm` call.

Times, in one run and interleaved (so machine noise hits all alike), the median
wall time of:
  python -c pass                                  the floor
  sqlite-utils --version / rows ... --limit 1     the peer doing the same job
  crm --version / --help / add customer / query customers --limit 1 --format csv

Usage: python benchmarks/bench_startup.py [--runs 15]
Targets (issue 10): `crm query customers --limit 1 --format csv` no slower than
`sqlite-utils rows DB customers --limit 1 --csv`; `crm --help` and
`crm add customer ...` under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> list[str]:
    here = Path(sys.executable).parent / name
    if here.exists():
        return [str(here)]
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the project (pip install -e .) first")
    return [found]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crm-bench-startup-"))
    db = work / "small.db"
    env = dict(os.environ, NO_COLOR="1", CRM_CONFIG=str(work / "config.toml"))
    crm = _bin("crm")
    subprocess.run([*crm, "--db", str(db), "init", "--demo"], check=True, env=env, capture_output=True)
    su = _bin("sqlite-utils")
    serial = iter(range(10**6))
    cases: dict[str, list[str] | None] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "sqlite-utils --version": [*su, "--version"],
        "sqlite-utils rows DB customers --limit 1 --csv": [*su, "rows", str(db), "customers", "--limit", "1", "--csv"],
        "crm --version": [*crm, "--version"],
        "crm --help": [*crm, "--help"],
        "crm add customer ...": None,  # built per run: a new name each time
        "crm query customers --limit 1 --format csv": [*crm, "--db", str(db), "query", "customers", "--limit", "1",
                                                       "--format", "csv"],
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            if cmd is None:
                cmd = [*crm, "--db", str(db), "add", "customer", "--name", f"启动测试{next(serial)}公司", "--phone", "13900001111"]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    peer = med["sqlite-utils rows DB customers --limit 1 --csv"]
    print(f"| command | median ms ({args.runs} runs) | vs peer |")
    print("|---|---:|---:|")
    for name, ms in med.items():
        print(f"| `{name}` | {ms:.0f} | {ms / peer:.2f}x |")
    q = med["crm query customers --limit 1 --format csv"]
    print()
    print(f"target query <= sqlite-utils rows: {'MET' if q <= peer else 'MISSED'} ({q:.0f} vs {peer:.0f} ms)")
    for name in ("crm --help", "crm add customer ..."):
        print(f"target {name} < 200 ms: {'MET' if med[name] < 200 else 'MISSED'} ({med[name]:.0f} ms)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
