"""Shared fixtures: every test gets its own database, config file and app dir;
Rich is pinned to a fixed width without colour so output is stable."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from crmcli import db

# No per-example time limit: on a loaded 2-core machine Hypothesis' 200 ms deadline fails correct code
# (speed is measured in benchmarks/, never in unit tests).
settings.register_profile("crm", deadline=None)
settings.load_profile("crm")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CRM_DB", raising=False)
    monkeypatch.setenv("CRM_LANG", "en")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CRM_INTERACTIVE", raising=False)
    from crmcli import i18n

    i18n.set_lang("en")  # a CLI test with --lang zh leaves the process language behind for library tests


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    db.create(path).close()
    return path


@pytest.fixture
def filled(db_path: Path) -> Path:
    """The test's database holding tests/reports_data.py's hand-computed report data."""
    from tests.reports_data import build

    c = db.connect(db_path)
    build(c)
    c.close()
    return db_path


@pytest.fixture
def conn(db_path: Path) -> sqlite3.Connection:
    c = db.connect(db_path)
    yield c
    c.close()


Runner = Callable[..., Result]


@pytest.fixture
def cli(db_path: Path) -> Runner:
    """cli('query', 'status=意向') runs `crm --db <tmp db> query status=意向`."""
    import typer

    from crmcli.cli import app
    from crmcli.i18n.help import hoist_lang

    def run(*args: str, input: str | None = None, db: Path | None = db_path, env: dict[str, str] | None = None) -> Result:
        full = (["--db", str(db)] if db is not None else []) + [str(a) for a in args]
        full = hoist_lang(typer.main.get_command(app), full)  # `--lang` after the subcommand, as main() does
        return CliRunner().invoke(app, full, input=input, env=env)

    return run


def need_program(*names: str) -> str:
    """The path of the first of NAMES on PATH (a real program a test drives:
    soffice, chromium, pdftoppm, tmux).

    Absent on a developer's machine the test is skipped with the reason; under CI
    (`.ci/run` sets CRM_REQUIRE_PROGRAMS=1 and installs them) it fails instead, so
    a missing install step cannot turn into a green run that tested nothing.
    """
    import os
    import shutil

    for name in names:
        found = shutil.which(name)
        if found:
            return found
    why = f"needs {' or '.join(names)} on PATH (apt-get install it; .ci/run does)"
    if os.environ.get("CRM_REQUIRE_PROGRAMS") == "1":
        pytest.fail(why)
    pytest.skip(why)
