"""The whole benchmark suite in one run: every operation against its raw baseline, per database size.

    python benchmarks/run.py --sizes 10k            # a developer's check, under 2 minutes
    python benchmarks/run.py --sizes 10k,100k,1m    # the full run (1M: generation alone takes minutes)

Databases are generated with benchmarks/generate.py (and dedupe's labelled ones with
benchmarks/dedupe_data.py) into --workdir once and reused: the file names carry a hash
of the generator, schema.sql and today's date, so a changed schema or generator (or a
new day: the data's dates are relative to today) makes new ones. Each feature's own
benchmark script does the measuring, run here as a subprocess on the shared database
(query, import, export, dedupe, segments, reports; start-up from bench_startup.py);
this script reads the figures from their output, prints one summary table of medians
(or the best run, where a script keeps only that; the column says which), ratios to
the baseline and peak RSS, and writes benchmarks/RESULTS.md with the machine, the date,
the load average and every script's full output. A script missing from this checkout
is reported as "not available" and skipped.
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

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
NUM = r"(\d+(?:\.\d+)?)"


@dataclass
class Row:
    """One line of the summary table."""

    size: str
    operation: str
    stat: str = ""  # median / best of N
    crm: float | None = None  # seconds
    baseline_name: str = ""
    baseline: float | None = None
    rss_mb: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    given_ratio: float | None = None  # the script's own ratio, from unrounded times

    @property
    def ratio(self) -> float | None:
        if self.given_ratio is not None:
            return self.given_ratio
        return self.crm / self.baseline if self.crm is not None and self.baseline else None


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


def _f(pattern: str, text: str, group: int = 1, flags: int = re.M) -> float | None:
    m = re.search(pattern, text, flags)
    return float(m.group(group).replace(",", "")) if m else None


# --- readers: one per feature script, from its printed output to summary rows -------------------------------


def read_query(text: str, size: str, n: int) -> list[Row]:
    rows = []
    blocks = re.split(r"^== ", text, flags=re.M)[1:]
    for b in blocks:
        title = b.splitlines()[0].strip()
        crm = re.search(rf"crm\s+best {NUM} s\s+median {NUM} s\s+cpu {NUM} s\s+\(([\d,]+) rows\)", b)
        base = re.search(rf"baseline best {NUM} s\s+median {NUM} s.*same rows: (\w+)", b)
        if title.startswith("end to end"):
            m = re.search(rf"best {NUM} s\s+median {NUM} s", b)
            if m:
                rows.append(Row(size, "query end to end: `crm query <seed example> --format csv`", "median of 3",
                                float(m.group(2))))
            continue
        if not crm:
            continue
        target, limit = "", None
        if title.startswith("seed 000 example 1"):
            target, limit = "< 0.5 s at 1M", 0.5
        elif title.startswith("churn"):
            target, limit = "< 1 s at 1M", 1.0
        med = float(crm.group(2))
        note = (f"{int(crm.group(4).replace(',', '')):,} rows; best {float(crm.group(1)):.3f} s, CPU {float(crm.group(3)):.3f} s"
                + ("" if not base or base.group(3) == "True" else "; ROWS DIFFER from baseline"))
        rows.append(Row(size, f"query: {title}", "median", med, "hand-written SQL",
                        float(base.group(2)) if base else None, None, target,
                        (med < limit) if limit and n >= 1_000_000 else None, note))
    return rows


def read_import(text: str, size: str, n: int) -> list[Row]:
    found: dict[str, tuple[float, float, float, float | None]] = {}
    for m in re.finditer(rf"^(\S.*?)\s+{NUM}\s+{NUM}\s+(?:{NUM}\s+{NUM}\s+)?(\d+)\s*$", text, re.M):
        found[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)), float(m.group(6)),
                                     float(m.group(4)) if m.group(4) else None)
    base = found.get("sqlite3 .import (CSV)")
    calamine = found.get("python-calamine: read xlsx")
    rows = []
    for name, (wall, cpu, rss, ratio) in found.items():
        if name.startswith("sqlite3"):
            continue
        is_csv = "CSV" in name or "executemany" in name
        is_xlsx = name.startswith("crm import (xlsx")  # bench_import.py's ratio: against calamine's read
        target, met = "", None
        if name.startswith("crm import (CSV"):
            target = "<= 3x sqlite3 .import at 1M"
            met = (ratio if ratio is not None else wall / base[0]) <= 3 if base and n >= 1_000_000 else None
        elif is_xlsx and n >= 100_000:
            target = "<= 3x python-calamine's read"
            met = (ratio if ratio is not None else wall / calamine[0]) <= 3 if calamine else None
        against = "sqlite3 .import" if is_csv else "python-calamine read" if is_xlsx else ""
        rows.append(Row(size, f"import: {name}", "best", wall, against,
                        (base[0] if base else None) if is_csv else (calamine[0] if calamine else None) if is_xlsx
                        else None, rss, target, met, f"CPU {cpu:.2f} s",
                        given_ratio=ratio if is_csv or is_xlsx else None))
    if base:
        rows.insert(0, Row(size, "import: sqlite3 .import (CSV) — the floor", "best", base[0], rss_mb=base[2],
                           note=f"CPU {base[1]:.2f} s"))
    return rows


def read_export(text: str, size: str, n: int) -> list[Row]:
    found = {m.group(1).strip(): (float(m.group(2)), float(m.group(4)), float(m.group(6)), float(m.group(3)))
             for m in re.finditer(rf"^(\S.*?)\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s*$", text, re.M)}
    base = found.get("sqlite3 -csv (baseline)")
    rows = []
    for name, (wall, cpu, rss, ratio) in found.items():
        if name.startswith("generator"):
            rows.append(Row(size, f"export: {name} (the CSV writer alone, no database)", "best", wall, rss_mb=rss,
                            note=f"CPU {cpu:.2f} s"))
            continue
        if name.startswith("sqlite3 -csv (baseline)"):
            rows.append(Row(size, "export: sqlite3 -csv — the floor", "best", wall, rss_mb=rss, note=f"CPU {cpu:.2f} s"))
            continue
        csv_case = name == "crm export (masked, default)"  # the target's case; the variants are shown beside it
        rows.append(Row(size, f"export: {name}", "best", wall, "sqlite3 -csv", base[0] if base else None, rss,
                        "<= 3x sqlite3 -csv at 1M" if csv_case else "",
                        (ratio <= 3) if csv_case and base and n >= 1_000_000 else None, f"CPU {cpu:.2f} s",
                        given_ratio=ratio))
    return rows


def read_dedupe(text: str, size: str, n: int) -> list[Row]:
    wall = _f(rf"^scan {NUM} s wall", text)
    if wall is None:
        return []
    cpu = _f(rf"s wall, {NUM} s CPU", text)
    base = _f(rf"raw SQLite read of the same rows {NUM} s", text)
    rss = _f(r"peak RSS ([\d,]+) MiB", text)
    f1 = re.search(rf"at auto-merge threshold \S+: precision {NUM} recall {NUM} F1 {NUM}", text)
    limit = {100_000: 20.0, 1_000_000: 300.0}.get(n)
    met = (wall < limit) if limit else None
    if met is not None and n >= 1_000_000 and rss is not None:
        met = met and rss * 1.048576 <= 1000  # issue 19: 1 GB (1,000 MB) peak RSS at 1M
    return [Row(size, "dedupe: scan (read, block, score, cluster)", "one run", wall, "read the same rows from SQLite",
                base, rss, {20.0: "< 20 s at 100k", 300.0: "< 5 min and peak RSS <= 1 GB at 1M"}.get(limit or 0, ""),
                met,
                f"CPU {cpu:.1f} s" + (f"; auto-merge P {f1.group(1)} R {f1.group(2)} F1 {f1.group(3)}" if f1 else ""))]


def read_segments(text: str, size: str, n: int) -> list[Row]:
    base = _f(rf"^baseline \(raw GROUP BY[^)]*\)\s+{NUM}s", text)
    rows = []
    for m in re.finditer(rf"^(segment [^\n]*?|query segment[^\n]*?)\s+{NUM}s\s+{NUM}s", text, re.M):
        name, wall, cpu = m.group(1).strip(), float(m.group(2)), float(m.group(3))
        first = name.startswith("segment run (first")
        rows.append(Row(size, f"segments: {name}", "one run", wall, "raw GROUP BY over orders" if first else "",
                        base if first else None, None, "< 60 s at 1M" if first else "",
                        (wall < 60) if first and n >= 1_000_000 else None, f"CPU {cpu:.2f} s"))
    return rows


def read_reports(text: str, size: str, n: int) -> list[Row]:
    base = _f(rf"baseline: full scan of orders {NUM} s", text)
    found = [(m.group(1), m.group(2).strip(), float(m.group(3)))
             for m in re.finditer(rf"^(\S+)\s+(\(none\)|\S.*?)\s+{NUM}\s+{NUM}(?:\s+OVER 5 s)?\s*$", text, re.M)
             if m.group(1) not in ("report", "baseline:")]
    if not found:
        return []
    rows = []
    unfiltered = [f for f in found if f[1] == "(none)"]
    for name, _flt, secs in sorted(unfiltered, key=lambda f: -f[2])[:3]:
        rows.append(Row(size, f"report: {name} (whole database)", "one run", secs, "full scan of orders", base, None,
                        "< 5 s at 1M", secs < 5 if n >= 1_000_000 else None))
    worst = max(found, key=lambda f: f[2])
    rows.append(Row(size, f"report: slowest of {len(found)} runs ({worst[0]}, filters {worst[1]})", "one run", worst[2],
                    "full scan of orders", base, None, "< 5 s at 1M", worst[2] < 5 if n >= 1_000_000 else None))
    return rows


# --- the suite ------------------------------------------------------------------------------------------------


def ensure_db(workdir: Path, n: int) -> Path:
    key = _key(HERE / "generate.py", ROOT / "schema.sql", ROOT / "src" / "crmcli" / "demo_data.py")
    path = workdir / f"crm-{n}-{key}.db"
    if not path.exists():
        from generate import generate

        print(f"  generating {n:,} customers into {path} (cached for later runs) ...", flush=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        generate(tmp, n)
        tmp.rename(path)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def ensure_dedupe_db(workdir: Path, n: int) -> Path:
    """The labelled set bench_dedupe.py scans (its own generator: duplicates with the truth), made once.
    Its name carries a hash of dedupe_data.py alone: the scan reads customers and contacts only."""
    path = workdir / f"dedupe-{n}-{_key(HERE / 'dedupe_data.py')}.db"
    if not path.exists() and (HERE / "dedupe_data.py").exists():
        import dedupe_data

        print(f"  generating the labelled dedupe set of {n:,} customers into {path} ...", flush=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        dedupe_data.generate(str(tmp), n)
        tmp.rename(path)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def plan(size: str, n: int, workdir: Path, dbpath: Path, runs: int) -> list[tuple[str, list[str], float, Callable]]:
    """(name, command, timeout seconds, reader) for each feature script at this size."""
    py = sys.executable
    big = n >= 1_000_000
    t = max(120.0, n / 1000)  # seconds: 10k 2 min, 1M ~17 min
    return [
        ("query", [py, "benchmarks/bench_query.py", "--customers", str(n), "--db", str(dbpath), "--runs", str(runs)],
         t, read_query),
        ("import", [py, "benchmarks/bench_import.py", "--rows", str(n), "--xlsx-rows", str(min(n, 300_000)), "--quick",
                    "--dir", str(workdir / f"import-{_key(HERE / 'generate.py')}"), "--repeat", "1" if big else "2"],
         3 * t, read_import),  # xlsx up to 300k rows (issue 19's size; 1M would hold ~2.3 GB in calamine)
        ("export", [py, "benchmarks/bench_export.py", "--customers", str(n), "--db", str(dbpath),
                    "--repeat", "2" if big else "3"], t, read_export),
        ("dedupe", [py, "benchmarks/bench_dedupe.py", "--customers", str(n),
                    "--db", str(workdir / f"dedupe-{n}-{_key(HERE / 'dedupe_data.py')}.db")],
         2 * t, read_dedupe),
        ("segments", [py, "benchmarks/bench_segments.py", "--customers", str(n), "--cache", str(dbpath)], t,
         read_segments),
        ("reports", [py, "benchmarks/bench_reports.py", "--customers", str(n), "--db", str(dbpath)], t, read_reports),
    ]


def sqlite_utils_import(csv_dir: Path, n: int, size: str) -> Row | None:
    """`sqlite-utils insert DB t CSV --csv` on the CSV bench_import.py wrote: the other raw loader."""
    csv_path = csv_dir / f"customers-{n}.csv"
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
    return Row(size, "import: sqlite-utils insert --csv (raw loader, no validation)", "one run", wall,
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
              "Each target (issue 10's; the reports' 5 s limit is their own issue's) at the size it is set for; "
              "the time is the summary's figure (median wall time where the script keeps it). "
              "Why a target is missed: see the notes below.", "", *targets(rows), "",
              "## Summary", "",
              "Times are wall clock; `stat` says whether a figure is the median or the best of several runs "
              "(each feature script keeps what it keeps). Ratio = crm / baseline. A verdict is given where "
              "issue 10 sets a target at this size.", "", *table(rows), ""]
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
    ap.add_argument("--only", help="comma-separated subset: startup,query,import,export,dedupe,segments,reports")
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
                su = sqlite_utils_import(Path(cmd[cmd.index("--dir") + 1]), n, size)
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
