"""The whole benchmark suite in one run: every operation against its raw baseline, per database size.

    python benchmarks/run.py --sizes 10k            # a developer's check, under 2 minutes
    python benchmarks/run.py --sizes 10k,100k,1m    # the full run (1M: generation alone takes minutes)

Databases are generated with benchmarks/generate.py (and dedupe's labelled ones with
benchmarks/dedupe_data.py) into --workdir once and reused: the file names carry a hash
of the generator, schema.sql and today's date, so a changed schema or generator (or a
new day: the data's dates are relative to today) makes new ones. Each feature's own
benchmark script does the measuring, run here as a subprocess on the shared database
(query, import, export, dedupe, segments, reports, doctor; start-up from bench_startup.py);
this script reads the figures from their output, prints one summary table of medians
(or the best run, where a script keeps only that; the column says which), ratios to
the baseline and peak RSS, and writes benchmarks/RESULTS.md with the machine, the date,
the load average and every script's full output. A script missing from this checkout
is reported as "not available" and skipped.

Import loads benchmarks/ledger.py's realistic ledger (every name, contact, mobile and
e-mail distinct), CSV and xlsx, at the size's row count — except at 100k, where it loads
issue 19's 300k-row ledger (the suite makes no 300k database; import needs none) — and
judges it against `sqlite3 .import` and python-calamine's read of the same files (<= 3x,
on ledgers of 300k rows and more), the xlsx too at 1M (its sheet unpacks to ~1.09 GB; python-calamine
holds ~2.3 GB of it while reading). Doctor and maintain
(bench_doctor.py) run at sizes up to 100k, where issue 19 sets their targets. Readers of
each script's output live in benchmarks/readers.py (tests/test_bench_readers.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from readers import (  # noqa: E402
    Row,
    read_dedupe,
    read_doctor,
    read_export,
    read_import,
    read_query,
    read_reports,
    read_segments,
)

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


@dataclass
class Section:
    """One feature script's run at one size: its output, kept verbatim for RESULTS.md."""

    size: str
    name: str
    command: str
    output: str = ""
    seconds: float = 0.0
    tree_rss_mb: float = 0.0
    status: str = "ok"
    rows: list[Row] = field(default_factory=list)


def _parse_size(s: str) -> tuple[str, int]:
    s = s.strip().lower()
    if s in SIZES:
        return s, SIZES[s]
    n = int(float(s[:-1]) * (1000 if s.endswith("k") else 1_000_000)) if s[-1] in "km" else int(s)
    return s, n


def _key(*files: Path) -> str:
    h = hashlib.sha256(date.today().isoformat().encode())
    for f in files:
        h.update(f.read_bytes() if f.exists() else b"-")
    return h.hexdigest()[:8]


