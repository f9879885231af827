"""What every command shares: global state, the error boundary, shared options.

The error boundary turns the library's domain errors into one line on stderr and
exit 1; Typer's own usage errors stay exit 2. No command prints an error and
returns 0.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from crmcli.errors import CrmError, sqlite_reason
from crmcli.i18n import _


@dataclass
class State:
    db: Path | None = None
    lang: str | None = None
    unmask: bool = False  # this command's --unmask
    _conn: sqlite3.Connection | None = None
    _masking: bool | None = None

    def db_path(self) -> Path:
        from crmcli import config

        return self.db if self.db is not None else config.default_db()

    def language(self) -> str:
        if self.lang is None:
            from crmcli import i18n

            return i18n.get_lang()
        return self.lang

    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            from crmcli import db

            self._conn = db.connect(self.db_path())
            _apply_user()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


state = State()


def _apply_user() -> None:
    from crmcli import audit, config

    audit.set_user(config.get("user"))
    from crmcli.phone_regions import set_region

    set_region(config.get("region"))  # phone numbers without a country code: this region's first (normalize)


def masking() -> bool:
    """Are phones and e-mails shown masked in this command? (config `mask`, unless --unmask)"""
    if state.unmask:
        return False
    if state._masking is None:
        from crmcli import config

        try:
            state._masking = bool(config.get("mask", lenient=True))
        except CrmError:  # a broken settings file: the safe side
            state._masking = True
    return state._masking


def shown(text: str) -> str:
    """TEXT as a person may see it: phones and e-mails in it masked unless --unmask.

    Messages quote input and the log's command lines (`--phone 13812345678`); none may leak."""
    if not masking():
        return text
    from crmcli.normalize import mask_text

    return mask_text(text)


def err(message: str) -> None:
    from crmcli.output import printable

    typer.echo(printable(shown(message)), err=True)  # messages quote input: it must not drive the terminal


def info(message: str) -> None:
    """A message for the person at the terminal: stderr, never stdout; phones and e-mails masked."""
    from crmcli.output import printable

    typer.echo(printable(shown(message)), err=True)


F = TypeVar("F", bound=Callable[..., Any])


def guard(fn: F) -> F:
    """Error boundary for one command."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CrmError as e:
            err(_("Error: {message}").format(message=e))
            raise typer.Exit(1) from None
        except sqlite3.IntegrityError as e:
            err(_("Error: the database refused the change: {error}").format(error=sqlite_reason(e)))
            raise typer.Exit(1) from None
        except sqlite3.OperationalError as e:
            err(_("Error: database problem: {error}").format(error=sqlite_reason(e)))
            raise typer.Exit(1) from None
        except sqlite3.DatabaseError as e:  # pages SQLite cannot read: say so, and the way out
            from crmcli.db import damaged

            err(_("Error: {message}").format(message=damaged(state.db_path(), e)))
            raise typer.Exit(1) from None
        except BrokenPipeError:
            # `crm export | head`: the reader left. Click would turn this into exit 1, so end
            # here with 0, stdout pointed at /dev/null so the final flush cannot fail again.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):  # no real file descriptor (tests)
                pass
            raise typer.Exit(0) from None
        finally:
            state.close()
            state.unmask, state._masking = False, None

    return wrapper  # type: ignore[return-value]


def mask_default() -> bool:
    from crmcli import config

    return bool(config.get("mask"))


FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="table, csv, tsv, json or jsonl (default: table on a terminal, csv in a pipe)")]
def _unmask(value: bool) -> bool:
    state.unmask = bool(value)
    return value


UnmaskOpt = Annotated[bool, typer.Option("--unmask", help="show phones and emails in full", callback=_unmask)]
LangOpt = Annotated[str | None, typer.Option("--lang", help="en, zh or zh-Hant; also labels CSV/TSV output")]


def pick_format(fmt: str | None, allowed: Sequence[str] = ("table", "csv", "tsv", "json", "jsonl")) -> str:
    from crmcli.output import default_format

    fmt = (fmt or default_format()).lower()
    if fmt not in allowed:
        raise typer.BadParameter(_("'{value}' is not one of {choices}").format(value=fmt, choices=", ".join(allowed)),
                                 param_hint="--format")
    return fmt


def emit(rows: Iterable[Any], columns: Sequence[str], fmt: str | None, *, table: str | None = None,
         unmask: bool = False, lang: str | None = None, title: str | None = None,
         heads: Sequence[str] | None = None) -> int:
    """ROWS in FMT; HEADS (translated) replace the column names on a terminal table only."""
    from crmcli import output

    fmt = pick_format(fmt)
    if lang is not None:
        from crmcli import i18n

        try:
            lang = i18n.parse_lang(lang)
        except CrmError as e:
            raise typer.BadParameter(str(e), param_hint="--lang") from None
    return output.render(rows, columns, fmt, table=table, unmask=unmask or not mask_default(),
                         lang=lang or state.language(), labels=True if (lang and fmt != "table") else None,
                         title=title, heads=heads)


def interactive() -> bool:
    """Is a person at the keyboard? (CRM_INTERACTIVE=1 lets tests drive the prompts.)"""
    return sys.stdin.isatty() or os.environ.get("CRM_INTERACTIVE") == "1"


def confirm(question: str, yes: bool) -> bool:
    """Ask on a terminal; without one, refuse unless --yes was given."""
    if yes:
        return True
    if not interactive():
        raise CrmError(_("{question} — not asked without a terminal; add --yes").format(question=question))
    return typer.confirm(question, default=False, err=True)


ForceOpt = Annotated[bool, typer.Option("--force", help="replace an existing output file")]


def overwrite(force: bool) -> bool | Callable[[Path], bool]:
    """--force; else, on a terminal, ask per existing file; else refuse (see crmcli.outfile)."""
    if force:
        return True
    if not interactive():
        return False
    return lambda p: typer.confirm(_("{path} exists; replace it?").format(path=p), default=False, err=True)


def database_avoid() -> list[tuple[Path, str]]:
    """The database path as an output to refuse, for commands that do not open it (crm template)."""
    return [(state.db_path(), _("the database"))]
