"""Shared fixtures: every test gets its own database, config file and app dir;
Rich is pinned to a fixed width without colour so output is stable."""

from __future__ import annotations

import compileall
import os
import shutil
import sqlite3
import sys
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


def pytest_configure(config: pytest.Config) -> None:
    """Byte-code, even where the shell sets PYTHONDONTWRITEBYTECODE (this machine's does).

    Hundreds of tests run the real `python -m crmcli`; without .pyc files each of those processes compiles
    every crmcli module it imports again (~35 ms of CPU a call, measured). An editable install is not
    byte-compiled by pip, so the package is compiled here once (a no-op when current); the children only
    read the files. Letting pytest write its own cache spares re-rewriting the test modules' asserts on
    the next run.
    """
    import crmcli

    sys.dont_write_bytecode = False
    compileall.compile_dir(Path(crmcli.__file__).parent, quiet=1)


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
    from crmcli.i18n import help

    if help._translated or help._click_originals:  # ... and a Chinese --help / usage error (crm demo under zh)
        help.untranslate()
        help.install_click_gettext(on=False)


@pytest.fixture(scope="session")
def _blank_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new database per test process, made by db.create; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("blank") / "crm.db"
    db.create(path).close()
    assert not Path(f"{path}-wal").exists(), "the blank database must be one self-contained file"
    return path


@pytest.fixture
def db_path(tmp_path: Path, _blank_db: Path) -> Path:
    # A copy, not db.create per test: creating one costs ~35 ms of fsyncs, over 1,000 times a run.
    path = tmp_path / "crm.db"
    shutil.copyfile(_blank_db, path)
    os.chmod(path, 0o600)
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
