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
# encoding; textual only for `crm tui`; pydantic never, even under typer >= 0.29, which converts every
# option value with it (crm converts its own: cli/convert.py); sqlite_utils is for tests and benchmarks.
HEAVY = ("openpyxl", "python_calamine", "rapidfuzz", "rich", "phonenumbers", "pypinyin", "opencc",
         "charset_normalizer", "pydantic", "sqlite_utils", "pandas", "numpy", "textual")

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
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules),
                  "commands": sorted(m for m in sys.modules if m.startswith("crmcli.cli.") and m.endswith("_cmds"))}),
      file=sys.stderr)
"""


def _probe(tmp_path: Path, *args: str) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("CRM_DB", "CRM_INTERACTIVE")}
    env.update(CRM_CONFIG=str(tmp_path / "config.toml"), HOME=str(tmp_path), NO_COLOR="1", CRM_LANG="en")
    res = subprocess.run([sys.executable, "-c", PROBE, ",".join(HEAVY), *args], capture_output=True, text=True,
                         env=env, stdin=subprocess.DEVNULL, timeout=60)
    report = json.loads(res.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, res.stderr
    return report


def _loaded(tmp_path: Path, *args: str) -> list[str]:
    return _probe(tmp_path, *args)["loaded"]


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


@pytest.mark.parametrize(("args", "modules"), [
    (["<import>"], []),
    (["--version"], []),
    (["query", "customers", "--limit", "1", "--format", "csv"], ["crmcli.cli.query_cmds"]),
    (["add", "customer", "--name", "北京模块测试有限公司", "--phone", "13812345678"], ["crmcli.cli.add_cmds"]),
    (["--lang", "zh", "query", "customers", "--count"], ["crmcli.cli.query_cmds"]),  # help translated on its path only
    (["add", "order", "--help", "--lang", "zh-Hant"], ["crmcli.cli.add_cmds"]),
    (["segment", "run"], ["crmcli.cli.segment_cmds"]),
    (["log", "--format", "csv"], ["crmcli.cli.safety_cmds"]),
])
def test_a_command_imports_only_its_own_command_module(tmp_path: Path, db_path: Path, args: list[str],
                                                       modules: list[str]) -> None:
    assert _probe(tmp_path, "--db", str(db_path), *args)["commands"] == modules


def test_help_lists_every_command_and_a_typo_is_answered_without_building_any(tmp_path: Path) -> None:
    from crmcli.cli import COMMANDS

    env = dict(os.environ, CRM_CONFIG=str(tmp_path / "c.toml"), NO_COLOR="1")
    code = "import sys; sys.argv = ['crm', *sys.argv[1:]]; from crmcli.cli import main; main()"
    listed = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, env=env, timeout=60)
    names = [line.split()[0] for line in listed.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert names == list(COMMANDS)
    typo = ("import sys; sys.argv = ['crm', 'qurey']; from crmcli.cli import main\n"
            "try:\n    main()\nfinally:\n    print(sorted(m for m in sys.modules if m.endswith('_cmds')))")
    res = subprocess.run([sys.executable, "-c", typo], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2 and "No such command 'qurey'. Did you mean 'query'?" in res.stderr
    assert res.stdout.strip() == "[]"


def test_every_named_command_is_defined_on_its_module_app_and_nothing_else_is() -> None:
    """COMMANDS (name -> module, what the root group knows without importing) and the modules' apps agree."""
    import importlib
    import pkgutil

    import crmcli.cli
    from crmcli.cli import COMMANDS

    modules = {m.name for m in pkgutil.iter_modules(crmcli.cli.__path__) if m.name.endswith("_cmds")}
    assert modules == set(COMMANDS.values())
    for module in sorted(modules):
        built = typer.main.get_command(importlib.import_module(f"crmcli.cli.{module}").app)
        defined = list(built.commands) if hasattr(built, "commands") else [built.name]
        assert sorted(defined) == sorted(n for n, m in COMMANDS.items() if m == module), module


def test_the_add_group_builds_only_the_subcommand_looked_up() -> None:
    from crmcli.cli import app

    root = typer.main.get_command(app)
    ctx = root.make_context("crm", ["add", "order"], resilient_parsing=True)
    add = type(root.get_command(ctx, "add"))(name="add")  # a fresh group: other tests may have built some
    assert add.list_commands(ctx) == ["customer", "contact", "followup", "order", "ticket", "need"]
    order = add.get_command(ctx, "order")
    assert "--amount" in [o for p in order.params for o in p.opts]
    assert add.commands.built() == ["order"]


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
