"""`crm restore FILE`: the file to restore is untrusted until it has been rebuilt.

1. `prepare()` reads FILE once into a private scratch copy next to the database
   (so a pipe or FIFO works and the original is never opened by SQLite), then on
   that WRITABLE copy runs `PRAGMA integrity_check` (a read-only connection skips
   CHECK constraints) and compares its tables, views and triggers with schema.sql:
   anything crm did not define — a trigger deleting orders on the next log insert,
   one copying phones into notes — refuses the restore, or is left behind with
   `--force`. The rows are then inserted into a new file made from schema.sql
   (crmcli.rebuild): every CHECK of crm's schema judges every row (masked phones,
   labels outside the lists), and `foreign_key_check` runs on the result.
2. `commit()` keeps the current database — a verified backup when it is healthy,
   a byte copy named `-damaged-` when it is not (a damaged file is never asked to
   pass a check: that is the moment restore is for) — writes the `restore`
   operation into the rebuilt file, and swaps it in. The log entry travels inside
   the new content, so a kill at any point leaves either the old database or the
   restored one with its log entry. A healthy database is overwritten through
   SQLite's backup API in one transaction (other open sessions see the old or the
   new content, never a mix); a damaged or missing one is replaced by rename.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from crmcli import audit, backup, db, rebuild
from crmcli.errors import CrmError, Damaged, NotFound, reason
from crmcli.i18n import _

_HEADER = b"SQLite format 3\x00"


@dataclass
class Prepared:
    source: Path
    rebuilt: Path  # the new database, made from schema.sql, not yet in place
    schema_version: int  # the source's
    counts: dict[str, int]
    stripped: list[str] = field(default_factory=list)  # foreign objects left behind (--force)
    orphans: list[str] = field(default_factory=list)  # dangling references kept (--force)


@dataclass
class RestoreResult:
    restored_from: Path
    safety_copy: Path | None
    schema_version: int
    op_id: int
    counts: dict[str, int]
    replaced_damaged: bool = False
    stripped: list[str] = field(default_factory=list)


def _scratch(target: Path, what: str) -> Path:
    backup.sweep_partials(target.parent)  # leftovers of a killed restore, once a day old
    return target.with_name(f".{target.name}.restore-{what}.{os.getpid()}.partial")


def _copy_source(file: Path, scratch: Path) -> None:
    """Read FILE (and a -wal beside it) exactly once into SCRATCH, 0600."""
    if not file.exists():
        raise NotFound(_("no file {file}").format(file=file))
    if file.is_dir():
        raise CrmError(_("{file} is a directory, not a backup file").format(file=file))
    try:
        for suffix in ("", "-wal"):
            part = Path(f"{file}{suffix}")
            if suffix and not (part.is_file() and part.stat().st_size):
                continue
            fd = os.open(f"{scratch}{suffix}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(part, "rb") as fin, os.fdopen(fd, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
    except OSError as e:
        raise CrmError(_("cannot read {file}: {reason}").format(file=file, reason=reason(e))) from None
    with open(scratch, "rb") as fh:
        if fh.read(16) != _HEADER:
            raise CrmError(_("{file} is not a SQLite database").format(file=file))


def _inspect(file: Path, scratch: Path, *, force: bool) -> tuple[int, list[str]]:
    """Integrity, version and foreign objects of the scratch copy: (version, stripped)."""
    conn = sqlite3.connect(str(scratch), isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        damage = [line for (line,) in conn.execute("PRAGMA integrity_check")
                  if line != "ok" and not line.startswith(("CHECK constraint failed", "NULL value in"))]
        if damage:
            raise CrmError(_("{file} is damaged (integrity check: {lines})").format(file=file, lines="; ".join(damage[:3])))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > db.SCHEMA_VERSION:
            raise CrmError(_("{file} was written by a newer crmcli (schema {version}, this one knows {known})").format(
                file=file, version=version, known=db.SCHEMA_VERSION))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in ("customers", "operations", "changes") if t not in tables]
        if missing:
            raise CrmError(_("{file} is not a crm database (no {tables} table)").format(file=file, tables=", ".join(missing)))
        foreign = rebuild.foreign_objects(conn)
    except sqlite3.DatabaseError as e:
        raise CrmError(_("{file} is damaged: {error}").format(file=file, error=e)) from None
    finally:
        conn.close()
    if foreign and not force:
        raise CrmError(_("{file} holds what crm's schema does not define ({objects}); it may run code on every "
                         "write. Restore it without those with --force").format(
            file=file, objects=", ".join(foreign[:4]) + (" …" if len(foreign) > 4 else "")))
    return version, foreign


def prepare(db_path: str | os.PathLike[str], file: str | os.PathLike[str], *, force: bool = False) -> Prepared:
    """Copy FILE, check it and rebuild its rows through schema.sql; nothing is replaced yet.

    Raises CrmError naming the first reason the file cannot be restored."""
    target = Path(db_path).expanduser()
    src = Path(file).expanduser()
    if target.exists() and src.exists() and src.resolve() == target.resolve():
        raise CrmError(_("that file is the database itself; nothing to restore"))
    scratch, rebuilt = _scratch(target, "source"), _scratch(target, "rebuilt")
    for p in (scratch, rebuilt):
        rebuild.remove(p)
    try:
        _copy_source(src, scratch)
        version, stripped = _inspect(src, scratch, force=force)
        orphans = _rebuild(src, scratch, rebuilt, force=force)
        conn = sqlite3.connect(str(rebuilt))
        try:
            counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in backup.COUNTED}
        finally:
            conn.close()
    except BaseException:
        rebuild.remove(rebuilt)
        raise
    finally:
        rebuild.remove(scratch)
    return Prepared(src, rebuilt, version, counts, stripped, orphans)


def _rebuild(src: Path, scratch: Path, rebuilt: Path, *, force: bool) -> list[str]:
    dest = rebuild.new_database(rebuilt)
    try:
        dest.execute("ATTACH DATABASE ? AS src", (str(scratch),))
        copied = rebuild.copy_attached(dest, "src")
        dest.execute("DETACH DATABASE src")
        refused = [c for c in copied if c.lost]
        if refused:
            raise CrmError(_("{file}: {problems}; nothing restored").format(file=src, problems="; ".join(
                _("{n} {table} rows break crm's schema (CHECK, NOT NULL or key), e.g. {keys}").format(
                    n=c.lost, table=c.table, keys=", ".join(c.refused)) for c in refused[:3])))
        damage, orphans = rebuild.problems(dest)
        if damage:
            raise CrmError(_("{file} does not rebuild cleanly: {problems}").format(file=src, problems="; ".join(damage[:3])))
        if orphans and not force:
            raise CrmError(_("{file}: {problems}; restore it anyway with --force (then `crm doctor` lists them)").format(
                file=src, problems="; ".join(orphans[:3])))
        return orphans
    except sqlite3.DatabaseError as e:
        raise CrmError(_("{file} is damaged: {error}").format(file=src, error=e)) from None
    finally:
        dest.close()


def discard(prepared: Prepared) -> None:
    rebuild.remove(prepared.rebuilt)


def current_state(target: Path) -> str:
    """missing, healthy or damaged; a file that is no crm database at all is refused."""
    if not target.exists() or (target.is_file() and target.stat().st_size == 0 and not Path(f"{target}-wal").exists()):
        return "missing"
    from crmcli.salvage import damage

    lines = damage(db.check_file(target))  # read-only: a stale -wal is not checkpointed into it
    if lines:
        return "damaged"
    try:
        conn = db.connect(target)
    except Damaged:
        return "damaged"
    try:
        ok = lines is not None or [r[0] for r in conn.execute("PRAGMA quick_check")] == ["ok"]
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError:
        ok = False
    finally:
        conn.close()
    return "healthy" if ok else "damaged"


def commit(db_path: str | os.PathLike[str], prepared: Prepared) -> RestoreResult:
    """Keep the current database, log the restore inside the rebuilt file, swap it in."""
    target = Path(db_path).expanduser()
    state = current_state(target)
    safety: Path | None = None
    if state == "healthy":
        live = db.connect(target)
        try:
            safety = backup.backup(live, target, tag="before-restore-").path
        finally:
            live.close()
    elif state == "damaged":
        safety = backup.keep_as_is(target)
    op_id = _log(prepared, safety, state)
    if state == "healthy":
        _overwrite(prepared.rebuilt, target)
    else:
        _replace(prepared.rebuilt, target)
    after = db.connect(target)
    try:
        after.execute("PRAGMA journal_mode = WAL")
    finally:
        after.close()
    discard(prepared)
    return RestoreResult(prepared.source, safety, prepared.schema_version, op_id, prepared.counts,
                         state == "damaged", prepared.stripped)


def _log(prepared: Prepared, safety: Path | None, state: str) -> int:
    details = {"file": str(prepared.source.resolve()), "safety_copy": str(safety) if safety else None,
               "schema_version": prepared.schema_version, "replaced": state}
    if prepared.stripped:
        details["stripped"] = prepared.stripped
    conn = sqlite3.connect(str(prepared.rebuilt), isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        with audit.operation(conn, "restore", _("restore from {file}").format(file=prepared.source.name), details=details) as op:
            op_id = op.op_id
        with open(prepared.rebuilt, "rb+") as fh:
            os.fsync(fh.fileno())
    finally:
        conn.close()
    return op_id


def _overwrite(rebuilt: Path, target: Path) -> None:
    # One write transaction on the live file: readers see the old pages or the new ones.
    live = db.connect(target)
    try:
        src = sqlite3.connect(str(rebuilt))
        try:
            src.backup(live)
        finally:
            src.close()
    finally:
        live.close()


def _replace(rebuilt: Path, target: Path) -> None:
    # The old file is damaged (its copy is kept) or gone. Its -wal must not be replayed
    # over the new file, so it goes first; the rename is the atomic step.
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    os.replace(rebuilt, target)


def restore(db_path: str | os.PathLike[str], file: str | os.PathLike[str], *, force: bool = False) -> RestoreResult:
    """prepare() then commit(): replace the database at DB_PATH with the rebuilt FILE."""
    prepared = prepare(db_path, file, force=force)
    try:
        return commit(db_path, prepared)
    finally:
        discard(prepared)
