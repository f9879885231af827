"""What `--columns` may name in a listing: the module's own fields, its customer's fields
(`customer.name`, `客户.客户名称`, `customer.phone`: every follow-up, order, ticket, need and contact row
has exactly one customer) and `tags` (the customer's tags, comma-separated).

`select_list` turns them into SQL expressions for the filter compiler's SELECT; a related column is a
correlated subquery on the customer's primary key, so it costs one index lookup a row and nothing when
not asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from crmcli import fields
from crmcli.errors import InvalidValue
from crmcli.i18n import _

CUSTOMER_PREFIXES = ("customer", "customers", "客户", "客户基本信息")
TAG_NAMES = ("tags", "标签", "客户标签")


def related_field(table: str | None, column: str) -> fields.Field | None:
    """The customers field a `customer.X` column shows (None for the module's own columns)."""
    if table is None or "." not in column:
        return None
    prefix, name = column.split(".", 1)
    if prefix != "customer":
        return None
    return fields.TABLES["customers"].by_name.get(name)


def _one(main: fields.Table, item: str) -> tuple[str, str]:
    owner = "customer_id" if "customer_id" in main.by_name else None
    if owner and main.name != "tags" and fields.fold(item) in {fields.fold(t) for t in TAG_NAMES}:
        return "tags", (f"(SELECT group_concat(tag, ', ') FROM (SELECT t.tag FROM tags t "
                        f"WHERE t.customer_id = {main.name}.customer_id ORDER BY t.tag))")
    if "." in item:
        prefix, name = item.split(".", 1)
        if fields.fold(prefix) in {fields.fold(p) for p in CUSTOMER_PREFIXES}:
            f = fields.get_field("customers", name)
            if main.name == "customers":
                return f.name, f"customers.{f.name}"
            if owner is None:
                raise InvalidValue(_("{table} rows have no customer: '{column}'").format(table=fields.shown_table(main), column=item))
            return (f"customer.{f.name}",
                    f"(SELECT c.{f.name} FROM customers c WHERE c.customer_id = {main.name}.customer_id)")
        if fields.table(prefix) is main:
            f = fields.get_field(main, name)
            return f.name, f"{main.name}.{f.name}"
        raise InvalidValue(_("'{column}': a listing of {table} can show its customer's fields (customer.name), "
                             "not another module's").format(column=item, table=fields.shown_table(main)))
    f = fields.get_field(main, item)
    return f.name, f"{main.name}.{f.name}"


def select_list(table: str, columns: str | Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(column names, SQL expressions) for COLUMNS ('a,b,customer.name,tags'; all own columns when empty)."""
    main = fields.table(table)
    items = (columns.split(",") if isinstance(columns, str) else list(columns)) if columns else []
    items = [c.strip() for c in items if c.strip()]
    if not items or items in (["all"], ["*"]):
        return main.columns, [f"{main.name}.{c}" for c in main.columns]
    out: dict[str, str] = {}
    for item in items:
        name, expr = _one(main, item)
        out.setdefault(name, expr)
    names = list(out)
    exprs = [e if e == f"{main.name}.{n}" else f'{e} AS "{n}"' for n, e in out.items()]
    return names, exprs
