"""The `crm` command: a thin Typer layer over the library.

Each noun has its own module here; this one holds the app, the global options
(--db, --lang) and `main()`, the last-resort error boundary.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli import __version__
from crmcli.cli.common import state

app = typer.Typer(
    name="crm",
    help="A command-line CRM over one local SQLite file, following the Chinese customer-management template.\n\n"
         "Start with `crm demo` (a guided tour) or `crm init --demo`.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    db: Annotated[Path | None, typer.Option(
        "--db", help="database file (else $CRM_DB, else the config, else the per-user default)")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="labels shown: en or zh (else $CRM_LANG, else the locale)")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")] = False,
) -> None:
    state.db = db
    if lang is not None and lang not in ("en", "zh"):
        raise typer.BadParameter("use en or zh", param_hint="--lang")
    state.lang = lang


def _register() -> None:
    from crmcli.cli import (
        dedupe_cmds,
        export_cmds,
        import_cmds,
        query_cmds,
        records_cmds,
        report_cmds,
        safety_cmds,
        segment_cmds,
        setup_cmds,
    )

    for mod in (setup_cmds, records_cmds, query_cmds, import_cmds, dedupe_cmds, segment_cmds, report_cmds, export_cmds,
                safety_cmds):
        mod.register(app)


_register()


def main() -> None:
    try:
        app(prog_name="crm")
    except BrokenPipeError:
        # `crm export | head`: the reader left; exit quietly without a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # the last boundary: never a traceback for a user
        if os.environ.get("CRM_DEBUG"):
            raise
        print(f"Error: unexpected {type(e).__name__}: {e} (set CRM_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(1)
