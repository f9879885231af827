"""Progress goes to stderr on a terminal only: a real pseudo-terminal sees it, a pipe sees nothing."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli.cli import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress.task("dedupe", total=10) as advance:
        advance(5)
        advance(completed=10)
    assert err.getvalue() == ""
    assert progress.sheets("import") == (None, None)


def test_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_NO_PROGRESS", raising=False)
    monkeypatch.setattr(sys, "stderr", _Tty())
    with progress.task("counting", total=4) as advance:
        advance(2)
    update, bar = progress.sheets("import")
    assert update is not None and bar is not None
    update("客户", 1, 2)
    bar.stop()


def _on_a_pty(args: list[str]) -> tuple[int, bytes, bytes]:
    """Run crm with stderr on a pseudo-terminal and stdout on a pipe: (exit, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "100"}
    env.pop("CRM_NO_PROGRESS", None)
    proc = subprocess.Popen([sys.executable, "-m", "crmcli", *args], stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read() if proc.stdout else b""
    os.close(master)
    return proc.wait(), out, seen


@pytest.mark.parametrize("args,label", [(["segment", "run"], "segment run"), (["backup"], "backup"),
                                        (["doctor", "--format", "json"], "doctor"),
                                        (["dedupe", "--format", "json"], "dedupe")])
def test_long_steps_show_progress_on_a_terminal_only(tmp_path: Path, args: list[str], label: str) -> None:
    db = tmp_path / "crm.db"
    subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db), "init", "--demo"], check=True,
                   capture_output=True)
    rc, out, terminal = _on_a_pty(["--db", str(db), *args])
    assert rc in (0, 3), terminal  # doctor: 3 = problems found (the demo has some on purpose)
    assert label.encode() in terminal
    assert label.encode() + b":" not in out  # stdout stays data
    piped = subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db), *args], capture_output=True)
    assert label.encode() + b": " not in piped.stderr


def test_a_refused_import_lists_its_rows_below_the_bar_not_on_it(tmp_path: Path) -> None:
    import re

    db = tmp_path / "crm.db"
    subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db), "init"], check=True, capture_output=True)
    (tmp_path / "bad.csv").write_text("客户名称,联系电话\n甲,1391234567\n乙,12345\n丙,13812345678\n", encoding="utf-8")
    rc, _out, terminal = _on_a_pty(["--db", str(db), "import", str(tmp_path / "bad.csv")])
    assert rc == 1
    before = terminal[:terminal.index(b"bad line 2:")]
    line = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", before.replace(b"\r\n", b"\n").rsplit(b"\n", 1)[-1])
    assert line.rsplit(b"\r", 1)[-1].strip() == b"", terminal  # the row starts its own line
