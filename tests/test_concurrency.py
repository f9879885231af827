"""Concurrent writers for real: four processes add 500 customers each through the CLI
while updating each other's records; all 2,000 arrive, nobody sees 'database is locked'.

Each worker is one Python process that drives the real `crm` command (the Typer app,
its error boundary, a fresh connection per command, as a shell loop would) so the
test measures locking, not interpreter start-up; a fifth writer runs genuine
`python -m crmcli` processes alongside them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli import db, doctor

SRC = str(Path(__file__).resolve().parents[1] / "src")

WORKER = r'''
import random, sys
import typer
from crmcli.cli import app
from crmcli.cli.common import state

command = typer.main.get_command(app)  # built once; Typer would rebuild it on every call

db_path, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(worker)
errors = 0

def crm(*args):
    global errors
    try:
        command.main(["--db", db_path, *args], prog_name="crm", standalone_mode=False)
        code = 0
    except SystemExit as e:
        code = e.code or 0
    except Exception as e:  # anything escaping the boundary is a failure too
        print(f"worker {worker}: {type(e).__name__}: {e}", file=sys.stderr)
        code = 99
    finally:
        state.close()
    if code:
        errors += 1
        print(f"worker {worker}: exit {code} for {args}", file=sys.stderr)

for i in range(n):
    crm("add", "customer", "--name", f"并发公司{worker}-{i}", "--phone", f"13{worker}{i:08d}",
        "--owner", f"w{worker}")
    if i % 10 == 9:
        # update someone else's record: the newest customer by another worker, if any
        other = (worker + rng.randint(1, 3)) % 4
        crm("update", f"owner=w{other}", "name~" + f"并发公司{other}-{rng.randint(0, i)}",
            "--set", f"notes=touched by {worker}", "--yes")
print(f"worker {worker} done, errors={errors}", file=sys.stderr)
sys.exit(1 if errors else 0)
'''


@pytest.mark.slow
def test_four_processes_add_and_update_at_once(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    # A reader stays connected the whole time, like a salesperson's open session; it also
    # spares each short-lived command the checkpoint SQLite runs when the last connection closes.
    session = db.connect(db_path)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(db_path), str(w), "500"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    # genuine command-line processes writing at the same time
    shell = [subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db_path), "add", "customer",
                             "--name", f"命令行公司{i}", "--phone", f"1590000{i:04d}"],
                            env=env, capture_output=True, text=True) for i in range(5)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    for r in shell:
        assert r.returncode == 0, r.stderr
        assert "locked" not in r.stderr
    session.close()
    conn = db.connect(db_path)
    assert conn.execute("SELECT count(*) FROM customers WHERE name LIKE '并发公司%'").fetchone()[0] == 2000
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2005
    for w in range(4):
        assert conn.execute("SELECT count(*) FROM customers WHERE owner = ?", (f"w{w}",)).fetchone()[0] == 500
    assert conn.execute("SELECT count(DISTINCT customer_id) FROM customers").fetchone()[0] == 2005
    # the updates happened, and every write is in the log
    assert conn.execute("SELECT count(*) FROM customers WHERE notes LIKE 'touched by %'").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM operations WHERE kind = 'add'").fetchone()[0] == 2005
    assert doctor.diagnose(conn) == []
