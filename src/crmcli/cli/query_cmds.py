"""crm query / crm fields: stacked filters over any module, and discovering field names."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.common import FormatOpt, UnmaskOpt, emit, guard, state

TABLE_WORDS = ("customers", "contacts", "followups", "orders", "tickets", "needs", "tags")


def _split_table(args: list[str]) -> tuple[str, list[str]]:
    """The first argument names a module unless it looks like a filter."""
    from crmcli import fields

    if args and not any(op in args[0] for op in ("=", "<", ">", "~")) and not args[0].startswith(("+", "!")):
        return fields.table(args[0]).name, args[1:]
    return "customers", args


def register(app: typer.Typer) -> None:
    @app.command()
    @guard
    def query(
        args: Annotated[list[str] | None, typer.Argument(
            metavar="[TABLE] [FILTER]...", help="a module (default customers) and filters, ANDed")] = None,
        sort: Annotated[str | None, typer.Option("--sort", help="field,-field (minus: descending)")] = None,
        limit: Annotated[int | None, typer.Option("--limit", "-n", help="at most N rows")] = None,
        columns: Annotated[str | None, typer.Option("--columns", "-c", help="a,b,c (default: all)")] = None,
        fmt: FormatOpt = None,
        unmask: UnmaskOpt = False,
    ) -> None:
        """Find records with stacked filters, in Chinese or English field names.

        Example: crm query customer_type=老客户 orders.date>=-3m orders.amount>=50000 tickets.satisfaction>=4
        Example: crm query followups.by~经理 tag=重点维护
        Example: crm query orders status=已完成 date>=this-month --sort -amount
        """
        from crmcli import filters

        table, flt = _split_table(list(args or []))
        cols, rows = filters.select(state.conn(), table, flt, columns=columns, sort=sort, limit=limit)
        emit(rows, cols, fmt, table=table, unmask=unmask)

    @app.command("fields")
    @guard
    def fields_cmd(
        table: Annotated[str | None, typer.Argument(help="a module (default: all)")] = None,
        fmt: FormatOpt = None,
    ) -> None:
        """List every filterable field: English name, Chinese labels, type, allowed values.

        Example: crm fields orders
        """
        from crmcli import fields

        tables = [fields.table(table)] if table else list(fields.TABLES.values())
        rows = []
        for t in tables:
            for f in t.fields:
                allowed = " | ".join(f"{lab.value}={lab.zh}" for lab in f.labels)
                rows.append({"table": t.name, "field": f.name, "labels": " / ".join(f.zh), "type": f.type,
                             "allowed": allowed})
        emit(rows, ["table", "field", "labels", "type", "allowed"], fmt)
