"""The CLI side of the duplicate check at entry and of remembered dedupe decisions, shared by
`crm add customer` and `crm dedupe` (their modules call these; the rules are in crmcli.dedupe)."""

from __future__ import annotations

import sqlite3
from typing import Any

import typer

from crmcli.cli.common import emit, info, mask_default, state


def check_new_customer(raw: dict[str, Any], force: bool) -> None:
    """Refuse a sure duplicate (DuplicateCustomer: exit 1, the existing id and --force named);
    warn about likely ones on stderr. --force skips the check."""
    if force:
        return
    from crmcli import records
    from crmcli.dedupe import entry

    values = records.prepare("customers", raw)
    for m in entry.check(state.conn(), values, unmask=not mask_default()):
        info(f"warning: likely already stored as {entry.describe(m, not mask_default())}; "
             f"added anyway (merge later with `crm merge {m.customer_id} NEW_ID`)")


def not_same(ids: list[str]) -> None:
    """`crm dedupe --not-same A B …`: remember the decision; prints nothing on stdout."""
    from crmcli.dedupe import decisions

    op_id, new = decisions.not_same(state.conn(), ids)
    if not new:
        info("already remembered as different customers: nothing to do")
        return
    info(f"remembered: {len(new)} pair(s) are not the same customer (operation {op_id}; `crm undo` forgets it)")


def show_decisions(fmt: str | None) -> None:
    from crmcli.dedupe import decisions

    emit(decisions.decisions(state.conn()), decisions.COLUMNS, fmt, title="Not the same customer (remembered)")


def review_not_same(conn: sqlite3.Connection, cluster: dict[str, Any], live: list[str]) -> None:
    """The review flow's [n]: the cluster's remaining members are different customers."""
    from crmcli.dedupe import decisions

    _, new = decisions.not_same(conn, live)
    cluster["action"] = "not_same"
    info(f"not the same: {', '.join(live)} — remembered ({len(new)} new pair(s)); never proposed again")


def ids_need_not_same(ids: list[str] | None, not_same_flag: bool) -> None:
    if ids and not not_same_flag:
        raise typer.BadParameter("customer ids go with --not-same (crm dedupe --not-same A B)", param_hint="IDS")
