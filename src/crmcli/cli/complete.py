"""Shell-completion callbacks for arguments and options (`autocompletion=` on typer.Argument/Option).

Each imports crmcli.completion only when the shell asks (a Tab), so no command pays for it at
start-up. The database is the one `--db` names on the command line being completed, else the
usual default (config, per-user).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _db(ctx: Any) -> Path | None:
    root = ctx.find_root() if ctx is not None else None
    value = (root.params or {}).get("db") if root is not None else None
    return Path(value) if value else None


def _typed_before(ctx: Any) -> list[str]:
    """The words already given to the command's list arguments (Typer passes no `args` to a callback)."""
    out: list[str] = []
    for value in (ctx.params or {}).values() if ctx is not None else ():
        if isinstance(value, list | tuple):
            out.extend(str(v) for v in value)
    return out


def filters(ctx: Any, incomplete: str) -> list[str]:
    """FILTER arguments: field names, module prefixes, label values, tags."""
    from crmcli import completion

    return completion.filters(_typed_before(ctx), incomplete or "", _db(ctx))


def customer_ids(ctx: Any, incomplete: str) -> list[str]:
    """Customer ID arguments: recent and matching ids. Ids are case-insensitive, so what was typed keeps its
    case (`c2024…` completes to `c20241122001`): the shell only offers words that start with the typed text."""
    from crmcli import completion

    typed = incomplete or ""
    return [typed + cid[len(typed):] for cid in completion.customer_ids(typed, _db(ctx))]


def ids_or_filters(ctx: Any, incomplete: str) -> list[str]:
    """`crm update ID|FILTER…`: ids when the word looks like one, else filters."""
    typed = incomplete or ""
    if typed[:1].upper() == "C" and (len(typed) < 2 or typed[1:2].isdigit()):
        return customer_ids(ctx, typed)
    return filters(ctx, typed)


def tag_changes(ctx: Any, incomplete: str) -> list[str]:
    """`crm tag ID +TAG -TAG`: stored tags after the sign."""
    from crmcli import completion

    typed = incomplete or ""
    sign = typed[:1] if typed[:1] in "+-" and typed else "+"
    rest = typed[1:] if typed[:1] in ("+", "-") else typed
    return [sign + t for t in completion.tags(rest, _db(ctx))]


def label_option(table: str, field_name: str) -> Any:
    """A callback for an option holding a fixed label of TABLE.FIELD_NAME (crm add … --source 展会)."""
    def complete(incomplete: str) -> list[str]:
        from crmcli import completion

        return completion.label_values(table, field_name, incomplete or "")

    return complete
