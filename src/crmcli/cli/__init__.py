"""The `crm` command: a thin Typer layer over the library.

Each noun has its own module here, its commands module-level functions on that
module's `app`; this one holds the root app, which names every command and builds
only the one invoked (cli/lazy.py), the global options (--db, --lang) and
`main()`, the last-resort error boundary.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli import __version__
from crmcli.cli.common import state
from crmcli.cli.lazy import from_module, lazy_group, new_app

# Every top-level command: name -> the module whose `app` defines it, in the order `crm --help` lists them.
# A command is built only when it is invoked (cli/lazy.py); a new command is added here and on its module's app
# (tests/test_startup_imports.py checks the two agree).
COMMANDS: dict[str, str] = {
    "init": "setup_cmds", "demo": "setup_cmds", "config": "setup_cmds",
    "add": "add_cmds", "show": "records_cmds", "update": "records_cmds", "tag": "records_cmds",
    "query": "query_cmds", "fields": "query_cmds",
    "import": "import_cmds",
    "dedupe": "dedupe_cmds", "merge": "dedupe_cmds", "unmerge": "dedupe_cmds", "merges": "dedupe_cmds",
    "segment": "segment_cmds",
    "report": "report_cmds",
    "export": "export_cmds", "template": "export_cmds",
    "log": "safety_cmds", "undo": "safety_cmds", "backup": "safety_cmds", "restore": "safety_cmds",
    "doctor": "safety_cmds", "maintain": "safety_cmds",
    "today": "today_cmds",
    "delete": "delete_cmds",
    "tui": "tui_cmds",
}

app = new_app(
    name="crm",
    help="A command-line CRM over one local SQLite file, following the Chinese customer-management template.\n\n"
         "Start with `crm demo` (a guided tour) or `crm init --demo`.",
    no_args_is_help=True,
    # `crm --install-completion` / `--show-completion` (bash, zsh, fish): commands and options come from click;
    # filter fields, label values and customer ids from cli/complete.py, imported only on a Tab
    add_completion=True,
    cls=lazy_group({name: from_module(f"crmcli.cli.{module}", name) for name, module in COMMANDS.items()}),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    db: Annotated[Path | None, typer.Option(
        "--db", help="database file (else $CRM_DB, else the config, else the per-user default)")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="language: en, zh or zh-Hant (else $CRM_LANG, the config, the locale); also after the command")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")] = False,
) -> None:
    from crmcli import i18n
    from crmcli.errors import CrmError

    state.db = db
    try:
        chosen = i18n.set_lang(lang)  # None: CRM_LANG, the config, the locale
    except CrmError as e:
        raise typer.BadParameter(str(e), param_hint="--lang") from None
    state.lang = chosen if lang is not None else None  # explicit: export and query also relabel files


def main() -> None:
    from crmcli.i18n import _
    from crmcli.i18n.help import prepare

    argv = sys.argv[1:]
    try:
        command = typer.main.get_command(app)
        command(prepare(command, argv), prog_name="crm")
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
        from crmcli.output import printable

        print(printable(_("Error: unexpected {kind}: {error} (set CRM_DEBUG=1 for details)").format(
            kind=type(e).__name__, error=e)), file=sys.stderr)
        sys.exit(1)
