"""How logged changes read: `field: old -> new`, phones and emails masked unless asked.

Shared by `crm log show` and `crm show ID --history`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from crmcli import audit
from crmcli.i18n import _, get_lang, pgettext
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


def shown_action(action: str) -> str:
    """A change's action (insert / update / delete) for a terminal table: 新增 / 修改 / 删除 under zh."""
    if get_lang() == "en":
        return action
    return {"insert": pgettext("change", "added"), "update": pgettext("change", "changed"),
            "delete": pgettext("change", "deleted")}.get(action, action)


def shown_kind(kind: str) -> str:
    """An operation's kind (crmcli.audit) for a terminal table: 导入 / 合并 … under zh."""
    if get_lang() == "en":
        return kind
    return {"add": pgettext("operation", "add"), "update": pgettext("operation", "update"),
            "bulk-update": pgettext("operation", "bulk-update"), "tag": pgettext("operation", "tag"),
            "import": pgettext("operation", "import"), "export": pgettext("operation", "export"),
            "merge": pgettext("operation", "merge"), "unmerge": pgettext("operation", "unmerge"),
            "dedupe": pgettext("operation", "dedupe"), "delete": pgettext("operation", "delete"),
            "undo": pgettext("operation", "undo"), "segment": pgettext("operation", "segment"),
            "demo": pgettext("operation", "demo"), "doctor": pgettext("operation", "doctor"),
            "restore": pgettext("operation", "restore"), "salvage": pgettext("operation", "salvage"),
            "unmask": pgettext("operation", "unmask")}.get(kind, kind)


def _namer(table: str) -> tuple[Callable[[str], str], Callable[[str, Any], str]]:
    """(field name, stored value) as the reader's language shows them: level / 客户等级, vip / VIP."""
    lang = get_lang()
    if lang == "en":
        return str, lambda _k, v: _show(v)
    from crmcli import fields

    t = fields.TABLES.get(table)

    def field(k: str) -> fields.Field | None:
        return t.by_name.get(k) if t is not None else None

    def name(k: str) -> str:
        f = field(k)
        return k if f is None else f.label(lang)

    def value(k: str, v: Any) -> str:
        f = field(k)
        return _show(v if f is None or v in (None, "") else fields.display(f, v, lang))

    return name, value


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
    name, value = _namer(table)
    sep = "; " if get_lang() == "en" else "；"
    if action == "update":
        colon = ": " if get_lang() == "en" else "："
        text = sep.join(f"{name(k)}{colon}{value(k, a)} -> {value(k, b)}" + (_(" (masked; --unmask shows it)") if a == b else "")
                        for k, a, b in pairs) or _("timestamps only")
    elif action == "insert":
        text = _("added {fields}").format(fields=", ".join(
            f"{name(k)}={value(k, b)}" for k, _a, b in pairs if k not in ("created_at", "updated_at"))) \
            if pairs else _("added (bulk: key only)")
    else:
        text = _("deleted {fields}").format(fields=", ".join(
            f"{name(k)}={value(k, a)}" for k, a, _b in pairs if k not in ("created_at", "updated_at")))
    out = dict(change)
    out["old"], out["new"], out["diff"] = old, new, text
    return out
