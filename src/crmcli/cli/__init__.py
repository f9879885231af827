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


def _register() -> None:
    from crmcli.cli import (
        dedupe_cmds,
        delete_cmds,
        export_cmds,
        import_cmds,
        query_cmds,
        records_cmds,
        report_cmds,
        safety_cmds,
        segment_cmds,
        setup_cmds,
        today_cmds,
    )

    for mod in (setup_cmds, records_cmds, query_cmds, import_cmds, dedupe_cmds, segment_cmds, report_cmds, export_cmds,
                safety_cmds, today_cmds, delete_cmds):
        mod.register(app)


_register()


def _name(info: typer.models.CommandInfo | typer.models.TyperInfo) -> str | None:
    if isinstance(info, typer.models.CommandInfo):
        return info.name or (info.callback.__name__.lower().replace("_", "-") if info.callback else None)
    return info.name or (info.typer_instance.info.name if info.typer_instance else None)


# Commands that run other crm commands in this process need the whole app.
KEEP_ALL = ("demo",)


def _prune(group: typer.Typer, args: list[str], global_values: tuple[str, ...] = ("--db", "--lang")) -> None:
    """Keep only the command ARGS invoke (and, in a sub-group, its subcommand).

    Typer builds a click object for every registered command on every call: all of
    them with their options (the six `add` subcommands have ~25 options each), to run
    one. For `crm query ...` only `query` is needed; `crm --help`, no command, or a
    name nobody registered (click then lists or suggests) keep everything.
    """
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in ("-h", "--help", "--version"):
            return
        i += 2 if args[i] in global_values else 1
    if i >= len(args):
        return
    word = args[i]
    if word in KEEP_ALL:
        return
    commands = [c for c in group.registered_commands if _name(c) == word]
    groups = [g for g in group.registered_groups if _name(g) == word]
    if not commands and not groups:
        return
    group.registered_commands[:] = commands
    group.registered_groups[:] = groups
    for g in groups:
        if g.typer_instance is not None:
            _prune(g.typer_instance, args[i + 1:], ())


def main() -> None:
    from crmcli.i18n import _
    from crmcli.i18n.help import prepare

    argv = sys.argv[1:]
    _prune(app, argv)
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
