"""A damaged database: say so, name the way out, and copy out every row that can still be read.

`damage(path)` checks a database file on a READ-ONLY connection before anything
else opens it: a writable connection checkpoints the write-ahead log on close, and
a stale or foreign -wal replayed into the main file makes the damage permanent.

`latest_good_backup(path)` is the newest file in backups/ that passes its check.

`salvage(path)` works on copies (the damaged file is never written): the file with
its -wal, and — when there is a -wal — the main file alone, since a stale -wal is
a common way to damage a good file. Each table is read row by row in key order;
where SQLite reports an unreadable page the reader jumps ahead (doubling the jump)
until it finds readable rows again, then reads backwards from the end for what a
damaged interior page hides. The rows go into a new file made from schema.sql
(crmcli.rebuild: every CHECK applies), which is checked and then renamed into
place. The copy that yields more rows wins. The result is a normal crm database:
look at it with `crm --db FILE ...`, put it in place with `crm restore FILE`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crmcli import audit, backup, rebuild
from crmcli.errors import CrmError, NotFound, reason
from crmcli.i18n import _

_MAX_KEY = 2**63 - 1


def damage(path: str | os.PathLike[str], *, quick: bool = True) -> list[str] | None:
    """What a read-only integrity check of PATH reports as damage: [] when intact, None when
    a read-only look is impossible here (no -shm can be made, the file is busy): ask SQLite
    the usual way then. Rows breaking a CHECK are data (doctor's other checks), not damage."""
    p = Path(path).expanduser()
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        lines = [r[0] for r in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
    except sqlite3.OperationalError:
        return None
    except sqlite3.DatabaseError as e:
        return [str(e)]
    finally:
        conn.close()
    lines = [part for line in lines for part in line.splitlines() if not part.startswith("*** in database")]
    return [line for line in lines if line != "ok" and not re.match(r"(CHECK constraint failed|NULL value) in", line)]


def latest_good_backup(db_path: str | os.PathLike[str], *, tries: int = 10) -> Path | None:
    """The newest backup of DB_PATH in backups/ that passes its check (damaged copies skipped)."""
    directory = backup.default_dir(db_path)
    if not directory.is_dir():
        return None
    found = sorted((p for p in directory.iterdir() if p.suffix == ".db" and "-damaged-" not in p.name),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for p in found[:tries]:
        try:
            backup.verify(p, quick=True)
        except CrmError:
            continue
        return p
    return None


def way_forward(db_path: str | os.PathLike[str]) -> str:
    good = latest_good_backup(db_path)
    if good:
        return _("restore the latest good backup: crm restore {backup} --yes; or copy every readable row into a "
                 "new file: crm doctor --salvage").format(backup=good)
    return _("no good backup found; copy every readable row into a new file: crm doctor --salvage")


# ------------------------------------------------------------------------------------ salvage

@dataclass
class SalvageResult:
    path: Path
    tables: list[rebuild.Copied]
    source: str  # which copy gave the rows
    skipped: int  # unreadable stretches jumped over
    orphans: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.kept for c in self.tables)


def _readable(src: sqlite3.Connection, table: str, after: int) -> int | bool | None:
    """The first rowid above AFTER (None: there is none), or False when the way there is unreadable."""
    try:
        row = src.execute(f'SELECT rowid FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1', (after,)).fetchone()
    except sqlite3.DatabaseError:
        return False
    return None if row is None else int(row[0])


def _readable_from(src: sqlite3.Connection, table: str, after: int) -> int | None:
    """The first reachable rowid past the unreadable stretch after AFTER: jumps double until one
    lands past it, then a binary search finds the nearest readable row back towards AFTER."""
    after = max(after, 0)  # crm's rowids count up from 1
    bad, step = 0, 1
    while after + step <= _MAX_KEY:
        found = _readable(src, table, after + step)
        if found is not False:
            good = step
            while good - bad > 1:
                mid = (good + bad) // 2
                probe = _readable(src, table, after + mid)
                if probe is False:
                    bad = mid
                else:
                    good, found = mid, probe
            return found  # type: ignore[return-value]
        bad, step = step, step * 2
    return None


def _rows_by_rowid(src: sqlite3.Connection, table: str, cols: str, stats: dict[str, int]) -> Iterator[tuple]:
    last, resumed_at = -_MAX_KEY - 1, None
    while True:
        start = last
        try:
            for row in src.execute(f'SELECT rowid, {cols} FROM "{table}" WHERE rowid > ? ORDER BY rowid', (last,)):
                last = row[0]
                yield row
            return
        except sqlite3.DatabaseError:
            stats["skipped"] += 1
            nxt = _readable_from(src, table, last)
            if nxt is None:
                break
            # Resume just before the readable row; if that very row cannot be read whole, leave it.
            last = nxt if (last == start and resumed_at == nxt) else nxt - 1
            resumed_at = nxt
    yield from _rows_backwards(src, f'SELECT rowid, {cols} FROM "{table}" ORDER BY rowid DESC', last)


def _rows_backwards(src: sqlite3.Connection, sql: str, stop: int | None) -> Iterator[tuple]:
    try:
        for row in src.execute(sql):
            if stop is not None and row[0] <= stop:
                return
            yield row
    except sqlite3.DatabaseError:
        return


def _rows_by_key(src: sqlite3.Connection, table: str, cols: str, key: str, stats: dict[str, int]) -> Iterator[tuple]:
    try:
        yield from src.execute(f'SELECT {cols} FROM "{table}" ORDER BY {key}')
        return
    except sqlite3.DatabaseError:
        stats["skipped"] += 1
    yield from _rows_backwards(src, f'SELECT {cols} FROM "{table}" ORDER BY {key.replace(",", " DESC,")} DESC', None)


def _copy_table(src: sqlite3.Connection, dest: sqlite3.Connection, table: str, stats: dict[str, int]) -> rebuild.Copied:
    copied = rebuild.Copied(table)
    try:
        have = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
        src.execute(f'SELECT * FROM "{table}" LIMIT 0').fetchall()
    except sqlite3.DatabaseError:
        have = []
    cols = rebuild.shared_columns(dest, table, have)
    if not cols:
        stats["skipped"] += 1
        return copied
    names = ", ".join(f'"{c}"' for c in cols)
    if rebuild.has_rowid(dest, table):
        rows: Iterator[tuple] = _rows_by_rowid(src, table, names, stats)
        cols = ["rowid", *cols]
    else:
        key = ", ".join(f'"{r[1]}"' for r in sorted(dest.execute(f'PRAGMA table_info("{table}")'),
                                                     key=lambda r: r[5]) if r[5])
        rows = _rows_by_key(src, table, names, key, stats)
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 5000:
            copied.read += len(batch)
            copied.kept += rebuild.insert_rows(dest, table, cols, batch)
            batch = []
    copied.read += len(batch)
    copied.kept += rebuild.insert_rows(dest, table, cols, batch)
    return copied


def _salvage_copy(src_path: Path, out: Path) -> tuple[list[rebuild.Copied], int]:
    dest = rebuild.new_database(out)
    stats = {"skipped": 0}
    try:
        src = sqlite3.connect(str(src_path), isolation_level=None)
        try:
            src.execute("PRAGMA trusted_schema = OFF")
            with contextlib.suppress(sqlite3.DatabaseError):
                src.execute("PRAGMA writable_schema = ON")  # read past schema entries that do not parse
            dest.execute("BEGIN")
            tables = [_copy_table(src, dest, t, stats) for t in rebuild.crm_tables()]
            dest.execute("COMMIT")
        finally:
            src.close()
    finally:
        dest.close()
    return tables, stats["skipped"]


def _output_path(db_path: Path, out: str | os.PathLike[str] | None) -> Path:
    if out is not None:
        o = Path(out).expanduser()
        if o.exists():
            raise CrmError(_("{file} already exists; salvage never overwrites a file (choose another name)").format(file=o))
        return o
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = db_path.with_name(f"{db_path.stem}-salvaged-{stamp}.db")
    n = 2
    while base.exists():
        base = db_path.with_name(f"{db_path.stem}-salvaged-{stamp}-{n}.db")
        n += 1
    return base


def salvage(db_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> SalvageResult:
    """Copy every readable row of the database at DB_PATH into a new, checked crm database."""
    src = Path(db_path).expanduser()
    if not src.is_file():
        raise NotFound(_("no database at {path}").format(path=src))
    target = _output_path(src, out)
    work = Path(tempfile.mkdtemp(prefix=f".{src.name}.salvage-", dir=target.parent))
    try:
        wal = Path(f"{src}-wal")
        candidates = {_("the database file with its -wal"): ["-wal"], _("the main file without its -wal"): []} \
            if wal.is_file() and wal.stat().st_size else {_("the database file"): []}
        best: tuple[str, list[rebuild.Copied], int, Path] | None = None
        for n, (label, extras) in enumerate(candidates.items()):
            copy = work / f"copy{n}.db"
            for suffix in ["", *extras]:
                shutil.copyfile(f"{src}{suffix}", f"{copy}{suffix}")
            result = work / f"out{n}.db"
            tables, skipped = _salvage_copy(copy, result)
            if best is None or sum(c.kept for c in tables) > sum(c.kept for c in best[1]):
                best = (label, tables, skipped, result)
        assert best is not None
        label, tables, skipped, result = best
        orphans = _finish(result, label, tables, skipped)
        os.replace(result, target)
    except OSError as e:
        raise CrmError(_("salvage could not write in {folder}: {reason}").format(folder=target.parent,
                                                                                  reason=reason(e))) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SalvageResult(target, tables, label, skipped, orphans)


def _finish(result: Path, label: str, tables: list[rebuild.Copied], skipped: int) -> list[str]:
    """Check the salvaged file, log the salvage inside it, make it durable; dangling references found."""
    conn = sqlite3.connect(str(result), isolation_level=None)
    try:
        damage_left, orphans = rebuild.problems(conn)
        if damage_left:  # a file made from scratch by SQLite itself: this would be a bug
            raise CrmError(_("the salvaged file does not check out: {problems}").format(problems="; ".join(damage_left[:3])))
        counts = {c.table: c.kept for c in tables if c.kept}
        with audit.operation(conn, "salvage", _("salvaged {n} rows from {source}").format(n=sum(counts.values()), source=label),
                             details={"rows": counts, "unreadable_stretches": skipped}):
            pass
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    with open(result, "rb+") as fh:
        os.fsync(fh.fileno())
    return orphans
