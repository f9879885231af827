"""Pipes (issue 14, finding 10): process substitution and FIFOs import (read once), and a stdin
import leaves no spool file in the temp folder however it ends — failure, SIGTERM or SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.crafted import write_xlsx
from tests.dbdump import dump

CSV = "客户名称,联系电话\n甲公司,13812345678\n乙公司,13912345678\n".encode()


def crm(db: Path, *args: str, tmpdir: Path, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {**os.environ, "CRM_LANG": "en", "TMPDIR": str(tmpdir)}
    return subprocess.run([sys.executable, "-m", "crmcli", "--db", str(db), *args], capture_output=True,
                          env=env, timeout=60, **kw)


@pytest.fixture
def tmpdir_(tmp_path: Path) -> Path:
    d = tmp_path / "tmp"
    d.mkdir()
    return d


def test_process_substitution_imports(db_path: Path, tmp_path: Path, tmpdir_: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash for <(...)")
    (tmp_path / "ok.csv").write_bytes(CSV)
    p = subprocess.run([bash, "-c", f'"{sys.executable}" -m crmcli --db "{db_path}" import <(cat "{tmp_path}/ok.csv")'],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "CRM_LANG": "en",
                                                                         "TMPDIR": str(tmpdir_)})
    assert p.returncode == 0, p.stderr
    assert "2 inserted" in p.stderr
    assert list(tmpdir_.iterdir()) == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_fifo_with_one_writer_imports_without_hanging(db_path: Path, tmp_path: Path, tmpdir_: Path,
                                                        kind: str) -> None:
    data = CSV if kind == "csv" else write_xlsx(tmp_path / "ok.xlsx").read_bytes()
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def writer() -> None:  # one writer: a second open by the reader would wait for ever
        with open(fifo, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    p = crm(db_path, "import", str(fifo), tmpdir=tmpdir_, text=True)
    t.join(5)
    assert p.returncode == 0, p.stderr
    assert " inserted" in p.stderr and "0 inserted" not in p.stderr
    assert list(tmpdir_.iterdir()) == []


def test_a_failed_stdin_import_leaves_no_spool(db_path: Path, tmpdir_: Path) -> None:
    before = dump(db_path)
    for data in (b"garbage\x00\x01\x02" * 100, b"", "客户名称,联系电话\n甲公司,123\n".encode()):
        p = crm(db_path, "import", "-", tmpdir=tmpdir_, input=data)
        assert p.returncode == 1, p.stderr
        assert list(tmpdir_.iterdir()) == []
    assert dump(db_path) == before


def _open_files(pid: int) -> list[str]:
    out = []
    try:
        for f in Path(f"/proc/{pid}/fd").iterdir():
            try:
                out.append(os.readlink(f))
            except OSError:
                pass  # closed meanwhile
    except OSError:
        pass
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="watches the process through /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_stdin_import_leaves_no_spool(db_path: Path, tmpdir_: Path, sig: signal.Signals) -> None:
    env = {**os.environ, "CRM_LANG": "en", "TMPDIR": str(tmpdir_)}
    proc = subprocess.Popen([sys.executable, "-m", "crmcli", "--db", str(db_path), "import", "-"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(CSV * 2000)  # the spool is being written; stdin stays open
    proc.stdin.flush()
    deadline = time.monotonic() + 20
    # wait until crm has made its spool (its descriptor points into our temp folder)
    while time.monotonic() < deadline:
        if any(str(tmpdir_) in target for target in _open_files(proc.pid)):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("crm never opened a spool file")
    proc.send_signal(sig)
    proc.wait(10)
    assert list(tmpdir_.iterdir()) == []


def test_restore_from_a_fifo_with_one_writer(tmp_path: Path, tmpdir_: Path) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    for db in (source, target):
        p = crm(db, "init", tmpdir=tmpdir_, text=True)
        assert p.returncode == 0, p.stderr
    assert crm(source, "add", "customer", "--name", "甲公司", "--phone", "13812345678", tmpdir=tmpdir_).returncode == 0
    made = crm(source, "backup", tmpdir=tmpdir_, text=True)
    data = Path(made.stdout.strip().splitlines()[-1]).read_bytes()
    fifo = tmp_path / "backup.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    p = crm(target, "restore", str(fifo), "--yes", tmpdir=tmpdir_, text=True)
    t.join(5)
    assert p.returncode == 0, p.stderr
    names = crm(target, "query", "--format", "csv", "--columns", "name", tmpdir=tmpdir_, text=True).stdout
    assert "甲公司" in names
