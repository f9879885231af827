"""How logged changes read: `field: old -> new`, phones and emails masked unless asked.

Shared by `crm log show` and `crm show ID --history`.
"""

from __future__ import annotations

import json
from typing import Any

from crmcli import audit
from crmcli.i18n import _
from crmcli.output import mask_row, masker


def _decoded(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def masked_row(table: str, row: dict[str, Any] | None, unmask: bool) -> dict[str, Any] | None:
    return None if row is None else mask_row(table, row, unmask)


def _show(v: Any) -> str:
    if v is None or v == "":
        return "∅"
    return str(v)


def readable(change: dict[str, Any], unmask: bool) -> dict[str, Any]:
    """A change row with old/new decoded and masked, plus `diff`: 'field: old -> new; ...'."""
    table = change["table_name"]
    raw_old, raw_new = _decoded(change.get("old")), _decoded(change.get("new"))
    old, new = masked_row(table, raw_old, unmask), masked_row(table, raw_new, unmask)
    action = change["action"]
    # what changed is judged on the stored values, then shown masked: a phone changed in its
    # middle digits still reads as a change
    masks = masker(table, list(raw_new or raw_old or {}), unmask)
    pairs = [(k, masks[k](a) if k in masks and a else a, masks[k](b) if k in masks and b else b)
             for k, a, b in audit.field_diff(action, raw_old, raw_new)]
    if action == "update":
        text = "; ".join(f"{k}: {_show(a)} -> {_show(b)}" + (_(" (masked; --unmask shows it)") if a == b else "")
                         for k, a, b in pairs) or "timestamps only"
    elif action == "insert":
        text = "added " + ", ".join(f"{k}={_show(b)}" for k, _a, b in pairs if k not in ("created_at", "updated_at")) \
            if pairs else "added (bulk: key only)"
    else:
        text = "deleted " + ", ".join(f"{k}={_show(a)}" for k, a, _b in pairs if k not in ("created_at", "updated_at"))
    out = dict(change)
    out["old"], out["new"], out["diff"] = old, new, text
    return out
