"""crm init / demo / config: getting started and keeping settings."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.common import guard, info, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import _

app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def init(
    demo: Annotated[bool, typer.Option("--demo", help="fill it with the realistic example data set")] = False,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the demo data (same seed, same data)")] = 2024,
) -> None:
    """Create a new database with the template's schema.

    Example: crm init --demo
    Example: crm --db ~/sales.db init
    """
    from crmcli import db

    path = state.db_path()
    conn = db.create(path)
    try:
        if demo:
            from crmcli import demo_data

            counts = demo_data.build(conn, seed=seed)
            from crmcli.fields import TABLES, shown_table

            what = ", ".join(f"{v} {shown_table(k) if k in TABLES else k}" for k, v in counts.items())
            info(_("created {path} with demo data: {what}").format(path=path, what=what))
        else:
            info(_("created {path}").format(path=path))
    finally:
        conn.close()


@app.command()
@guard
def demo(
    keep: Annotated[bool, typer.Option("--keep", help="keep the demo database and print its path")] = False,
    pause: Annotated[bool, typer.Option("--pause", help="wait for Enter between steps (for a room)")] = False,
) -> None:
    """Walk through what crm can do, on a throw-away demo database.

    Example: crm demo
    """
    from crmcli.cli import demo as demo_mod

    demo_mod.run(keep=keep, pause=pause)


config_app = new_app(help="Show and change your settings (database, language, masking, your name).",
                         no_args_is_help=True)


@config_app.command("list")
@guard
def config_list() -> None:
    """List every setting with its value and where the file is.

    Example: crm config list
    """
    from crmcli import config

    try:
        config.load()
    except config.ConfigBroken as e:
        info(_("Warning: {message}").format(message=e))
    values = config.load(lenient=True)
    for key, (_kind, default, help_text) in config.SETTINGS.items():
        value = values.get(key, default)
        typer.echo(f"{key} = {'' if value is None else value}\t# {_(help_text)}")
    info(_("(file: {path})").format(path=config.path()))


@config_app.command("get")
@guard
def config_get(key: Annotated[str, typer.Argument(help="db, lang, mask or user")]) -> None:
    """Print one setting.

    Example: crm config get lang
    """
    from crmcli import config

    value = config.get(key, lenient=True)
    typer.echo("" if value is None else str(value).lower() if isinstance(value, bool) else value)


@config_app.command("set")
@guard
def config_set(
    key: Annotated[str, typer.Argument(help="db, lang, mask or user")],
    value: Annotated[str | None, typer.Argument(help="the new value; leave out to remove the setting")] = None,
) -> None:
    """Set (or, without a value, remove) one setting.

    Example: crm config set user 张伟
    Example: crm config set lang zh
    """
    from crmcli import config

    config.set_value(key, value)
    info((_("{key} removed in {path}") if value is None else _("{key} set in {path}")).format(key=key, path=config.path()))


app.add_typer(config_app, name="config")
