"""Template ids: PREFIX + YYYYMMDD + serial; unique past 999 a day and across processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from crmcli import db, ids


def test_ids_have_the_template_shape(conn: sqlite3.Connection) -> None:
    day = date(2023, 10, 25)
    with db.transaction(conn):
        got = [ids.next_id(conn, t, day) for t in ("customers", "followups", "orders", "tickets", "needs")]
    assert got == ["C20231025001", "F20231025001", "DD20231025001", "SR20231025001", "D20231025001"]


def test_serials_grow_past_999_a_day(conn: sqlite3.Connection) -> None:
    day = date(2024, 5, 20)
    with db.transaction(conn):
        drawn = []
        for _ in range(1001):
            cid = ids.next_id(conn, "customers", day)
            conn.execute("INSERT INTO customers (customer_id, name) VALUES (?, 'x')", (cid,))
            drawn.append(cid)
    assert drawn[998] == "C20240520999"
    assert drawn[999] == "C202405201000"
    assert drawn[1000] == "C202405201001"
    assert len(set(drawn)) == 1001


def test_an_imported_id_of_the_same_shape_is_skipped(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO customers (customer_id, name) VALUES ('C20240520001', 'imported')")
    with db.transaction(conn):
        assert ids.next_id(conn, "customers", date(2024, 5, 20)) == "C20240520002"


def test_other_id_shapes_are_recognised() -> None:
    assert ids.parse("C20231025001") == ("C", "20231025", 1)
    assert ids.parse("CRM-2024-001") is None
    assert ids.table_for("DD20240520001") == "orders"
    assert ids.table_for("SR20240520001") == "tickets"


SCRIPT = """
import sys
from crmcli import db, ids
conn = db.connect(sys.argv[1])
out = []
for _ in range(150):
    with db.transaction(conn):
        cid = ids.next_id(conn, "customers")
        conn.execute("INSERT INTO customers (customer_id, name) VALUES (?, 'p')", (cid,))
    out.append(cid)
print("\\n".join(out))
"""


def test_two_processes_adding_at_once_never_collide(db_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    drawn = [line for out, _ in outs for line in out.split()]
    assert len(drawn) == 300 and len(set(drawn)) == 300
