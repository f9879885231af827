"""Turn what a person typed (or a spreadsheet held) into the value a field stores.

One function, `coerce`, used by add, update, import and the filter compiler, so a
value accepted in one place is accepted — and stored the same way — everywhere.
"""

from __future__ import annotations

from typing import Any

from crmcli import normalize as n
from crmcli.errors import InvalidValue
from crmcli.fields import Field, canonical, shown_field, shown_table
from crmcli.i18n import _

# Yes/no fields whose template words are not 是/否.
BOOL_WORDS: dict[str, dict[str, int]] = {
    "tax_included": {"含税": 1, "不含税": 0, "未税": 0, "taxincluded": 1, "taxexcluded": 0, "inclusive": 1, "exclusive": 0},
    "done": {"已完成": 1, "未完成": 0, "完成": 1},
}


def coerce(f: Field, raw: Any) -> Any:
    """The stored form of RAW for field F; None for empty; InvalidValue when it does not fit."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = n.drop_controls(raw).strip().strip("\u3000")
        if raw == "":
            return None
    kind = f.type
    try:
        if f.labels:
            return canonical(f, str(raw))
        if kind == "phone":
            return n.normalize_phone(raw)
        if kind == "email":
            return n.normalize_email(raw)
        if kind == "date":
            return n.normalize_date(raw)
        if kind == "datetime":
            return n.normalize_datetime(raw)
        if kind == "money":
            return n.normalize_money(raw)
        if kind == "number":
            return _number(raw)
        if kind == "bool":
            words = BOOL_WORDS.get(f.name, {})
            key = "".join(str(raw).split()).lower()
            return words[key] if key in words else n.normalize_bool(raw)
        if kind == "int":
            lo, hi = (1, 5) if f.name == "satisfaction" else (-(2**63), 2**63 - 1)
            return n.normalize_int_range(raw, lo, hi, shown_field(f))
        if f.name in ("name", "contact_name"):
            return n.normalize_name(str(raw))
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return " ".join(str(raw).split()) if "\n" not in str(raw) else str(raw).strip()
    except InvalidValue as e:
        msg = str(e)
        if f.name not in msg:
            msg = _("{table}.{field}: {message}").format(table=shown_table(f.table), field=shown_field(f), message=msg)
        raise InvalidValue(msg) from None


def _number(raw: Any) -> float:
    """A plain number; '80%' is 0.8 (rates are stored as fractions)."""
    if isinstance(raw, bool):
        raise InvalidValue(_("invalid number '{value}'").format(value=raw))
    if isinstance(raw, int | float):
        return float(raw)
    text = n.fold_width(str(raw)).strip().replace(",", "")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    try:
        value = float(text) * scale
    except ValueError:
        raise InvalidValue(_("invalid number '{value}': expected e.g. 0.8, 80% or 3.5").format(value=raw)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidValue(_("invalid number '{value}'").format(value=raw))
    return round(value, 10)
