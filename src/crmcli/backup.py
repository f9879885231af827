"""Backups that are safe while others write, verified before they count, and restore.

A backup is SQLite's online backup API into a temporary file next to the target:
all pages in one step, i.e. one consistent snapshot inside a read transaction, so
writers in WAL mode carry on (a file copy could catch a half-written state). VACUUM
INTO is consistent too, but it rebuilds every index; copy + quick_check costs
about what VACUUM INTO alone costs (benchmarks/bench_safety.py). The copy is
opened and checked (`PRAGMA quick_check`,
its schema version, the crm tables) and only then renamed into place — a backup
that exists is a good one. Backups are owner-only (0600) like the database.

Default place: a `backups/` directory next to the database, files named
`<db stem>-YYYYMMDD-HHMMSS.db`; `--keep N` removes the oldest of those beyond N
(other files there, like restore safety copies, are never rotated away).

Restoring is crmcli.restore: it trusts no file, not even one of these, and rebuilds what it is given.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crmcli import db, fields
from crmcli.errors import CrmError, NotFound, reason
from crmcli.i18n import _

_STAMP = "%Y%m%d-%H%M%S"
_REQUIRED_TABLES = ("customers", "operations", "changes")
COUNTED = (*fields.MODULES, "operations")  # what a backup summary counts


@dataclass
class Verified:
    path: Path
    schema_version: int
    counts: dict[str, int]


@dataclass
class BackupResult:
    path: Path
    size: int
    schema_version: int
    counts: dict[str, int]
    removed: list[Path] = field(default_factory=list)


def default_dir(db_path: str | os.PathLike[str]) -> Path:
    return Path(db_path).expanduser().resolve().parent / "backups"


def _auto_name(db_path: Path, directory: Path, tag: str = "") -> Path:
    stamp = datetime.now().strftime(_STAMP)
    base = f"{db_path.stem}-{tag}{stamp}"
    # Several in one second get -2, -3 ... after the highest used, so names keep their order
    # even after rotation removed the first.
    taken = [0] + [int(m.group(1) or 1) for p in (directory.iterdir() if directory.is_dir() else [])
                   if (m := re.fullmatch(re.escape(base) + r"(?:-(\d+))?\.db", p.name))]
    n = max(taken) + 1
    return directory / (f"{base}.db" if n == 1 else f"{base}-{n}.db")


def _rotation_pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(db_path.stem) + r"-(\d{8}-\d{6})(?:-(\d+))?\.db$")


def verify(path: str | os.PathLike[str], *, quick: bool = False) -> Verified:
    """Check that PATH is an intact crm database this crmcli can open; raise CrmError if not.

    quick: PRAGMA quick_check (pages, records, CHECKs; not index-vs-table), enough
    for a copy just made page by page; restore runs the full integrity_check."""
    p = Path(path).expanduser()
    if not p.exists():
        raise NotFound(_("no file {path}").format(path=p))
    if p.is_dir():
        raise CrmError(_("{path} is a directory, not a backup file").format(path=p))
    try:
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise CrmError(_("cannot read {path}: {error}").format(path=p, error=reason(e))) from None
    if head != b"SQLite format 3\x00":
        raise CrmError(_("{path} is not a SQLite database").format(path=p))
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise CrmError(_("{path} cannot be opened: {error}").format(path=p, error=e)) from None
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise CrmError(_("{path} is damaged (integrity check: {problems})").format(path=p, problems="; ".join(problems[:3])))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > db.SCHEMA_VERSION:
            raise CrmError(_("{path} was written by a newer crmcli (schema {version}, this one knows {known})").format(
                path=p, version=version, known=db.SCHEMA_VERSION))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in _REQUIRED_TABLES if t not in tables]
        if missing:
            raise CrmError(_("{path} is not a crm database (no {tables} table)").format(path=p, tables=", ".join(missing)))
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in COUNTED
                  if t in tables}
    except sqlite3.DatabaseError as e:
        raise CrmError(_("{path} is damaged: {error}").format(path=p, error=e)) from None
    finally:
        conn.close()
    return Verified(p, version, counts)


def _private_empty_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def backup(conn: sqlite3.Connection, db_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
           *, keep: int | None = None, tag: str = "") -> BackupResult:
    """Write a verified copy of the open database CONN (whose file is DB_PATH).

    OUT: a file that must not exist yet, or a directory (default: backups/ next to
    the database). KEEP: afterwards keep only the newest KEEP automatic backups there.
    """
    src = Path(db_path).expanduser()
    if keep is not None and keep < 1:
        raise CrmError(_("--keep must be at least 1"))
    if out is None:
        target = _auto_name(src, default_dir(src), tag)
    else:
        o = Path(out).expanduser()
        if str(out) == "-":
            raise CrmError(_("a backup is a database file; give a file or directory name, not -"))
        if o.is_dir():
            target = _auto_name(src, o, tag)
        elif o.exists():
            raise CrmError(_("{path} already exists; a backup never overwrites a file (choose another name)").format(path=o))
        else:
            target = o
    if target.resolve() == src.resolve():
        raise CrmError(_("the backup cannot be the database itself"))
    # The pid keeps two backups started in the same second apart; a partial file left by a
    # killed backup is swept once it is a day old.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        sweep_partials(target.parent)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        _private_empty_file(partial)
    except OSError as e:
        raise CrmError(_("cannot write a backup in {folder}: {error}").format(folder=target.parent, error=reason(e))) from None
    try:
        dest = sqlite3.connect(str(partial), isolation_level=None)
        try:
            # One step (-1) copies every page inside one read transaction: a consistent
            # snapshot, while writers carry on in WAL mode. The copy is a plain
            # single-file database (journal_mode DELETE), so it can be moved or mailed.
            conn.backup(dest, pages=-1)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        checked = verify(partial, quick=True)
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise CrmError(_("the backup could not be written: {error}").format(error=reason(e))) from None
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    size = target.stat().st_size
    removed = rotate(src, target.parent, keep, spare=target) if keep is not None else []
    return BackupResult(target, size, checked.schema_version, checked.counts, removed)


def sweep_partials(directory: Path) -> None:
    if not directory.is_dir():
        return
    import time

    for p in directory.glob(".*.partial"):
        with contextlib.suppress(OSError):
            if time.time() - p.stat().st_mtime > 86400:
                p.unlink()


def rotate(db_path: Path, directory: Path, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Remove the oldest automatic backups of DB_PATH in DIRECTORY beyond KEEP (never SPARE)."""
    pattern = _rotation_pattern(db_path)
    found: list[tuple[tuple[str, int], Path]] = []
    for p in directory.iterdir():
        m = pattern.match(p.name)
        if m:
            found.append(((m.group(1), int(m.group(2) or 1)), p))
    found.sort(key=lambda item: item[0])
    gone = [p for _, p in found[:-keep]] if keep else [p for _, p in found]
    gone = [p for p in gone if spare is None or p.resolve() != spare.resolve()]
    for p in gone:
        p.unlink()
    return gone


def keep_as_is(db_path: str | os.PathLike[str], tag: str = "damaged-") -> Path:
    """Copy the database file (and its -wal) byte for byte into backups/, unverified: a
    damaged database is kept as it is, named for what it is, never rotated away."""
    src = Path(db_path).expanduser()
    target = _auto_name(src, default_dir(src), tag)
    try:
        for suffix in ("", "-wal"):
            part = Path(f"{src}{suffix}")
            if part.is_file() and (suffix == "" or part.stat().st_size):
                dest = Path(f"{target}{suffix}")
                _private_empty_file(dest)
                with open(part, "rb") as fin, open(dest, "wb") as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
                    fout.flush()
                    os.fsync(fout.fileno())
    except OSError as e:
        raise CrmError(_("cannot keep a copy of {path} in {folder}: {reason}").format(
            path=src, folder=target.parent, reason=reason(e))) from None
    return target
