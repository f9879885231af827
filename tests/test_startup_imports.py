"""Start-up regression guard: a command imports only what it uses.

Every `crm` call pays for what it imports before doing anything (a shell pipeline or
cron job calls crm many times). Each heavy library below costs from a few to tens of
milliseconds; none is needed to start, to print help, to add one customer or to run
a query as CSV. Each case runs in a fresh interpreter, as a user's shell runs crm,
and reports which heavy modules ended up in sys.modules. Not a timing test: timings
live in benchmarks/bench_startup.py and benchmarks/run.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

# rich only when drawing for a terminal; openpyxl/calamine only for xlsx; rapidfuzz/pypinyin/opencc
# only for dedupe; phonenumbers only for a landline; charset_normalizer only to sniff a file's
# encoding; pydantic never (typer >= 0.29 pulls it in); sqlite_utils is for tests and benchmarks.
HEAVY = ("openpyxl", "python_calamine", "rapidfuzz", "rich", "phonenumbers", "pypinyin", "opencc",
         "charset_normalizer", "pydantic", "sqlite_utils", "pandas", "numpy")

PROBE = """
import json, sys
heavy = sys.argv[1].split(",")
sys.argv = ["crm", *sys.argv[2:]]
if "<import>" in sys.argv:
    import crmcli.cli  # noqa: F401
    code = 0
else:
    from crmcli.cli import main
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code or 0
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}), file=sys.stderr)
"""


def _loaded(tmp_path: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_DB", "CRM_INTERACTIVE")}
    env.update(CRM_CONFIG=str(tmp_path / "config.toml"), HOME=str(tmp_path), NO_COLOR="1", CRM_LANG="en")
    res = subprocess.run([sys.executable, "-c", PROBE, ",".join(HEAVY), *args], capture_output=True, text=True,
                         env=env, stdin=subprocess.DEVNULL, timeout=60)
    report = json.loads(res.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, res.stderr
    return report["loaded"]


@pytest.mark.parametrize("args", [
    ["<import>"],
    ["--version"],
    ["--help"],
    ["add", "--help"],
    ["query", "customers", "--limit", "1", "--format", "csv"],
    ["query", "status=意向", "orders.date>=-3m", "--format", "json"],
    ["query", "customers", "--count"],
    ["add", "customer", "--name", "北京启动测试有限公司", "--phone", "13812345678"],
    ["show", "C20240101001", "--format", "json"],
    ["import", "--help"],
    ["dedupe", "--help"],
    ["segment", "--help"],
    ["report", "--help"],
    ["segment", "run"],
    ["report", "revenue", "--format", "csv"],
    ["export", "customers", "--format", "csv"],
], ids=lambda a: " ".join(a))
def test_a_command_imports_no_heavy_module_it_does_not_use(tmp_path: Path, db_path: Path, args: list[str]) -> None:
    if args[0] == "show":  # a customer to show
        _loaded(tmp_path, "--db", str(db_path), "add", "customer", "--name", "上海展示测试有限公司",
                "--email", "a@example.com")
        from crmcli import db

        conn = db.connect(db_path)
        args = [args[0], conn.execute("SELECT customer_id FROM customers").fetchone()[0], *args[2:]]
        conn.close()
    assert _loaded(tmp_path, "--db", str(db_path), *args) == []


def test_the_probe_sees_a_heavy_module_when_one_is_imported(tmp_path: Path) -> None:
    """The guard itself works: a module imported in the process is reported."""
    env = dict(os.environ, CRM_CONFIG=str(tmp_path / "config.toml"))
    res = subprocess.run([sys.executable, "-c", "import sqlite_utils;" + PROBE, "sqlite_utils,rich", "<import>"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert json.loads(res.stderr.strip().splitlines()[-1])["loaded"] == ["sqlite_utils"]


def _toy() -> typer.Typer:
    app, sub = typer.Typer(), typer.Typer()

    def query() -> None: ...

    def export_all() -> None: ...

    app.command()(query)
    app.command()(export_all)  # registered as export-all
    sub.command("customer")(lambda: None)
    sub.command("order")(lambda: None)
    app.add_typer(sub, name="add")
    return app


def _names(app: typer.Typer) -> list[str]:
    from crmcli.cli import _name

    return [_name(c) for c in app.registered_commands] + [
        f"{_name(g)}:{','.join(_name(c) for c in g.typer_instance.registered_commands)}" for g in app.registered_groups]


@pytest.mark.parametrize(("argv", "kept"), [
    (["--db", "x.db", "query", "a=b"], ["query"]),
    (["--db=x.db", "export-all"], ["export-all"]),
    (["--lang", "zh", "add", "order", "--amount", "5"], ["add:order"]),
    (["add", "--help"], ["add:customer,order"]),
    (["--help"], ["query", "export-all", "add:customer,order"]),
    (["--version"], ["query", "export-all", "add:customer,order"]),
    ([], ["query", "export-all", "add:customer,order"]),
    (["qurey"], ["query", "export-all", "add:customer,order"]),  # click suggests 'query' from the full list
])
def test_main_builds_only_the_command_it_runs(argv: list[str], kept: list[str]) -> None:
    from crmcli.cli import _prune

    app = _toy()
    _prune(app, argv)
    assert _names(app) == kept


def test_crm_demo_through_the_real_entry_point_runs_every_step(tmp_path) -> None:
    """main() builds only the invoked command; the demo runs the others in-process."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, CRM_CONFIG=str(tmp_path / "c.toml"), NO_COLOR="1")
    code = "import sys; sys.argv = ['crm', 'demo']; from crmcli.cli import main; main()"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert "No such command" not in r.stderr and "Traceback" not in r.stderr
    assert "$ crm segment run" in r.stdout and "$ crm report overview" in r.stdout
    assert re.search(r"^wrote \S+/report\.html$", r.stderr, re.M) and re.search(r"^wrote \S+/revenue\.pdf$", r.stderr, re.M)
