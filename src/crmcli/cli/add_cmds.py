"""crm add customer / contact / followup / order / ticket / need: one new record.

Each subcommand's options are its module's settable fields, from the field
registry (fields.py): `AddRecord(table)` is the command, its signature built from
the registry. The `add` group builds only the subcommand invoked (cli/lazy.py).
"""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Any

import typer

from crmcli import fields
from crmcli.cli import complete
from crmcli.cli.common import guard, state
from crmcli.cli.lazy import lazy_group, new_app

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


def _completer(f: fields.Field) -> Any:
    if f.name == "customer_id":
        return complete.customer_ids
    return complete.label_option(f.table, f.name) if f.labels else None


class AddRecord:
    """`crm add WORD`: the command for one module, called by Typer with the options given."""

    def __init__(self, table: str) -> None:
        t = fields.TABLES[table]
        self.table = table
        params = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                    annotation=Annotated[str | None, typer.Option(
                                        *_option_name(f), help=_help(f), autocompletion=_completer(f))])
                  for f in t.fields if not f.system]
        if table == "customers":
            params.append(inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
                bool, typer.Option("--force", help="add even when the duplicate check finds this customer stored")]))
        self.__signature__ = inspect.Signature(params)
        self.__annotations__ = {p.name: p.annotation for p in params}
        self.__name__ = f"add_{table}"
        self.__doc__ = f"Add one {t.en.lower().rstrip('s')} ({t.zh}); prints its new id.\n\nExample: {EXAMPLES[table]}"

    @guard
    def __call__(self, **kwargs: Any) -> None:
        from crmcli import records

        force = bool(kwargs.pop("force", False))
        raw = {name: v for name, v in kwargs.items() if v is not None}
        if self.table == "customers":
            from crmcli.cli.dedupe_memory import check_new_customer

            check_new_customer(raw, force)
        if self.table == "followups" and "followed_by" not in raw:
            from crmcli import config

            if config.get("user"):
                raw["followed_by"] = config.get("user")
        typer.echo(records.add(state.conn(), self.table, raw))


def _build(word: str, table: str) -> Any:
    one = new_app()
    one.command(word)(AddRecord(table))
    return typer.main.get_command(one)


add_app = new_app(help="Add one record: customer, contact, followup, order, ticket or need.", no_args_is_help=True,
                      cls=lazy_group({word: functools.partial(_build, word, table) for word, table in ADDABLE.items()}))
app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names
app.add_typer(add_app, name="add")