def _run(cmd: list[str], timeout: float, logdir: Path, cwd: Path = ROOT) -> tuple[int, str, float, float]:
    """(exit status, stdout+stderr, wall seconds, peak RSS MB of the process tree) of one script.

    The step's output goes to a log in LOGDIR (the suite's own work folder): a log in the system's
    temporary folder could vanish under a long run (a tmp cleaner) and crash the suite."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONUNBUFFERED="1")
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f"step-{os.getpid()}.log"
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
        deadline = t0 + timeout
        status, usage = None, None
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = os.waitstatus_to_exitcode(st), ru
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                _, st, ru = os.wait4(proc.pid, 0)
                status, usage = -9, ru
                break
            time.sleep(0.2)
    proc.returncode = status
    text = log.read_text(errors="replace")
    log.unlink(missing_ok=True)
    return status, text, time.perf_counter() - t0, (usage.ru_maxrss / 1024 if usage else 0.0)


# --- the suite ------------------------------------------------------------------------------------------------


def _generate_in_child(module: str, path: Path, n: int) -> None:
    """MODULE.generate(PATH, N) in a child process. Generating in this process would grow it by the
    generator's memory, and on Linux a child's peak RSS starts at its parent's resident size (the forked
    copy before exec): the 1M labelled dedupe set made every later step read ~1.3 GB."""
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import {module}; {module}.generate({str(path)!r}, {n})"
    subprocess.run([sys.executable, "-c", code], check=True)


def ensure_db(workdir: Path, n: int) -> Path:
    key = _key(HERE / "generate.py", ROOT / "schema.sql", ROOT / "src" / "crmcli" / "demo_data.py")
    path = workdir / f"crm-{n}-{key}.db"
    if not path.exists():
        print(f"  generating {n:,} customers into {path} (cached for later runs) ...", flush=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        _generate_in_child("generate", tmp, n)
        tmp.rename(path)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def ensure_dedupe_db(workdir: Path, n: int) -> Path:
    """The labelled set bench_dedupe.py scans (its own generator: duplicates with the truth), made once.
    Its name carries a hash of dedupe_data.py alone: the scan reads customers and contacts only."""
    path = workdir / f"dedupe-{n}-{_key(HERE / 'dedupe_data.py')}.db"
    if not path.exists() and (HERE / "dedupe_data.py").exists():
        print(f"  generating the labelled dedupe set of {n:,} customers into {path} ...", flush=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        _generate_in_child("dedupe_data", tmp, n)
        tmp.rename(path)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def plan(size: str, n: int, workdir: Path, dbpath: Path, runs: int) -> list[tuple[str, list[str], float, Callable]]:
    """(name, command, timeout seconds, reader) for each feature script at this size."""
    py = sys.executable
    big = n >= 1_000_000
    t = max(120.0, n / 1000)  # seconds: 10k 2 min, 1M ~17 min
    rows = ledger_rows(n)
    doctor = [("doctor", [py, "benchmarks/bench_doctor.py", "--customers", str(n), "--db", str(dbpath)], 3 * t,
               read_doctor)] if n <= 100_000 else []  # issue 19 sets its doctor/maintain targets at 100k
    return [
        ("query", [py, "benchmarks/bench_query.py", "--customers", str(n), "--db", str(dbpath), "--runs", str(runs)],
         t, read_query),
        ("import", [py, "benchmarks/bench_import.py", "--ledger", "--rows", str(rows), "--xlsx-rows", str(xlsx_rows(n)),
                    "--quick", "--dir", str(workdir / f"ledger-{_key(HERE / 'ledger.py', HERE / 'generate.py')}"),
                    "--repeat", "1" if big else "2"],
         3 * max(120.0, rows / 1000), read_import),
        ("export", [py, "benchmarks/bench_export.py", "--customers", str(n), "--db", str(dbpath),
                    "--repeat", "2" if big else "3"], t, read_export),
        ("dedupe", [py, "benchmarks/bench_dedupe.py", "--customers", str(n),
                    "--db", str(workdir / f"dedupe-{n}-{_key(HERE / 'dedupe_data.py')}.db")],
         2 * t, read_dedupe),
        ("segments", [py, "benchmarks/bench_segments.py", "--customers", str(n), "--cache", str(dbpath)], t,
         read_segments),
        ("reports", [py, "benchmarks/bench_reports.py", "--customers", str(n), "--db", str(dbpath)], t, read_reports),
        *doctor,
    ]


def ledger_rows(n: int) -> int:
    """Rows of the realistic ledger the import step loads at database size N: issue 19's 300k at the 100k size
    (the suite has no 300k database; import makes its own), N otherwise (10k, 1M)."""
    return 300_000 if 100_000 <= n < 1_000_000 else n




def xlsx_rows(n: int) -> int:
    """The xlsx ledger's rows at database size N: as the CSV's."""
    return ledger_rows(n)


def sqlite_utils_import(csv_dir: Path, n: int, size: str) -> Row | None:
    """`sqlite-utils insert DB t CSV --csv` on the ledger bench_import.py wrote: the other raw loader."""
    csv_path = csv_dir / f"ledger-{n}.csv"
    su = Path(sys.executable).parent / "sqlite-utils"
    if not csv_path.exists() or not su.exists():
        return None
    target = csv_dir / "sqlite-utils.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(su), "insert", str(target), "t", str(csv_path), "--csv"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, st, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    target.unlink(missing_ok=True)
    if os.waitstatus_to_exitcode(st) != 0:
        return None
    return Row(size, f"import: sqlite-utils insert --csv (raw loader, no validation) — {n:,} rows", "one run", wall,
               rss_mb=ru.ru_maxrss / 1024, note=f"CPU {ru.ru_utime + ru.ru_stime:.2f} s")


def startup(runs: int) -> tuple[Section, list[Row]]:
    import bench_startup

    t = time.perf_counter()
    cpu: dict[str, list[float]] = {}
    times = bench_startup.measure(runs, cpu)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    cpu_med = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    peer = med[bench_startup.PEER]
    lines = [f"crm under typer {bench_startup.typer_version()}", "", *bench_startup.table(med, cpu_med, runs), ""]
    lines += [f"target {tgt}: {'MET' if ok else 'MISSED'} ({fig})" for tgt, ok, fig in bench_startup.verdicts(med)]
    sec = Section("demo database", "start-up", f"bench_startup.measure({runs})", "\n".join(lines), time.perf_counter() - t)
    rows = []
    for name, ms in med.items():
        target, met = "", None
        if name == bench_startup.QUERY:
            target, met = "<= sqlite-utils rows", ms <= peer
        elif name in bench_startup.UNDER_200:
            target, met = "< 200 ms", ms < 200
        rows.append(Row("demo db", f"start-up: `{name}`", f"median of {runs}", ms / 1000,
                        "sqlite-utils rows --limit 1 (no numpy)" if name.startswith("crm") else "",
                        peer / 1000 if name.startswith("crm") else None, None, target, met,
                        f"CPU {cpu_med[name]:.0f} ms (peer {cpu_med[bench_startup.PEER]:.0f} ms)"))
    return sec, rows


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    ram = "unknown"
    try:
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    shell = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[:1] \
        if shutil.which("sqlite3") else ["(none)"]
    commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True,
                            text=True).stdout.strip()
    return {"CPU": f"{cpu}, {os.cpu_count()} cores", "RAM": ram, "OS": platform.platform(),
            "Python": sys.version.split()[0], "SQLite library": sqlite3.sqlite_version,
            "sqlite3 shell": " ".join(shell), "commit": commit}


def fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x * 1000:.1f} ms" if x < 0.01 else f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a literal | inside a markdown table cell


def table(rows: list[Row]) -> list[str]:
    out = ["| size | operation | stat | crm | baseline | baseline time | ratio | peak RSS | target | verdict | note |",
           "|---|---|---|---:|---|---:|---:|---:|---|---|---|"]
    for r in rows:
        verdict = "" if r.met is None else ("met" if r.met else "**MISSED**")
        out.append(f"| {r.size} | {_cell(r.operation)} | {r.stat} | {fmt_s(r.crm)} | {r.baseline_name} | {fmt_s(r.baseline)} | "
                   f"{'' if r.ratio is None else f'{r.ratio:.2f}x'} | "
                   f"{'' if r.rss_mb is None else f'{r.rss_mb:,.0f} MB'} | {r.target} | {verdict} | {r.note} |")
    return out


def margin(r: Row) -> str:
    """How far a figure is from its target, read from the target's own words ("< 0.5 s", "<= 3x ...")."""
    m = re.match(r"<=? ?(\d+(?:\.\d+)?) ?(ms|s|min|x)\b", r.target)
    if m and r.crm is not None:
        limit = float(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60, "x": 1}[m.group(2)]
        value = r.ratio if m.group(2) == "x" else r.crm
        if value is None:
            return ""
        shown = (lambda v: f"{v:.2f}x") if m.group(2) == "x" else fmt_s
        word = "under" if value <= limit else "over"
        return f"{shown(value)} vs {shown(limit)}: {abs(value - limit) / limit:.0%} {word}"
    if r.target.startswith("<= sqlite-utils") and r.ratio is not None:
        return f"{r.ratio:.2f}x the peer: {abs(1 - r.ratio):.0%} {'faster' if r.ratio <= 1 else 'slower'}"
    return ""


