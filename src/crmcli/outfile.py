"""The one way crm writes a file a person asked for: exports, the template, reports,
rejects, the settings file.

Promises (each has a test in tests/test_outfile.py):
- Never over a file crm reads or owns: a SQLite database (the open one, a backup or
  any other — an export is never one), a database's -wal/-shm/-journal or maintain
  lock, and whatever the caller is reading (`avoid`: the file being imported).
  Refused even with --force: no flag makes `export -o crm.db` sensible.
- An existing file is replaced only when the caller says so: `force=True` (--force)
  or a callable asked per file (the CLI's overwrite prompt on a terminal).
- Atomically: the data goes to a temporary file in the target's folder, renamed
  over the target only when the writing succeeded; a failure leaves the old file
  (or no file) and no temporary file.
- Owner-only (0600) whatever existed before: these files hold customer data.
Special files (/dev/stdout, a FIFO, a terminal) are written in place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from crmcli.errors import CrmError, InvalidValue, reason
from crmcli.i18n import _

Overwrite = bool | Callable[[Path], bool]
SQLITE_MAGIC = b"SQLite format 3\x00"
# Files SQLite and crm keep beside a database; writing over one damages the database or its lock.
SIDECARS = ("-wal", "-shm", "-journal", ".maintain.lock")


class OutputRefused(InvalidValue):
    """The output path is not one crm may write (a database, the input, an existing file without --force)."""


def cannot_write(path: str | os.PathLike[str], e: BaseException) -> str:
    """The one-line message for an output that failed to be written."""
    return _("cannot write {path}: {reason}").format(path=path, reason=reason(e))


def database_files(conn: sqlite3.Connection | None) -> list[tuple[Path, str]]:
    """The open database's file, as an `avoid` entry (it may be a damaged file without the magic)."""
    if conn is None:
        return []
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    except sqlite3.Error:
        return []
    return [(Path(r[2]), _("the database")) for r in rows if r[2]]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _is_database(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _sidecar_of(path: Path) -> Path | None:
    for suffix in SIDECARS:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            base = path.with_name(path.name[: -len(suffix)])
            if _is_database(base):
                return base
    return None


def check(path: str | os.PathLike[str], *, force: Overwrite = False,
          avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> bool:
    """Refuse PATH as an output (OutputRefused) or say how to write it: True = in place (a special file)."""
    p = Path(path)
    for other, role in avoid:
        if _same(p, Path(other)):
            raise OutputRefused(_("{path} is {role}: crm never writes over it; choose another file name").format(
                path=p, role=role))
        for suffix in SIDECARS:
            if _same(p, Path(str(other) + suffix)):
                raise OutputRefused(_("{path} belongs to {role} ({name}): choose another file name").format(
                    path=p, role=role, name=Path(other).name))
    base = _sidecar_of(p)
    if base is not None:
        raise OutputRefused(_("{path} belongs to the database {base}: choose another file name").format(path=p, base=base))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise CrmError(cannot_write(p, e)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputRefused(_("{path} is a folder: give a file name").format(path=p))
    if st is not None and not stat.S_ISREG(st.st_mode):
        return True  # /dev/stdout, a FIFO, a terminal: nothing to replace
    if st is not None:
        if _is_database(p):
            raise OutputRefused(_("{path} is a SQLite database: crm never writes an output file over one; "
                                  "choose another file name").format(path=p))
        allowed = force(p) if callable(force) else force
        if not allowed:
            raise OutputRefused(_("{path} exists; add --force to replace it").format(path=p))
    parent = p.parent
    if not parent.is_dir():
        raise OutputRefused(_("cannot write {path}: folder {folder} does not exist").format(path=p, folder=parent))
    return False


class AtomicFile:
    """A temporary file beside TARGET that becomes TARGET on commit(); discard() leaves no trace.

    Checked at construction (see check()), so a refusal comes before any work.
    """

    def __init__(self, target: str | os.PathLike[str], *, force: Overwrite = False,
                 avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> None:
        self.target = Path(target)
        self.in_place = check(self.target, force=force, avoid=avoid)
        self.tmp: Path | None = None

    def create(self) -> Path:
        """The path to write (the temporary file; the target itself for a special file)."""
        if self.in_place:
            return self.target
        if self.tmp is None:
            try:
                # mkstemp creates the file 0600 whatever the umask: exports hold customer data.
                fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
            except OSError as e:
                raise CrmError(cannot_write(self.target, e)) from None
            os.close(fd)
            self.tmp = Path(name)
        return self.tmp

    def commit(self) -> None:
        if self.tmp is None:
            return
        try:
            os.chmod(self.tmp, 0o600)  # a writer (openpyxl) may have replaced the file we made
            os.replace(self.tmp, self.target)
        except OSError as e:
            self.discard()
            raise CrmError(cannot_write(self.target, e)) from None
        self.tmp = None

    def discard(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, force: Overwrite = False,
                avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> Iterator[Path]:
    """A path to write; it becomes TARGET when the block succeeds (see the module docstring)."""
    f = AtomicFile(target, force=force, avoid=avoid)
    path = f.create()
    try:
        yield path
    except OSError as e:
        f.discard()
        if isinstance(e, BrokenPipeError):
            raise
        raise CrmError(cannot_write(target, e)) from None
    except BaseException:
        f.discard()
        raise
    f.commit()


@contextlib.contextmanager
def open_text(target: str | os.PathLike[str], *, encoding: str = "utf-8", errors: str = "strict",
              force: Overwrite = False, avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()
              ) -> Iterator[IO[str]]:
    """A text stream that becomes TARGET when the block succeeds."""
    with atomic_path(target, force=force, avoid=avoid) as tmp, \
            open(tmp, "w", encoding=encoding, errors=errors, newline="") as fh:
        yield fh


def save_workbook(wb: Any, file: AtomicFile) -> None:
    """openpyxl's wb.save into FILE, then commit; any failure is one line, never openpyxl's traceback."""
    try:
        wb.save(file.create())
    except BaseException as e:
        for ws in getattr(wb, "worksheets", ()):
            # A write-only sheet's row writer would otherwise complain on stderr when collected.
            with contextlib.suppress(Exception):
                ws.close()
        file.discard()
        if isinstance(e, (CrmError, KeyboardInterrupt, SystemExit)) or not isinstance(e, Exception):
            raise
        raise CrmError(cannot_write(file.target, e)) from None
    file.commit()


def write_workbook(wb: Any, target: str | os.PathLike[str], *, force: Overwrite = False,
                   avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> Path:
    """Check TARGET and save WB there (see save_workbook)."""
    save_workbook(wb, AtomicFile(target, force=force, avoid=avoid))
    return Path(target)
