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


def _namer(table: str) -> Any:
    """field name -> what the reader calls it: the name under en, the field's label under zh."""
    from crmcli import fields
    from crmcli.i18n import get_lang

    lang = get_lang()
    t = fields.TABLES.get(table)
    if lang == "en" or t is None:
        return lambda k: k
    return lambda k: t.by_name[k].label(lang) if k in t.by_name else k


def _labeler(table: str) -> Any:
    """(field, stored value) -> the value as the reader's language shows it (a label's Chinese under zh)."""
    from crmcli import fields
    from crmcli.i18n import get_lang

    lang = get_lang()
    t = fields.TABLES.get(table)
    if lang == "en" or t is None:
        return lambda k, v: v
    return lambda k, v: fields.display(t.by_name[k], v, lang) if k in t.by_name and t.by_name[k].labels else v


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
    label = _labeler(table)
    pairs = [(k, masks[k](a) if k in masks and a else label(k, a), masks[k](b) if k in masks and b else label(k, b))
             for k, a, b in audit.field_diff(action, raw_old, raw_new)]
    name = _namer(table)
    if action == "update":
        text = "; ".join(f"{name(k)}: {_show(a)} -> {_show(b)}" + (_(" (masked; --unmask shows it)") if a == b else "")
                         for k, a, b in pairs) or _("timestamps only")
    elif action == "insert":
        text = _("added {values}").format(values=", ".join(
            f"{name(k)}={_show(b)}" for k, _a, b in pairs if k not in ("created_at", "updated_at"))) \
            if pairs else _("added (bulk: key only)")
    else:
        text = _("deleted {values}").format(values=", ".join(
            f"{name(k)}={_show(a)}" for k, a, _b in pairs if k not in ("created_at", "updated_at")))
    out = dict(change)
    out["old"], out["new"], out["diff"] = old, new, text
    return out
