"""The CLI side of the duplicate check at entry and of remembered dedupe decisions, shared by
`crm add customer` and `crm dedupe` (their modules call these; the rules are in crmcli.dedupe)."""

from __future__ import annotations

import sqlite3
from typing import Any

import typer

from crmcli.cli.common import emit, info, mask_default, state
from crmcli.i18n import _


def check_new_customer(raw: dict[str, Any], force: bool) -> None:
    """Refuse a sure duplicate (DuplicateCustomer: exit 1, the existing id and --force named);
    warn about likely ones on stderr. --force skips the check."""
    if force:
        return
    from crmcli import records
    from crmcli.dedupe import entry

    values = records.prepare("customers", raw)
    for m in entry.check(state.conn(), values, unmask=not mask_default()):
        info(_("warning: likely already stored as {match}; added anyway (merge later with "
               "`crm merge {id} NEW_ID`)").format(match=entry.describe(m, not mask_default()), id=m.customer_id))


def not_same(ids: list[str]) -> None:
    """`crm dedupe --not-same A B …`: remember the decision; prints nothing on stdout."""
    from crmcli.dedupe import decisions

    op_id, new = decisions.not_same(state.conn(), ids)
    if not new:
        info(_("already remembered as different customers: nothing to do"))
        return
    info(_("remembered: {n} pair(s) are not the same customer (operation {op}; `crm undo` forgets it)").format(
        n=len(new), op=op_id))


def show_decisions(fmt: str | None) -> None:
    from crmcli.dedupe import decisions

    emit(decisions.decisions(state.conn()), decisions.COLUMNS, fmt, title=_("Not the same customer (remembered)"))


def review_not_same(conn: sqlite3.Connection, cluster: Any, live: list[str]) -> None:
    """The review flow's [n]: the cluster's remaining members are different customers."""
    from crmcli.dedupe import decisions

    new = decisions.not_same(conn, live)[1]
    cluster.action = "not_same"
    info(_("not the same: {ids} — remembered ({n} new pair(s)); never proposed again").format(
        ids=", ".join(live), n=len(new)))


def ids_need_not_same(ids: list[str] | None, not_same_flag: bool) -> None:
    if ids and not not_same_flag:
        raise typer.BadParameter(_("customer ids go with --not-same (crm dedupe --not-same A B)"), param_hint="IDS")
