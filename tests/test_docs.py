"""Docs checked by tests: every command teaches itself (help with an example) and
is met in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from crmcli.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, object]] = []

    def walk(cmd: object, path: list[str]) -> None:
        if hasattr(cmd, "list_commands"):  # a group: click's public API, which builds lazy commands too
            ctx = cmd.make_context(path[-1] if path else "crm", ["--help"], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name])
        else:
            out.append((" ".join(path), cmd))

    walk(root, [])
    return out


COMMANDS = _commands()


def test_there_are_commands() -> None:
    names = {n for n, _ in COMMANDS}
    assert {"init", "demo", "query", "import", "dedupe", "segment run", "report", "export", "backup", "undo"} <= names


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_with_an_example(name: str, cmd: object) -> None:
    text = getattr(cmd, "help", None) or ""
    assert text.strip(), f"crm {name} has no help"
    if not name.startswith("add "):  # the add commands share one generated docstring with its example
        assert "Example" in text, f"crm {name}: help has no Example"


@pytest.mark.parametrize("name", sorted({n.split()[0] for n, _ in COMMANDS}))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"crm {name}" in README, f"`crm {name}` is not in the README"