def targets(rows: list[Row]) -> list[str]:
    out = ["| size | operation | target | verdict | by how much |", "|---|---|---|---|---|"]
    for r in rows:
        if r.met is not None:
            out.append(f"| {r.size} | {_cell(r.operation)} | {r.target} | {'met' if r.met else '**MISSED**'} | {margin(r)} |")
    return out


def write_results(path: Path, info: dict[str, str], argv: list[str], load: tuple[str, str], rows: list[Row],
                  sections: list[Section], elapsed: float, done: bool = True) -> None:
    state = (f"in {elapsed / 60:.1f} min." if done else
             f"— **incomplete**: written after {elapsed / 60:.1f} min, while the run was still going "
             "(each finished script is recorded as it ends).")
    lines = ["# Benchmark results", "",
             f"Written by `python benchmarks/run.py {' '.join(argv)}` on "
             f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} {state}", "",
             "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += [f"- load average at start: {load[0]}; at the end: {load[1]} (other jobs share the machine: "
              "ratios to a baseline measured in the same run are steadier than absolute times)", "",
              "## Targets", "",
              "Each target (issues 10 and 19; the reports' 5 s limit is their own issue's) at the size it is set for; "
              "the time is the summary's figure (median wall time where the script keeps it). "
              "Why a target is missed: see the notes below.", "", *targets(rows), "",
              "## Summary", "",
              "Times are wall clock; `stat` says whether a figure is the median or the best of several runs "
              "(each feature script keeps what it keeps). Ratio = crm / baseline. A verdict is given where "
              "issue 10 or 19 sets a target at this size.", "", *table(rows), ""]
    missing = [s for s in sections if s.status != "ok"]
    if missing:
        lines += ["## Not measured", ""] + [f"- {s.size} {s.name}: {s.status}" for s in missing] + [""]
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    lines += ["## Full output of each script", ""]
    for s in sections:
        if not s.output:
            continue
        lines += [f"### {s.size}: {s.name} ({s.seconds:.0f} s, process tree peak RSS {s.tree_rss_mb:,.0f} MB)", "",
                  f"`{s.command}` — {s.status}", "", "```", s.output.rstrip(), "```", ""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k", help="comma-separated: 10k,100k,1m (or any N, 250k, 2m)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/crm-bench-suite"), help="generated databases, reused")
    ap.add_argument("--only", help="comma-separated subset: startup,query,import,export,dedupe,segments,reports,doctor")
    ap.add_argument("--runs", type=int, default=0, help="repetitions where a script takes a count (default 5; 3 at 1M)")
    ap.add_argument("--startup-runs", type=int, default=11)
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="'-' to write no file")
    args = ap.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    only = set(args.only.split(",")) if args.only else None
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    load0 = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    t_all = time.perf_counter()
    print(f"{info['CPU']}, {info['RAM']}, Python {info['Python']}, SQLite {info['SQLite library']}; "
          f"load average {load0}", flush=True)
    rows: list[Row] = []
    sections: list[Section] = []

    def show(new: list[Row]) -> None:
        for line in table(new)[2:]:
            print("  " + line, flush=True)

    if only is None or "startup" in only:
        print("== start-up (demo database)", flush=True)
        sec, new = startup(args.startup_runs)
        sections.append(sec)
        rows += new
        show(new)
    for size, n in (_parse_size(s) for s in args.sizes.split(",") if s.strip()):
        print(f"== {size}: {n:,} customers", flush=True)
        dbpath = ensure_db(args.workdir, n)
        runs = args.runs or (3 if n >= 1_000_000 else 5)
        for name, cmd, timeout, reader in plan(size, n, args.workdir, dbpath, runs):
            if only is not None and name not in only:
                continue
            script = ROOT / cmd[1]
            shown = " ".join(c if c != sys.executable else "python" for c in cmd)
            if not script.exists():
                print(f"  {name}: not available ({cmd[1]} is not in this checkout)", flush=True)
                sections.append(Section(size, name, shown, status=f"not available: {cmd[1]} is not in this checkout"))
                continue
            if name == "dedupe":
                ensure_dedupe_db(args.workdir, n)
            print(f"  {name}: {shown}", flush=True)
            status, text, secs, rss = _run(cmd, timeout, args.workdir / "logs")
            sec = Section(size, name, shown, text, secs, rss)
            if status == -9:
                sec.status = f"timed out after {timeout:.0f} s"
            elif status not in (0, 1):  # 1: the script ran and reports a missed target
                sec.status = f"failed (exit {status})"
            new = reader(text, size, n)
            if name == "import":
                su = sqlite_utils_import(Path(cmd[cmd.index("--dir") + 1]), ledger_rows(n), size)
                if su and su.crm:
                    new[1:1] = [su]
                    for r in new:
                        if r.operation.startswith("import: crm import (CSV") and r.crm:
                            r.note += f"; {r.crm / su.crm:.2f}x sqlite-utils insert --csv"
            if not new and sec.status == "ok":
                sec.status = "ran, but its output had no figures this script recognises (see the full output)"
            sec.rows = new
            sections.append(sec)
            rows += new
            print(f"    ({secs:.0f} s, {sec.status})", flush=True)
            show(new)
            if str(args.out) != "-":  # a long run killed later still leaves what finished
                write_results(args.out, info, argv, (load0, " / ".join(f"{x:.2f}" for x in os.getloadavg())), rows,
                              sections, time.perf_counter() - t_all, done=False)
    load1 = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    elapsed = time.perf_counter() - t_all
    print(f"done in {elapsed / 60:.1f} min; load average at the end {load1}")
    if str(args.out) != "-":
        write_results(args.out, info, argv, (load0, load1), rows, sections, elapsed)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
