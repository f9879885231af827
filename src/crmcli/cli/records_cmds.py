"""crm add / show / update / tag: one record at a time."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from crmcli import fields
from crmcli.cli.common import guard, info, state
from crmcli.errors import InvalidValue

ADDABLE = {"customer": "customers", "contact": "contacts", "followup": "followups",
           "order": "orders", "ticket": "tickets", "need": "needs"}

EXAMPLES = {
    "customers": "crm add customer --name 北京华信科技有限公司 --phone 13812345678 --industry 制造业 --source 展会",
    "contacts": "crm add contact --customer C20241122001 --name 王芳 --title 采购经理 --phone 13900001111",
    "followups": "crm add followup --customer C20241122001 --method 电话 --summary 确认需求 --next-step 发方案 --due 2024-12-01",
    "orders": "crm add order --customer C20241122001 --amount 12万 --product 年度服务 --status 已完成",
    "tickets": "crm add ticket --customer C20241122001 --type 技术支持 --urgency 紧急 --description 无法登录",
    "needs": "crm add need --customer C20241122001 --type 服务定制 --budget 10-20万 --stage 需求确认",
}


def _option_name(f: fields.Field) -> list[str]:
    names = ["--" + f.name.replace("_", "-")]
    if f.name == "customer_id":
        names.insert(0, "--customer")
    if f.name == "followed_by":
        names.append("--by")
    if f.name == "due_date":
        names.append("--due")
    return names


def _help(f: fields.Field) -> str:
    text = f"{' / '.join(f.zh)}"
    if f.labels:
        text += ": " + ", ".join(f"{lab.value} ({lab.zh})" for lab in f.labels)
    elif f.type in ("date", "datetime"):
        text += f" ({f.type}: 2024-05-20, 2024/5/20, 2024年5月20日 ...)"
    return text


def _make_add(table: str) -> Any:
    t = fields.TABLES[table]
    settable = [f for f in t.fields if not f.system]

    def add(**kwargs: Any) -> None:
        from crmcli import records

        force = bool(kwargs.pop("force", False))
        raw = {name: v for name, v in kwargs.items() if v is not None}
        if table == "customers":
            from crmcli.cli.dedupe_memory import check_new_customer

            check_new_customer(raw, force)
        if table in ("followups",) and "followed_by" not in raw:
            from crmcli import config

            if config.get("user"):
                raw["followed_by"] = config.get("user")
        new_id = records.add(state.conn(), table, raw)
        typer.echo(new_id)

    params = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation=Annotated[str | None, typer.Option(*_option_name(f), help=_help(f))])
              for f in settable]
    if table == "customers":
        params.append(inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
            bool, typer.Option("--force", help="add even when the duplicate check finds this customer stored")]))
    add.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    add.__annotations__ = {p.name: p.annotation for p in params}
    add.__doc__ = f"Add one {t.en.lower().rstrip('s')} ({t.zh}); prints its new id.\n\nExample: {EXAMPLES[table]}"
    return guard(add)


def _parse_sets(sets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in sets:
        if "=" not in item:
            raise InvalidValue(f"--set takes field=value, not '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def register(app: typer.Typer) -> None:
    add_app = typer.Typer(help="Add one record: customer, contact, followup, order, ticket or need.",
                          no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})
    for word, table in ADDABLE.items():
        add_app.command(word)(_make_add(table))
    app.add_typer(add_app, name="add")

    @app.command()
    @guard
    def show(
        record_id: Annotated[str, typer.Argument(metavar="ID", help="a customer id (or an old id that was merged away)")],
        fmt: Annotated[str | None, typer.Option("--format", "-f", help="table or json")] = None,
        unmask: Annotated[bool, typer.Option("--unmask", help="show phones and emails in full")] = False,
        history: Annotated[bool, typer.Option("--history", help="also list every logged change of this customer")] = False,
    ) -> None:
        """Show everything about one customer: card, contacts, follow-ups, orders, tickets, needs, tags.

        Example: crm show C20241122001
        """
        from crmcli import records
        from crmcli.cli import show_view

        conn = state.conn()
        card = records.customer_card(conn, record_id)
        if history:
            card["history"] = records.history(conn, card["customer"]["customer_id"])
        show_view.render_card(card, fmt, unmask=unmask)

    @app.command()
    @guard
    def update(
        targets: Annotated[list[str], typer.Argument(metavar="ID|FILTER...", help="one record id, or filters for a bulk update")],
        sets: Annotated[list[str], typer.Option("--set", "-s", help="field=value (repeatable)")],
        table: Annotated[str | None, typer.Option("--table", "-t", help="the module a bulk update applies to (default customers)")] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask (scripts)")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")] = False,
    ) -> None:
        """Change fields of one record, or of every record a filter matches.

        Example: crm update C20241122001 --set status=合作中 --set level=VIP
        Example: crm update industry~制造 owner=张伟 --set owner=李娜 --yes
        """
        from crmcli import records
        from crmcli.cli import bulk

        values = _parse_sets(sets)
        if len(targets) == 1 and not bulk.looks_like_filter(targets[0]):
            conn = state.conn()
            if dry_run:
                info(f"would set {', '.join(values)} on {targets[0]} (dry run: nothing written)")
                return
            diff = records.update(conn, targets[0], values, table=table)
            if not diff:
                info(f"{targets[0]}: nothing changed")
            for k, (old, new) in diff.items():
                info(f"{targets[0]} {k}: {old!r} -> {new!r}")
            return
        bulk.bulk_update(targets, values, table=table or "customers", yes=yes, dry_run=dry_run)

    @app.command(context_settings={"ignore_unknown_options": True})
    @guard
    def tag(
        customer_id: Annotated[str, typer.Argument(metavar="ID")],
        changes: Annotated[list[str], typer.Argument(
            metavar="+TAG|-TAG...", help="+tag adds, -tag removes; group:tag sets a group (行为标签:价格敏感)")],
    ) -> None:
        """Add and remove tags on a customer.

        Example: crm tag C20241122001 +重点维护 +行为标签:价格敏感 -高风险
        """
        from crmcli import records

        adds = [c[1:] if c.startswith("+") else c for c in changes if not c.startswith("-")]
        removes = [c[1:] for c in changes if c.startswith("-")]
        notes: list[str] = []
        tags = records.tag(state.conn(), customer_id, adds, removes, notes)
        for note in notes:
            info(f"note: {note}")
        for t in tags:
            typer.echo(t)
