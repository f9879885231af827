"""crm today: the day's agenda (overdue and due next steps, tickets near their deadline, the weekly
review), and the open follow-ups as a calendar file for a phone."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli.common import ForceOpt, UnmaskOpt, guard, info, mask_default, overwrite, state
from crmcli.cli.lazy import new_app
from crmcli.errors import CrmError
from crmcli.i18n import _

EXIT_OVERDUE = 3  # --check: something is overdue (cron mails the output)
TODAY_FORMATS = ("table", "csv", "tsv", "json")


def _day(text: str | None) -> date:
    from crmcli.dates import default_today

    base = default_today()
    if text is None:
        return base
    from crmcli.reports.base import parse_day

    return date.fromisoformat(parse_day(text, base, "--date") or base.isoformat())


def _owner(owner: str | None, mine: bool) -> str | None:
    if owner and mine:
        raise typer.BadParameter(_("give --owner NAME or --mine, not both"), param_hint="--mine")
    if not mine:
        return owner
    from crmcli import config

    me = config.get("user")
    if not me:
        raise CrmError(_("--mine needs your name: crm config set user 张伟"))
    return str(me)


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command("today")
@guard
def today(
    day: Annotated[str | None, typer.Option("--date", "-d", help="the day (YYYY-MM-DD, -1d …; default today)")] = None,
    days: Annotated[int, typer.Option("--days", "-n", help="also list next steps due in the next N days")] = 0,
    owner: Annotated[str | None, typer.Option("--owner", help="only this person's follow-ups, tickets and customers")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="only mine (config `user`)")] = False,
    check: Annotated[bool, typer.Option("--check", help="exit 3 when anything is overdue (cron, mail)")] = False,
    ics: Annotated[Path | None, typer.Option("--ics", help="write the open follow-ups as a calendar file (.ics)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="table, csv, tsv or json")] = None,
    unmask: UnmaskOpt = False,
    force: ForceOpt = False,
) -> None:
    """Show the day: overdue and due next steps, tickets near their deadline, the weekly review.

    Sections: overdue (follow-ups not done, due before the day, oldest first), due (due
    on the day or in the next --days), tickets (open, past or near the service-level
    deadline) and review (customers that entered 流失风险 or left 高价值 since the
    segment run a week before). --ics writes every open follow-up with a due date as a
    calendar (stable UIDs: importing it again updates the entries).

    \b
    Example: crm today
    Example: crm today --mine --days 7
    Example: crm today --check --format json   (cron: exit 3 when something is overdue)
    Example: crm today --ics ~/跟进.ics
    """
    from crmcli import today as lib
    from crmcli.output import default_format

    conn = state.conn()
    who = _owner(owner, mine)
    the_day = _day(day)
    if ics is not None:
        from crmcli import calendar_ics

        n = calendar_ics.write(conn, ics, owner=who, unmask=unmask or not mask_default(), force=overwrite(force))
        info(_("wrote {n} follow-ups to {file}").format(n=n, file=ics))
    out_fmt = (fmt or default_format()).lower()
    if out_fmt not in TODAY_FORMATS:
        raise typer.BadParameter(_("'{fmt}' is not one of {formats}").format(fmt=out_fmt, formats=", ".join(TODAY_FORMATS)),
                                 param_hint="--format")
    agenda = lib.agenda(conn, day=the_day, days=days, owner=who)
    _write(agenda, out_fmt)
    if check and agenda.overdue:
        info(_("{n} overdue").format(n=agenda.overdue))
        raise typer.Exit(EXIT_OVERDUE)


def _write(agenda: object, out_fmt: str) -> None:

    from crmcli.reports import Report, render
    from crmcli.today import Agenda

    assert isinstance(agenda, Agenda)
    if out_fmt == "json":
        from crmcli.output import write_document

        write_document(agenda.to_dict())
        return
    last = agenda.day + timedelta(days=agenda.days)
    title = _("Today for {owner}").format(owner=agenda.owner) if agenda.owner else _("Today")
    rep = Report("today", title, agenda.day.isoformat(), last.isoformat(), "day", [], agenda.sections, agenda.notes)
    if out_fmt in ("csv", "tsv"):
        render.write_csv(rep, sys.stdout, delimiter="," if out_fmt == "csv" else "\t")
    else:
        render.write_terminal(rep, sys.stdout, lang=state.language())

