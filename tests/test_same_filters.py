"""One filter language, one compiler: `crm query` and `crm export` given the same words run the same WHERE.

Each command runs through the CLI on the demo data set with every SQL statement traced (parameters bound
in), and the WHERE clause of its SELECT over the module is compared. The module-or-filter guess for the
first word is one function (filters.split_module), so `crm export orders.amount` explains the shell
quoting exactly as `crm query` does.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli import db, demo_data

PINNED = {"CRM_TODAY": "2024-06-15"}
WORDS = [
    [],
    ["customer_type=老客户", "orders.date>=-3m", "orders.amount>=50000", "tickets.satisfaction>=4"],  # seed 000
    ["followups.by~经理", "tag=重点维护"],
    ["!followups.date>=-90d", "orders.count>=1"],
    ["交易信息.金额>=10万", "交易信息.订单状态=已完成", "合作状态=合作中|意向"],
    ["orders", "status=已完成", "date>=2024-01", "amount>=50000"],
    ["orders", "customer_type=老客户", "orders.amount>=100000"],
    ["tickets", "urgency=紧急|特急", "satisfaction<=2"],
    ["needs", "stage=方案制定"],
    ["orders.sum(amount)>=200000", "!tag=高风险"],
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("same") / "demo.db"
    conn = db.create(path)
    demo_data.build(conn)
    conn.close()
    return path


def _where_run(monkeypatch: pytest.MonkeyPatch, demo_db: Path, *argv: str) -> tuple[str, str]:
    """(module, WHERE clause) of the SELECT the command ran, with its parameters bound in."""
    from crmcli.cli import app

    statements: list[str] = []
    real = db.connect

    def traced(path: object) -> sqlite3.Connection:
        conn = real(path)  # type: ignore[arg-type]
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(db, "connect", traced)
    res = CliRunner().invoke(app, ["--db", str(demo_db), *argv], env=PINNED)
    monkeypatch.setattr(db, "connect", real)
    assert res.exit_code == 0, res.output
    found = [m for s in statements if (m := re.match(r"SELECT .+? FROM (\w+) WHERE (.+) ORDER BY [^()]+$", s, re.S))]
    assert len(found) == 1, statements
    return found[0].group(1), found[0].group(2)


@pytest.mark.parametrize("words", WORDS, ids=lambda w: " ".join(w) or "(none)")
def test_query_and_export_compile_the_same_where_for_the_same_words(
        monkeypatch: pytest.MonkeyPatch, demo_db: Path, words: list[str]) -> None:
    queried = _where_run(monkeypatch, demo_db, "query", *words, "--format", "csv")
    exported = _where_run(monkeypatch, demo_db, "export", *words, "--format", "csv")
    assert queried == exported
    assert words == [] or queried[1] != "1"  # the filters did reach the SQL


@pytest.mark.parametrize(("words", "message"), [
    (["orders.amount"], "quote the filter, 'orders.amount>=50000'"),
    (["satisfaction"], "filter 'satisfaction': needs field OP value"),
    (["ordres", "amount>5"], "'ordres' is neither a filter (field=value, e.g. status=意向) nor a module"),
])
@pytest.mark.parametrize("command", ["query", "export", "update"])
def test_the_first_word_is_read_alike_and_explained_alike(cli, command: str, words: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    extra = ["--set", "level=VIP", "--dry-run"] if command == "update" else []
    if command == "update" and len(words) == 1:
        words = [*words, "status=意向"]  # one word alone is a record id to update
    res = cli(command, *words, *extra)
    assert res.exit_code == 1 and res.stdout == ""
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
