"""What a `crm doctor` check reports: one Finding per kind of problem (crmcli.doctor).

A finding's message, fix and example reasons are `Msg`s: each is the English text (a `str`, so logs,
scripts and `in` tests read it as before) that also keeps a stable machine `code`, its msgid and its
values, and is put into the reader's language only when shown (`shown()`, `Finding.as_dict()`): the
checks run before anyone knows who reads the result, and a table name or a field inside a message is
shown as its Chinese name under zh, not as `customers.customer_type`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmcli.i18n import N_, _, get_lang, pgettext, zh_text

EXAMPLES = 5

# What each check is called on a terminal (JSON keeps the `check` key).
CHECK_TITLES = {
    "integrity": N_("damage"), "constraints": N_("schema rules"), "schema": N_("schema"),
    "orphans": N_("orphans"), "labels": N_("fixed labels"), "formats": N_("formats"),
    "masked": N_("masked values"), "invalid": N_("invalid values"), "ids": N_("record ids"),
    "duplicate_ids": N_("duplicate ids"), "unreachable": N_("no contact"),
}


class Msg(str):
    """English text that keeps its stable CODE, its MSGID and its values for showing in another language.

    Values may be Msgs themselves, `TableName`s / `FieldName`s (shown as the module's or field's Chinese
    name under zh) or `Word`s (a translated word); anything else is shown as it is."""

    code: str
    msgid: str
    params: dict[str, Any]

    def __new__(cls, code: str, msgid: str, **params: Any) -> Msg:
        self = super().__new__(cls, msgid.format(**{k: english(v) for k, v in params.items()}))
        self.code, self.msgid, self.params = code, msgid, params
        return self

    def shown(self) -> str:
        if get_lang() == "en":
            return str.__str__(self)
        return _(self.msgid).format(**{k: shown(v) for k, v in self.params.items()})


class TableName(str):
    """A table's name (English: `customers`), shown under zh as the template's name of the module."""

    def shown(self) -> str:
        from crmcli import fields

        t = fields.TABLES.get(str.__str__(self))
        return str.__str__(self) if t is None or get_lang() == "en" else t.label_zh(get_lang())


class FieldName(str):
    """`table.field` (English), shown under zh as the field's Chinese label (客户类型)."""

    def __new__(cls, table: str, name: str) -> FieldName:
        self = super().__new__(cls, f"{table}.{name}")
        self.table, self.name = table, name
        return self

    def shown(self) -> str:
        from crmcli import fields

        lang = get_lang()
        t = fields.TABLES.get(self.table)
        f = t.by_name.get(self.name) if t else None
        if f is None or lang == "en":
            return str.__str__(self)
        return f"{t.label_zh(lang)}·{f.label(lang)}" if t and t.name != "customers" else f.label(lang)


class Word(str):
    """A word marked with N_() (in CONTEXT when given), translated when shown."""

    def __new__(cls, word: str, context: str | None = None) -> Word:
        self = super().__new__(cls, word)
        self.context = context
        return self

    def shown(self) -> str:
        word = str.__str__(self)
        return pgettext(self.context, word) if self.context else _(word)


class LabelName(str):
    """A fixed label's stored value (English: `returning`), shown under zh as its label (老客户)."""

    def __new__(cls, label: Any) -> LabelName:
        self = super().__new__(cls, label.value)
        self.zh = label.zh
        return self

    def shown(self) -> str:
        return str.__str__(self) if get_lang() == "en" else zh_text(self.zh)


class Stored(str):
    """OLD->NEW: a value and the stored value it becomes; the stored value (an English key) in backquotes
    under zh, where it is code, not words."""

    def __new__(cls, old: str, new: str) -> Stored:
        self = super().__new__(cls, f"{old}->{new}")
        self.pair = (old, new)
        return self

    def shown(self) -> str:
        return str.__str__(self) if get_lang() == "en" else "{}→`{}`".format(*self.pair)


class Joined(str):
    """Values joined by SEP in English and by ZH_SEP under zh, each shown in the reader's language."""

    def __new__(cls, items: list[Any], sep: str = ", ", zh_sep: str = "、") -> Joined:
        self = super().__new__(cls, sep.join(english(i) for i in items))
        self.items, self.seps = items, (sep, zh_sep)
        return self

    def shown(self) -> str:
        return self.seps[get_lang() != "en"].join(shown(i) for i in self.items)


def english(value: Any) -> str:
    return str.__str__(value) if isinstance(value, str) else str(value)


def shown(value: Any) -> str:
    """VALUE in the reader's language: a Msg, name or word translated, anything else as it is."""
    method = getattr(value, "shown", None)
    return method() if callable(method) else str(value)


def code_of(value: Any) -> str | None:
    return value.code if isinstance(value, Msg) else None


@dataclass
class Finding:
    check: str
    table: str | None
    count: int
    message: str  # a Msg: English, with its code; shown() in the reader's language
    fix: str | None  # what --fix does about it (a Msg); None: needs a person
    examples: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        """Stable machine code of the problem (`labels.outside_list`): scripts match on this, not the text."""
        return code_of(self.message) or self.check

    def title(self) -> str:
        return _(CHECK_TITLES[self.check]) if self.check in CHECK_TITLES else self.check

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: the keys of DESIGN.md plus `code` / `fix_code`; texts in the reader's language."""
        return {"check": self.check, "table": self.table, "count": self.count, "message": shown(self.message),
                "fix": None if self.fix is None else shown(self.fix), "examples": [shown(e) for e in self.examples],
                "code": self.code, "fix_code": code_of(self.fix)}
