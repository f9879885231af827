"""The template's rules for a customer record, in one place.

Every write path calls this module — `crm add`, `crm update`, bulk update, import
(new rows and `--on-conflict update` rows) and merge — so a record one path
refuses, every path refuses, with the same words:

    name      a customer needs a name (客户全称)                       all seeds
    contact   a customer needs a phone or an email (联系方式)           000 003
    intent    潜在 → 意向 only with a clear need and a confirmed budget   001

The rules hold for the record as the write leaves it: a write that leaves a
customer without a name or without any contact is refused, whatever it set. The
intent rule is about a move, so it applies when a write makes a potential (or a
new) customer `intent`; a merge builds a new combined record and is checked as
one. A contact value kept aside as invalid by `crm import --keep-invalid`
(crmcli.invalid) counts as a contact: it is recorded, only flagged for the
quarterly clean-up of seed 003.

The fourth rule, fixed labels and stored forms (dates, phones, e-mails, money),
is `values.coerce`: every value any path stores goes through it, and
`check_stored` runs it over a record a merge assembles from stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crmcli.errors import InvalidValue
from crmcli.i18n import N_, _

# English msgids; problems() translates them.
NEEDS_NAME = N_("a customer needs a name (客户全称)")
NEEDS_CONTACT = N_("a customer needs a phone or an email (联系方式)")
NEEDS_INTENT = N_("status intent (意向) needs a clear need and a confirmed budget: set needs= and budget= too")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Rule:
    key: str
    fields: tuple[str, ...]  # the record's fields the rule reads
    message: str
    # called with the values of `fields`, then the stored status (None for a new record)
    broken: Callable[..., bool]


RULES: tuple[Rule, ...] = (
    Rule("name", ("name",), NEEDS_NAME, lambda name, was: not _present(name)),
    Rule("contact", ("phone", "email"), NEEDS_CONTACT,
         lambda phone, email, was: not (_present(phone) or _present(email))),
    Rule("intent", ("status", "needs", "budget"), NEEDS_INTENT,
         lambda status, needs, budget, was: status == "intent" and was in (None, "potential")
         and not (_present(needs) and _present(budget))),
)
FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for r in RULES for f in r.fields))


def problems(record: Mapping[str, Any], old: Mapping[str, Any] | None = None, *,
             kept: Collection[str] = ()) -> list[str]:
    """The messages of every rule RECORD breaks (in rule order).

    RECORD is the customer as the write leaves it (stored values merged with the
    new ones); OLD the stored record before the write, None for a new one. KEPT
    names fields that hold a value kept aside as invalid: present, for the rules.
    """
    was = None if old is None else old.get("status")
    out = []
    for rule in RULES:
        values = [True if f in kept else record.get(f) for f in rule.fields]
        if rule.broken(*values, was):
            out.append(_(rule.message))
    return out


def check(record: Mapping[str, Any], old: Mapping[str, Any] | None = None, *, kept: Collection[str] = ()) -> None:
    """Raise InvalidValue with the first broken rule's message; see problems()."""
    found = problems(record, old, kept=kept)
    if found:
        raise InvalidValue(found[0])


_BY_VALUE = {"status"}  # fields a rule reads by value; of the others only whether they hold something matters


def column_problems(columns: Mapping[str, Sequence[Any]], n: int, *,
                    kept: Mapping[str, Collection[int]] | None = None) -> dict[int, list[str]]:
    """problems() of N new records given column-wise (the importer's batches): {row index: messages}.

    A column missing from COLUMNS is empty; KEPT maps a field to the rows whose value was kept aside.
    Each row is reduced to what the rules read (status, and whether each other field holds
    something), and the rules run once per distinct reduction: a batch has a handful."""
    kept = kept or {}
    none: list[Any] = [None] * n
    reduced = []
    for f in FIELDS:
        col = columns.get(f, none)
        if f not in _BY_VALUE:
            col = [True if v is not None and v != "" and not (isinstance(v, str) and v.isspace()) else None for v in col]
        if kept.get(f):
            col = list(col)
            for i in kept[f]:
                col[i] = True
        reduced.append(col)
    memo: dict[tuple[Any, ...], list[str]] = {}
    out: dict[int, list[str]] = {}
    for i, key in enumerate(zip(*reduced, strict=True)):
        found = memo.get(key)
        if found is None:
            found = memo[key] = problems(dict(zip(FIELDS, key, strict=True)))
        if found:
            out[i] = found
    return out


def check_stored(record: Mapping[str, Any], table: str = "customers") -> None:
    """Every stored value of RECORD in the form values.coerce gives it (labels, dates, phones …):
    a record assembled from stored rows (a merge) may carry values an older crmcli or another tool
    wrote. Raises coerce's message for the first value that is not."""
    from crmcli import fields
    from crmcli.values import coerce

    t = fields.TABLES[table]
    for name, value in record.items():
        f = t.by_name.get(name)
        if f is None or f.system or value is None:
            continue
        coerce(f, value)
