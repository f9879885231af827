"""crm report: the template's analyses on the terminal, as CSV/JSON, or as an Excel workbook with charts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli import outfile
from crmcli.cli import complete
from crmcli.cli.common import ForceOpt, emit, guard, info, overwrite, state
from crmcli.cli.lazy import new_app
from crmcli.errors import CrmError, reason
from crmcli.i18n import _, pgettext

if TYPE_CHECKING:
    from crmcli.reports import Report

REPORT_FORMATS = ("table", "csv", "tsv", "json", "xlsx", "html", "pdf")


def _format(fmt: str | None, output: Path | None) -> str:
    from crmcli.output import default_format
    from crmcli.reports.files import format_for_file

    to_file = output is not None and str(output) != "-"
    if fmt is not None and fmt.lower() not in REPORT_FORMATS:
        raise typer.BadParameter(_("'{value}' is not one of {choices}").format(value=fmt, choices=", ".join(REPORT_FORMATS)),
                                 param_hint="--format")
    if to_file:
        assert output is not None
        return format_for_file(output, fmt.lower() if fmt else None)
    if fmt is None:
        return default_format()
    if fmt.lower() in ("xlsx", "html", "pdf"):
        raise typer.BadParameter(_("{format} needs a file: add -o FILE.{format}").format(format=fmt.lower()), param_hint="--format")
    return fmt.lower()


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def report(
    args: Annotated[list[str] | None, typer.Argument(metavar="[NAME] [FILTER]...",
                                                     help="a report (none: list them; all: every one) and filters",
                                                     autocompletion=complete.filters)] = None,
    since: Annotated[str | None, typer.Option("--since", help="first day of the period: YYYY-MM-DD, -3m, this-month")] = None,
    until: Annotated[str | None, typer.Option("--until", help="last day of the period (inclusive)")] = None,
    by: Annotated[str, typer.Option("--by", help="period of the time series: month or quarter")] = "month",
    section: Annotated[str | None, typer.Option("--section", "-s", help="print only this section (its key, e.g. by_product)")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="table, csv, tsv, json, xlsx, html or pdf (default: table / csv in a pipe / the -o suffix)")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="write to FILE: .html page, .pdf, .xlsx workbook (charts in each), .csv, .tsv, .json")] = None,
    force: ForceOpt = False,
) -> None:
    """Show the template's analyses: overview, structure, funnel, revenue, satisfaction, service, follow-ups.

    Filters narrow every report to the matching customers. Revenue counts completed
    and partially refunded orders; customer lifetime value is the revenue a customer
    has brought to date. Service levels: urgent/critical respond 2 h, resolve 24 h;
    normal resolve within 3 working days (weekends excluded, public holidays not).

    \b
    Example: crm report
    Example: crm report overview owner=张伟
    Example: crm report revenue industry~制造 --since 2024-01-01 --by quarter
    Example: crm report service --section on_time --format json
    Example: crm report all --since last-month -o monthly.xlsx
    Example: crm report all -o 月报.html
    Example: crm report revenue --since 2024-01-01 -o revenue.pdf
    """
    from crmcli import reports
    from crmcli.filters import looks_like_filter
    from crmcli.reports import render

    items = list(args or [])
    if not items:
        rows = [{"report": r.name, "description": _(r.summary)} for r in reports.available()]  # report_pages.po
        emit(rows, ["report", "description"], None if fmt in (None, "xlsx") else fmt,
             heads=[pgettext("report list", "Report"), pgettext("report list", "Description")])
        return
    name, filters = items[0], items[1:]
    if looks_like_filter(name):
        raise typer.BadParameter(_("'{word}' is a filter; name a report first, e.g. crm report overview {word}").format(
            word=name), param_hint="NAME")
    out_fmt = _format(fmt, output)
    names = [r.name for r in reports.available()] if name.lower() == "all" else [reports.get(name).name]
    if len(names) > 1 and out_fmt in ("csv", "tsv"):
        raise typer.BadParameter(_("CSV holds one report: name it, or use json, xlsx, html or pdf for all"),
                                 param_hint="--format")
    conn = state.conn()
    results = [reports.run(conn, n, filters, since=since, until=until, by=by) for n in names]
    if section:
        results = [render.only(r, section) for r in results]
    try:
        _write(results, out_fmt, output, overwrite(force), outfile.database_files(conn))
    except BrokenPipeError:  # `crm report ... | head`: the reader left; main() exits quietly
        raise
    except OSError as e:
        raise CrmError(_("cannot write {path}: {error}").format(path=output, error=reason(e))) from None


def _write(results: list[Report], out_fmt: str, output: Path | None, force: outfile.Overwrite,
           avoid: list[tuple[Path, str]]) -> None:
    from crmcli.reports import files, render

    lang = state.language()
    if output is not None and str(output) != "-":
        files.write(results, out_fmt, output, lang=lang, force=force, avoid=avoid)
        info(_("wrote {file}").format(file=output))
        return
    render.write(results, out_fmt, sys.stdout, lang=lang)
