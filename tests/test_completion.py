"""Shell completion: the scripts install and show, and a Tab completes commands, options, filter field
names, label values, tags and customer ids (through click's completion protocol, as bash calls it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli import completion, records


def tab(db: Path, words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash gets for the command line WORDS (the last word is being completed)."""
    from crmcli.cli import app

    line = f"crm --db {db} {words}"
    cword = len(line.split()) - (0 if words.endswith(" ") else 1)
    r = CliRunner().invoke(app, [], prog_name="crm", env={
        "_CRM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword), **(env or {})})
    assert r.exit_code == 0, r.output
    return r.stdout.split()


def test_show_completion_prints_the_script_for_each_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer._completion_shared as shared

    from crmcli.cli import app

    for shell, marker in (("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command crm")):
        monkeypatch.setattr(shared.shellingham, "detect_shell", lambda s=shell: (s, f"/bin/{s}"))
        r = CliRunner().invoke(app, ["--show-completion"], prog_name="crm")
        assert r.exit_code == 0 and "_CRM_COMPLETE" in r.stdout and marker in r.stdout, (shell, r.stdout[:200])


def test_install_completion_writes_the_shell_rc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer._completion_shared as shared

    from crmcli.cli import app

    monkeypatch.setattr(shared.shellingham, "detect_shell", lambda: ("bash", "/bin/bash"))
    r = CliRunner().invoke(app, ["--install-completion"], prog_name="crm")
    assert r.exit_code == 0, r.output
    assert "_CRM_COMPLETE" in (tmp_path / "home" / ".bash_completions" / "crm.sh").read_text()


def test_commands_and_options(db_path: Path) -> None:
    assert tab(db_path, "tod") == ["today"]
    assert "--limit" in tab(db_path, "query --li")


def test_field_names_label_values_and_modules(db_path: Path) -> None:
    assert tab(db_path, "query sta") == ["status"]
    assert tab(db_path, "query 客户类") == ["客户类型"]
    assert tab(db_path, "query orders.am") == ["orders.amount"]
    assert tab(db_path, "query orders am") == ["amount"]  # the orders module's own field
    assert tab(db_path, "export customers status=合") == ["status=合作中"]
    values = tab(db_path, "query customer_type=")
    assert "customer_type=returning" in values and "customer_type=老客户" in values
    assert "!followups." in tab(db_path, "query !follow")
    assert tab(db_path, "add customer --source 展") == ["展会"]


def test_customer_ids_and_tags_from_the_database(db_path: Path, conn: sqlite3.Connection) -> None:
    a = records.add(conn, "customers", {"name": "北京华信科技有限公司", "phone": "13812345678"})
    b = records.add(conn, "customers", {"name": "上海德盛贸易有限公司", "phone": "13900001111"})
    records.tag(conn, a, ["重点维护", "重点跟进"], [])
    assert tab(db_path, "show ") == [a, b]  # the most recently changed first (a was tagged after b was added)
    assert tab(db_path, f"show {b.lower()}") == [b.lower()]  # ids are case-insensitive: the typed case stays
    assert sorted(tab(db_path, f"show {a[:-1]}")) == [a, b]
    assert tab(db_path, f"tag {a} +重点") == ["+重点维护", "+重点跟进"]
    assert tab(db_path, "query tag=重点维") == ["tag=重点维护"]
    assert sorted(tab(db_path, f"delete {a[:-1]}")) == [a, b]


def test_completion_is_silent_and_never_creates_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    assert tab(missing, "show C") == []
    assert not missing.exists()
    assert completion.customer_ids("C", missing) == []
