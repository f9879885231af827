"""Output files (crmcli.outfile, issue 14 findings 1, 2 and 11): never over a file crm reads or
owns, an existing file only with --force (or a yes on a terminal), atomically, always 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli import outfile
from crmcli.errors import CrmError
from tests.dbdump import dump

CSV = "客户名称,联系电话\n丙公司,13800000001\n乙公司,12345\n"


def mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


@pytest.fixture
def filled(cli, db_path: Path) -> Path:
    assert cli("add", "customer", "--name", "甲公司", "--phone", "13800000009").exit_code == 0
    return db_path


def one_line_refusal(r, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], r.stderr


@pytest.mark.parametrize("args", [
    ("export", "-o", "{db}"),
    ("export", "-o", "{db}", "-f", "json"),
    ("export", "-o", "{db}", "-f", "xlsx"),
    ("export", "all", "-o", "{db}", "-f", "xlsx"),
    ("export", "-o", "{db}", "--force"),  # --force never makes a database an output
    ("template", "-o", "{db}"),
    ("template", "-o", "{db}", "--force"),
    ("report", "overview", "-o", "{db}"),
    ("report", "overview", "-o", "{db}", "-f", "xlsx"),
    ("import", "{csv}", "--rejects", "{db}"),
    ("import", "{csv}", "--rejects", "{db}", "--force"),
    ("export", "-o", "{db}-wal"),
    ("export", "-o", "{db}-shm", "--force"),
    ("export", "-o", "{db}.maintain.lock"),
])
def test_the_database_and_its_files_are_never_an_output(cli, filled: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(CSV, encoding="utf-8")
    before, raw = dump(filled), filled.read_bytes()
    r = cli(*(a.format(db=filled, csv=src) for a in args))
    one_line_refusal(r, str(filled))
    assert filled.read_bytes() == raw and dump(filled) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_link_to_the_database_and_a_backup_are_refused(cli, filled: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(filled)
    one_line_refusal(cli("export", "-o", str(link), "--force"), "database")
    r = cli("backup")
    assert r.exit_code == 0, r.output
    made = Path(r.stdout.strip().splitlines()[-1])
    raw = made.read_bytes()
    one_line_refusal(cli("export", "-o", str(made), "--force"), "database")
    assert made.read_bytes() == raw


def test_rejects_over_the_input_is_refused_and_the_input_kept(cli, filled: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("客户名称,联系电话\n" + "".join(f"公司{i},1380000{i:04d}\n" for i in range(2000)) + "坏,1\n",
                   encoding="utf-8")
    raw, before = big.read_bytes(), dump(filled)
    for extra in ((), ("--force",)):
        one_line_refusal(cli("import", str(big), "--rejects", str(big), *extra), "being imported")
    hard = tmp_path / "hard.csv"
    os.link(big, hard)  # the same file under another name
    one_line_refusal(cli("import", str(big), "--rejects", str(hard), "--force"), "being imported")
    assert big.read_bytes() == raw and dump(filled) == before


@pytest.mark.parametrize("args", [
    ("export", "-o", "{out}"),
    ("export", "all", "-o", "{out}", "-f", "xlsx"),
    ("template", "-o", "{out}"),
    ("report", "overview", "-o", "{out}"),
    ("import", "{csv}", "--rejects", "{out}"),
])
def test_an_existing_file_is_replaced_only_with_force_and_becomes_0600(cli, filled: Path, tmp_path: Path,
                                                                        args: tuple[str, ...]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(CSV, encoding="utf-8")
    out = tmp_path / ("out.xlsx" if "xlsx" in args or args[0] == "template" else "out.csv")
    out.write_text("precious\n")
    os.chmod(out, 0o644)
    before = dump(filled)
    full = [a.format(out=out, csv=src) for a in args]
    one_line_refusal(cli(*full), "exists", "--force")
    assert out.read_text() == "precious\n" and mode(out) == 0o644 and dump(filled) == before
    r = cli(*full, "--force")
    assert r.exit_code == 0, r.output
    assert out.read_bytes() != b"precious\n" and mode(out) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_on_a_terminal_the_user_is_asked(cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    r = cli("export", "-o", str(out), input="n\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 1 and out.read_text() == "precious\n"
    r = cli("export", "-o", str(out), input="y\n", env={"CRM_INTERACTIVE": "1"})
    assert r.exit_code == 0, r.output
    assert "甲公司" in out.read_text(encoding="utf-8-sig") and mode(out) == 0o600


def test_every_new_file_with_customer_data_is_0600(cli, filled: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        src = tmp_path / "in.csv"
        src.write_text(CSV, encoding="utf-8")
        made = {
            "export.csv": ("export", "-o", str(tmp_path / "export.csv")),
            "export.xlsx": ("export", "-o", str(tmp_path / "export.xlsx")),
            "report.xlsx": ("report", "overview", "-o", str(tmp_path / "report.xlsx")),
            "report.json": ("report", "overview", "-o", str(tmp_path / "report.json"), "-f", "json"),
            "template.xlsx": ("template", "-o", str(tmp_path / "template.xlsx")),
            "rejects.csv": ("import", str(src), "--rejects", str(tmp_path / "rejects.csv")),
            "all/customers.csv": ("export", "all", "-o", str(tmp_path / "all"), "-f", "csv"),
        }
        for name, args in made.items():
            r = cli(*args)
            assert r.exit_code == 0, (name, r.output)
            assert mode(tmp_path / name) == 0o600, name
        assert cli("config", "set", "user", "张伟").exit_code == 0
        assert mode(tmp_path / "config.toml") == 0o600
    finally:
        os.umask(old)


def test_a_failed_export_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), outfile.atomic_path(out, force=True) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert out.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_special_files_are_written_in_place(tmp_path: Path) -> None:
    assert outfile.check("/dev/null") is True
    with outfile.atomic_path("/dev/null") as p:
        assert str(p) == "/dev/null"


def test_unwritable_folder_is_one_line_without_openpyxl_noise(filled: Path) -> None:
    # /proc takes no new files, even for root (which ignores permission bits).
    for args in (["export", "-o", "/proc/crm-x.xlsx"], ["template", "-o", "/proc/crm-x.xlsx"],
                 ["report", "overview", "-o", "/proc/crm-x.xlsx"]):
        p = subprocess.run([sys.executable, "-m", "crmcli", "--db", str(filled), *args], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "CRM_LANG": "en"})
        assert p.returncode == 1, p.stderr
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("Error: cannot write /proc/crm-x.xlsx"), p.stderr


def test_library_refusal_is_a_crm_error(tmp_path: Path, db_path: Path) -> None:
    with pytest.raises(CrmError, match="SQLite database"):
        outfile.check(db_path, force=True)
    with pytest.raises(CrmError, match="is a folder"):
        outfile.check(tmp_path)


def test_maintain_at_a_mistyped_path_leaves_nothing(cli, tmp_path: Path) -> None:
    nope = tmp_path / "nope.db"
    r = cli("maintain", db=nope)
    assert r.exit_code == 1 and "crm init" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.db"]
