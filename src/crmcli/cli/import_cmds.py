"""crm import: load a CSV, TSV or Excel file, whole or not at all."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crmcli.cli import progress
from crmcli.cli.common import ForceOpt, guard, info, overwrite, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import N_, _, ngettext

_SEPARATORS = {"comma": N_("comma-separated"), "tab": N_("tab-separated"), "semicolon": N_("semicolon-separated"),
               "pipe": N_("pipe-separated")}
_PSEUDO = {"customer_name": N_("customer name"), "tags": N_("tags")}  # headers.CUSTOMER_NAME, headers.TAGS


def _field(table: str, name: str) -> str:
    """A mapped field as the reader's language names it: customer_type / 客户类型."""
    from crmcli import fields
    from crmcli.i18n import get_lang

    lang = get_lang()
    t = fields.TABLES.get(table)
    f = t.by_name.get(name) if t is not None else None
    if lang == "en" or (f is None and name not in _PSEUDO):
        return name
    return f.label(lang) if f is not None else _(_PSEUDO[name])


def _module(table: str) -> str:
    from crmcli import fields
    from crmcli.i18n import get_lang

    lang = get_lang()
    t = fields.TABLES.get(table)
    return table if lang == "en" or t is None else t.label_zh(lang)


def _columns(s: dict[str, Any]) -> str:
    from crmcli.fields import fold

    pairs = [(c["column"], _field(s["table"], c["field"])) for c in s["columns"]]
    renamed = [f"{col}→{name}" for col, name in pairs if fold(col) != fold(name)]  # 客户名称 / 客戶名稱 alike
    n = len(s["columns"])
    if renamed:
        return ngettext("{n} column: {renamed}", "{n} columns: {renamed}", n).format(n=n, renamed=", ".join(renamed))
    return ngettext("{n} column, named as the field", "{n} columns, named as the fields", n).format(n=n)


def _report(summary: dict[str, Any]) -> None:
    head = summary["file"]
    if summary.get("encoding"):
        sep = _SEPARATORS.get(summary["delimiter"])
        head = _("{file}: {encoding}, {separator}").format(
            file=head, encoding=summary["encoding"],
            separator=_(sep) if sep else _("separated by {delimiter}").format(delimiter=summary["delimiter"]))
    info(head)
    for s in summary["sheets"]:
        info("  " + _("{sheet} → {module} (headers on line {line}), {columns}").format(
            sheet=s["sheet"], module=_module(s["table"]), line=s["header_line"], columns=_columns(s)))
        _report_unmapped(s)
        if s["kind_from_customer_type"]:
            info("  " + ngettext("{n} 客户类型 value 企业/个人 stored as kind (客户性质)",
                                 "{n} 客户类型 values 企业/个人 stored as kind (客户性质)",
                                 s["kind_from_customer_type"]).format(n=s["kind_from_customer_type"]))
        if s["tags_inserted"]:
            info("  " + ngettext("{n} tag added from the 标签 column", "{n} tags added from the 标签 column",
                                 s["tags_inserted"]).format(n=s["tags_inserted"]))
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
        info("  " + _("sheet '{name}' skipped: no module matches its name or headers").format(name=name))
    _report_totals(summary)


def _kept_column(entry: str) -> str | None:
    """The column of headers.map_columns' entry for a column crm keeps itself (`segment (kept by the system)`,
    in the language of this call), else None."""
    head, _sep, tail = _("{column} (kept by the system)").partition("{column}")
    if len(entry) > len(head) + len(tail) and entry.startswith(head) and entry.endswith(tail):
        return entry[len(head):len(entry) - len(tail)]
    return None


def _report_unmapped(s: dict[str, Any]) -> None:
    system = [c for c in map(_kept_column, s["unmapped"]) if c is not None]
    unknown = [u for u in s["unmapped"] if _kept_column(u) is None]
    if unknown:
        info("  " + _("not imported (no matching field): {columns} — use --map COLUMN=field, "
                      "or --map COLUMN=- to skip it").format(columns=", ".join(unknown)))
    if system:
        info("  " + _("not imported (crm computes them): {columns}").format(columns=", ".join(system)))


def _report_totals(summary: dict[str, Any]) -> None:
    how = _("dry run: nothing written") if summary["dry_run"] else \
        _("operation {op}").format(op=summary["operation"])
    info(_("{read} read: {inserted} inserted, {updated} updated, {skipped} skipped, {unchanged} unchanged, "
           "{rejected} rejected ({how})").format(how=how, **{k: summary[k] for k in (
               "read", "inserted", "updated", "skipped", "unchanged", "rejected")}))
    if summary.get("kept_invalid"):
        kept = [f"`crm query {'' if s['table'] == 'customers' else s['table'] + ' '}invalid!=`"
                for s in summary["sheets"] if s["kept_invalid"]]
        info(_("{n} invalid value(s) kept aside, their fields left empty: {queries} lists the records, "
               "`crm show ID` shows the values, `crm update ID --set FIELD=…` fixes one").format(
            n=summary["kept_invalid"], queries=", ".join(kept)))
    if summary["rejected"] and summary.get("rejects_file"):
        info(_("rejected rows written to {file} with their line and reason").format(file=summary["rejects_file"]))


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
        if bar is not None:
            bar.stop()  # off the screen before the rows are listed, or the first one lands on the bar's line
        if len(e.rows) > 1:  # every bad row with its reason, then the one error line
            for row in e.rows:
                info(f"  {row}")
            if e.count > len(e.rows):
                info("  " + _("… and {n} more (--rejects FILE lists them all)").format(n=e.count - len(e.rows)))
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
