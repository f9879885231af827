"""Rows per table as a message names them: `2 followups, 1 tags` / `跟进记录：2 行、标签管理：1 行`."""

from __future__ import annotations

from collections.abc import Mapping

from crmcli.i18n import N_, _, get_lang

# Tables a person never names but a count may mention (a deleted customer's history, the demo's data set).
_INTERNAL = {"status_history": N_("status changes"), "customer_segments": N_("segment history"),
             "operations": N_("operations"), "changes": N_("row changes")}


def table_name(table: str) -> str:
    """TABLE in the reader's language: the template's module name, or what an internal table holds."""
    from crmcli import fields

    if get_lang() == "en":
        return table
    t = fields.TABLES.get(table)
    if t is not None:
        return t.label_zh(get_lang())
    return _(_INTERNAL[table]) if table in _INTERNAL else table


def rows_per_table(counts: Mapping[str, int], thousands: bool = False) -> str:
    """COUNTS ({table: rows}) as one phrase; English keeps `N table` pairs as scripts have read them."""
    def num(n: int) -> str:
        return f"{n:,}" if thousands else str(n)

    if get_lang() == "en":
        return ", ".join(f"{num(n)} {t}" for t, n in counts.items())
    return "、".join(_("{table}: {n} rows").format(table=table_name(t), n=num(n)) for t, n in counts.items())
