"""Bulk update: `crm update FILTER... --set field=value` with its guard."""

from __future__ import annotations

import sys

from crmcli.cli.common import confirm, info, state
from crmcli.errors import InvalidValue

_OPS = ("=", "<", ">", "~")


def looks_like_filter(arg: str) -> bool:
    return any(op in arg for op in _OPS) or arg.startswith(("+", "!"))


def bulk_update(filters: list[str], values: dict[str, str], *, table: str, yes: bool, dry_run: bool) -> None:
    from crmcli import bulk as lib

    if not [f for f in filters if f.strip()]:
        raise InvalidValue("a bulk update needs at least one filter")
    conn = state.conn()
    plan = lib.plan(conn, table, filters, values)
    info(f"{plan.matched} {plan.table} match; {len(plan.changes)} would change ({', '.join(plan.values)})")
    if dry_run:
        for key, diff in plan.changes[:50]:
            info(f"  {key}: " + ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in diff.items()))
        if len(plan.changes) > 50:
            info(f"  … and {len(plan.changes) - 50} more")
        info("dry run: nothing written")
        return
    if not plan.changes:
        info("nothing to change")
        return
    if not confirm(f"change {len(plan.changes)} {plan.table}?", yes):
        info("nothing written")
        sys.exit(1)
    op_id = lib.apply(conn, plan, filters)
    info(f"changed {len(plan.changes)} {plan.table} (operation {op_id})")
