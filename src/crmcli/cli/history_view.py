"""How logged changes read: `field: old -> new`, phones and emails masked unless asked.

Shared by `crm log show` and `crm show ID --history`.
"""

from __future__ import annotations

import json
from typing import Any

from crmcli import audit
from crmcli.output import masker


def _decoded(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def masked_row(table: str, row: dict[str, Any] | None, unmask: bool) -> dict[str, Any] | None:
    if row is None:
        return None
    masks = masker(table, list(row), unmask)
    return {k: (masks[k](v) if k in masks and v else v) for k, v in row.items()}


def _show(v: Any) -> str:
    if v is None or v == "":
        return "∅"
    return str(v)


def readable(change: dict[str, Any], unmask: bool) -> dict[str, Any]:
    """A change row with old/new decoded and masked, plus `diff`: 'field: old -> new; ...'."""
    table = change["table_name"]
    old = masked_row(table, _decoded(change.get("old")), unmask)
    new = masked_row(table, _decoded(change.get("new")), unmask)
    action = change["action"]
    pairs = audit.field_diff(action, old, new)
    if action == "update":
        text = "; ".join(f"{k}: {_show(a)} -> {_show(b)}" for k, a, b in pairs) or "timestamps only"
    elif action == "insert":
        text = "added " + ", ".join(f"{k}={_show(b)}" for k, _a, b in pairs if k not in ("created_at", "updated_at")) \
            if pairs else "added (bulk: key only)"
    else:
        text = "deleted " + ", ".join(f"{k}={_show(a)}" for k, a, _b in pairs if k not in ("created_at", "updated_at"))
    out = dict(change)
    out["old"], out["new"], out["diff"] = old, new, text
    return out
