"""crm import: load a CSV, TSV or Excel file, whole or not at all."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crmcli.cli import progress
from crmcli.cli.common import ForceOpt, guard, info, overwrite, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import _

_KEPT = " (kept by the system)"  # headers.map_columns' mark on a column crm keeps itself (segment …)


def _report(summary: dict[str, Any]) -> None:
    head = summary["file"]
    if summary.get("encoding"):
        head += f": {summary['encoding']}, {summary['delimiter']}-separated"
    info(head)
    for s in summary["sheets"]:
        renamed = [f"{c['column']}→{c['field']}" for c in s["columns"] if c["column"].casefold() != c["field"]]
        cols = f"{len(s['columns'])} columns" + (": " + ", ".join(renamed) if renamed else ", named as the fields")
        info(f"  {s['sheet']} → {s['table']} (headers on line {s['header_line']}), {cols}")
        system = [u for u in s["unmapped"] if u.endswith(_KEPT)]
        unknown = [u for u in s["unmapped"] if not u.endswith(_KEPT)]
        if unknown:
            info(f"  not imported (no matching field): {', '.join(unknown)} — use --map COLUMN=field, "
                 "or --map COLUMN=- to skip it")
        if system:
            info("  " + _("not imported (crm computes them): {columns}").format(
                columns=", ".join(u[:-len(_KEPT)] for u in system)))
        if s["kind_from_customer_type"]:
            info(f"  {s['kind_from_customer_type']} 客户类型 value(s) 企业/个人 stored as kind (客户性质)")
        if s["tags_inserted"]:
            info(f"  {s['tags_inserted']} tag(s) added from the 标签 column")
        if s["masked"]:
            info("  " + _("{n} masked cell(s) like 138****5678 or s***@x.com are not data: {kept} kept the stored "
                          "value, {empty} left empty in new rows").format(n=s["masked"], kept=s["masked_kept"],
                                                                         empty=s["masked_empty"]))
        _report_duplicates(s)
        if s["linked_to_first"]:
            info("  " + _("{n} row(s) name a customer the file holds more than once: linked to the first ({ids}); "
                          "`crm dedupe` merges them, records and all").format(
                n=s["linked_to_first"], ids=", ".join(s["linked_to_first_ids"][:5])))
    for name in summary["skipped_sheets"]:
        info(f"  sheet '{name}' skipped: no module matches its name or headers")
    info(f"{summary['read']} read: {summary['inserted']} inserted, {summary['updated']} updated, "
         f"{summary['skipped']} skipped, {summary['unchanged']} unchanged, {summary['rejected']} rejected "
         f"({'dry run: nothing written' if summary['dry_run'] else 'operation ' + str(summary['operation'])})")
    if summary.get("kept_invalid"):
        kept = [f"`crm query {'' if s['table'] == 'customers' else s['table'] + ' '}invalid!=`"
                for s in summary["sheets"] if s["kept_invalid"]]
        info(f"{summary['kept_invalid']} invalid value(s) kept aside, their fields left empty: {', '.join(kept)} "
             "lists the records, `crm show ID` shows the values, `crm update ID --set FIELD=…` fixes one")
    if summary["rejected"] and summary.get("rejects_file"):
        info(f"rejected rows written to {summary['rejects_file']} with their line and reason")


def _report_duplicates(s: dict[str, Any]) -> None:
    """New customers whose names normalise alike: each went in, dedupe decides."""
    groups, of_stored = s["duplicates"], s["duplicates_of_stored"]
    if not groups and not of_stored:
        return
    parts = []
    if groups:
        shown = "; ".join(" ~ ".join(g) for g in groups[:5]) + (" …" if len(groups) > 5 else "")
        parts.append(_("of each other: {ids}").format(ids=shown))
    if of_stored:
        shown = "; ".join(f"{new} ~ {', '.join(old[:3])}" for new, old in of_stored[:5])
        parts.append(_("of stored customers: {ids}").format(ids=shown + (" …" if len(of_stored) > 5 else "")))
    n = sum(len(g) for g in groups) + len({new for new, _old in of_stored if not any(new in g for g in groups)})
    info("  " + _("{n} row(s) look like duplicates ({which}) — run `crm dedupe`").format(n=n, which="; ".join(parts)))


app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command("import")
@guard
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="a .csv/.tsv/.txt or .xlsx/.xls file; - reads stdin")],
    table: Annotated[str | None, typer.Option("--table", "-t", help="module for every sheet: customers, followups, "
                                              "orders, tickets, needs, contacts (default: by sheet name/headers)")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="import only this sheet of a workbook")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="SOURCE_COLUMN=field (repeatable); "
                                                      "SOURCE_COLUMN=- skips a column")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    on_conflict: Annotated[str, typer.Option("--on-conflict", help="a stored record the file changes: fail, skip "
                                             "or update (the file's cells win: empty clears, masked keeps)")] = "fail",
    rejects: Annotated[str | None, typer.Option("--rejects", help="import the valid rows; write invalid ones "
                                                "to this CSV with line and reason")] = None,
    keep_invalid: Annotated[bool, typer.Option("--keep-invalid", help="import a row whose fault is a bad cell "
                                               "(phone, e-mail, date …): the field stays empty, the cell is kept "
                                               "aside for `crm query invalid=FIELD`")] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help="text encoding (default: detected; "
                                                 "utf-8, gbk, gb18030, utf-16 …)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="json: print the summary on stdout "
                                            "(for cron jobs)")] = None,
    force: ForceOpt = False,
) -> None:
    """Import customers, follow-ups, orders, tickets, needs or contacts from CSV or Excel, all or nothing.

    Encoding (UTF-8, GBK, UTF-16 …), separator and header row are detected; Chinese
    and English headers map to fields automatically.

    Example: crm import 客户.csv --dry-run

    Example: crm import 客户管理.xlsx --rejects rejects.csv

    Example: crm import 台账.xlsx --keep-invalid
    """
    from crmcli.importer import import_file

    if fmt not in (None, "json", "text"):
        raise typer.BadParameter(_("use json (or leave it out for a summary on stderr)"), param_hint="--format")
    if on_conflict not in ("fail", "skip", "update"):
        raise typer.BadParameter(_("use fail, skip or update"), param_hint="--on-conflict")
    callback, bar = progress.sheets(_("import"))
    from crmcli.importer import ImportFailed

    try:
        result = import_file(state.conn(), file, table=table, sheet=sheet, mapping=mapping or [],
                             dry_run=dry_run, on_conflict=on_conflict, rejects=rejects, encoding=encoding,
                             progress=callback, force=overwrite(force),
                             keep_invalid=keep_invalid)
    except ImportFailed as e:
        if len(e.rows) > 1:  # every bad row with its reason, then the one error line
            for row in e.rows:
                info(f"  {row}")
            if e.count > len(e.rows):
                info(f"  … and {e.count - len(e.rows)} more (--rejects FILE lists them all)")
        raise
    finally:
        if bar is not None:
            bar.stop()
    summary = result.summary()
    if fmt == "json":
        from crmcli.output import write_document

        write_document(summary)
    else:
        _report(summary)
