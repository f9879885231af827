"""`crm doctor` and `crm maintain --yes` at scale, against SQLite's own checks, in one run.

    python benchmarks/bench_doctor.py --customers 100000 [--db /tmp/bench-doctor.db] [--before SRC]

Generates (or reuses) a database with benchmarks/generate.py; each command runs as a
subprocess on a copy (start-up included) and is reported as wall and CPU seconds
(the machine may be shared: CPU seconds barely move with the load; the load average
is printed with each line). Baselines in the same run: PRAGMA quick_check and
PRAGMA integrity_check alone. maintain's summary names each step's seconds.
--before SRC also times the code under SRC (e.g. an older checkout's src/) for a
before/after in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if importlib.util.find_spec("crmcli") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SRC = str(Path(__file__).resolve().parents[1] / "src")


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def run(args: list[str], src: str) -> tuple[float, float, str]:
    """(wall, cpu of the child, stdout) of `python -m crmcli ARGS` with crmcli from SRC."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "crmcli", *args], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": src}, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 3):
        sys.exit(f"crm {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, p.stdout


def pragma(path: Path, what: str) -> tuple[float, float]:
    conn = sqlite3.connect(path)
    t, c = time.perf_counter(), time.process_time()
    conn.execute(f"PRAGMA {what}").fetchall()
    out = time.perf_counter() - t, time.process_time() - c
    conn.close()
    return out


def line(label: str, wall: float, cpu: float, note: str = "") -> None:
    print(f"{label:<34} wall {wall:6.2f} s  cpu {cpu:6.2f} s  ({load()}){note}", flush=True)


def ratio(label: str, times: dict[str, tuple[float, float]]) -> None:
    """after/before in the same run, when both were timed."""
    if "before" in times:
        (wall, cpu), (wall0, cpu0) = times["after"], times["before"]
        print(f"{label}: after/before wall x{wall / wall0:.2f}, cpu x{cpu / cpu0:.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="generated database to reuse (made if missing)")
    ap.add_argument("--before", default=None, help="a src/ folder with older crmcli code to time as well")
    args = ap.parse_args()
    src = args.db or Path(tempfile.gettempdir()) / f"bench-doctor-{args.customers}.db"
    if not src.exists():
        import generate

        generate.generate(src, args.customers)
    work = Path(tempfile.mkdtemp(prefix="crm-bench-doctor-"))
    path = work / "crm.db"
    shutil.copyfile(src, path)
    os.chmod(path, 0o600)
    codes = [("after", SRC)] + ([("before", args.before)] if args.before else [])

    qc = pragma(path, "quick_check")
    line("PRAGMA quick_check (baseline)", *qc)
    ic = pragma(path, "integrity_check")
    line("PRAGMA integrity_check (baseline)", *ic)
    doctor: dict[str, tuple[float, float]] = {}
    for name, code in codes:
        wall, cpu, _ = run(["--db", str(path), "doctor", "--format", "json"], code)
        doctor[name] = (wall, cpu)
        line(f"crm doctor [{name}]", wall, cpu, f"  x{wall / ic[0]:.2f} of integrity_check's wall")
    ratio("crm doctor", doctor)
    wall, cpu, _ = run(["--db", str(path), "doctor", "--full", "--format", "json"], SRC)
    line("crm doctor --full [after]", wall, cpu, f"  x{wall / ic[0]:.2f} of integrity_check's wall")
    print(f"issue 19 target: crm doctor under 3 s at {args.customers:,} customers")

    maintain: dict[str, tuple[float, float]] = {}
    for name, code in codes:
        shutil.copyfile(src, path)  # each maintain starts from the same data
        wall, cpu, out = run(["--db", str(path), "maintain", "--yes", "--format", "json",
                              "--backup-dir", str(work / f"backups-{name}")], code)
        summary = json.loads(out)
        secs = {s["step"]: s.get("seconds") for s in summary["steps"]}
        rest = wall - sum(secs.get(k) or 0 for k in ("dedupe", "segments"))
        maintain[name] = (rest, cpu)
        line(f"crm maintain --yes [{name}]", wall, cpu,
             f"  steps: {', '.join(f'{k} {v}' for k, v in secs.items() if v is not None) or 'not timed'}"
             f"; without dedupe+segments {rest:.2f} s" if any(secs.values()) else "")
    ratio("crm maintain without dedupe+segments (wall; cpu: whole run)", maintain)
    print(f"issue 19 target: crm maintain --yes under 10 s at {args.customers:,} customers apart from dedupe and segments")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
