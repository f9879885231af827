"""crm query / crm fields: stacked filters over any module, and discovering field names."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crmcli.cli import complete
from crmcli.cli.common import FormatOpt, LangOpt, UnmaskOpt, emit, guard, info, pick_format, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import N_, _, zh_text

# What a terminal table shows when --columns is not given: 26 customer columns do
# not fit a screen. Machine formats (csv, tsv, json, jsonl) always carry every column.
# Most important first: a narrow terminal drops columns from the right (crmcli.fit).
TABLE_COLUMNS = {
    "customers": "customer_id,name,customer_type,status,owner,phone,level,industry",
    "orders": "order_id,customer.name,date,amount,status,product,owner,customer_id",
    "followups": "followup_id,customer.name,date,due_date,summary,followed_by,method,next_step,customer_id",
    "tickets": "ticket_id,customer.name,date,status,urgency,type,satisfaction,customer_id",
    "needs": "need_id,customer.name,stage,type,budget,expected_close_date,owner,customer_id",
    "contacts": "contact_id,customer.name,name,role,phone,title,customer_id",
    "tags": "customer_id,customer.name,tag,tag_group",
}
TABLE_ROWS = 200  # rows a terminal table shows without --limit
app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command()
@guard
def query(
    args: Annotated[list[str] | None, typer.Argument(
        metavar="[TABLE] [FILTER]...", help="a module (default customers) and filters, ANDed",
        autocompletion=complete.filters)] = None,
    sort: Annotated[str | None, typer.Option("--sort", help="field,-field (minus: descending)")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="at most N rows")] = None,
    columns: Annotated[str | None, typer.Option(
        "--columns", "-c", help="a,b,c or 'all' (default: all; a readable subset in a terminal table)")] = None,
    fmt: FormatOpt = None,
    unmask: UnmaskOpt = False,
    lang: LangOpt = None,
    count_only: Annotated[bool, typer.Option("--count", help="print only how many records match")] = False,
) -> None:
    """Find records with stacked filters (ANDed), field names in Chinese or English.

    Filters: field=value != > >= < <= ~ (contains) !~ ; field= (empty); a|b (any of);
    module.field (one related row matches all of a module's conditions);
    !module.field (no such row); module.count, module.sum(amount), avg/max/min;
    tag=X or +X, !tag=X; dates YYYY-MM-DD, 2024-05, today, -90d, -3m, -1y,
    this-month, last-month. Quote filters holding < > | ! * for the shell.
    See `crm fields` for every field and label. The terminal table shows a
    readable set of columns (--columns all for every one) and at most 200
    rows unless --limit is given; csv, tsv, json and jsonl carry every column
    and row. Phones and emails are masked unless --unmask.

    Example: crm query 客户类型=老客户 'orders.date>=-3m' 'orders.amount>=50000' 'tickets.satisfaction>=4'

    Example: crm query 'followups.by~经理' tag=重点维护

    Example: crm query orders status=已完成 'date>=this-month' --sort -amount --format csv

    Example: crm query '!followups.date>=-90d' --count
    """
    from crmcli import filters

    table, flt = filters.split_module(args or [])
    if count_only:
        typer.echo(filters.count(state.conn(), table, flt))
        return
    fmt = pick_format(fmt)
    capped = fmt == "table" and limit is None  # a terminal cannot show a million rows; pipes get them all
    if columns is None and fmt == "table":
        columns = TABLE_COLUMNS.get(table)
    cols, cur = filters.select(state.conn(), table, flt, columns=columns, sort=sort,
                               limit=TABLE_ROWS + 1 if capped else limit)
    rows = cur.fetchall() if capped else cur
    more = capped and len(rows) > TABLE_ROWS  # type: ignore[arg-type]
    # --lang relabels the table, and CSV/TSV for spreadsheets; JSON stays keyed by column names (contract).
    n = emit(rows[:TABLE_ROWS] if more else rows, cols, fmt, table=table, unmask=unmask,  # type: ignore[index]
             lang=lang if fmt in ("table", "csv", "tsv") else None)
    from crmcli import fields

    shown = table if state.language() == "en" else fields.TABLES[table].label_zh(state.language())
    if more:
        info(_("the first {n} {table}; more match: --limit N to see more, --format csv for all").format(n=n, table=shown))
    elif fmt == "table":
        info(_("{n} {table}").format(n=n, table=shown)
             + (_(" (--limit {limit})").format(limit=limit) if limit is not None and n == limit else ""))


# The registry's field types as `crm fields` names them to a Chinese reader.
FIELD_TYPES = {"text": N_("text"), "int": N_("whole number"), "money": N_("amount"), "date": N_("date"),
               "datetime": N_("date and time"), "phone": N_("phone number"), "email": N_("email address"),
               "label": N_("choice"), "bool": N_("yes/no"), "id": N_("record id"), "tag": N_("tag")}


@app.command("fields")
@guard
def fields_cmd(
    table: Annotated[str | None, typer.Argument(help="a module (default: all)")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List every filterable field: English name, Chinese labels, type, allowed values.

    Use either name in filters (客户类型=老客户 is customer_type=returning), and any
    allowed value or its Chinese label.

    Example: crm fields orders
    """
    from crmcli import fields

    tables = [fields.table(table)] if table else list(fields.TABLES.values())
    rows = []
    for t in tables:
        for f in t.fields:
            allowed = " | ".join(f"{lab.value}={lab.zh}" for lab in f.labels)
            rows.append({"table": t.name, "field": f.name, "labels": " / ".join(f.zh), "english": f.en,
                         "type": f.type, "allowed": allowed})
        if t.name == "customers":
            rows.append({"table": t.name, "field": "tag", "labels": "标签", "english": "Tag", "type": "tag",
                         "allowed": "tag=X, +X, !tag=X, tag~X (see crm tag)"})
    if state.language() != "en" and pick_format(fmt) == "table":
        emit(_zh_field_rows(tables, state.language()), ["table", "labels", "type", "allowed"], fmt,
             heads=[_("Module"), _("Chinese labels"), _("Field type"), _("Allowed values")])
    else:
        emit(rows, ["table", "field", "labels", "english", "type", "allowed"], fmt)


def _zh_field_rows(tables: list[Any], lang: str) -> list[dict[str, str]]:
    """`crm fields` for a Chinese reader: every name and value by its Chinese label, which filters accept
    as well as the English one (跟进方式=电话 is method=phone); scripts and --lang en get the English names."""
    rows = []
    for t in tables:
        module = t.label_zh(lang)
        for f in t.fields:
            rows.append({"table": module, "labels": zh_text(" / ".join(f.zh), lang),
                         "type": _(FIELD_TYPES.get(f.type, f.type)),
                         "allowed": zh_text(" | ".join(lab.zh for lab in f.labels), lang)})
        if t.name == "customers":
            rows.append({"table": module, "labels": zh_text("标签", lang), "type": _(FIELD_TYPES["tag"]),
                         "allowed": _("tag=X, +X, !tag=X, tag~X (see crm tag)")})
    return rows
