"""Convert imported cells with exactly the rules of `crm add` (values.coerce), fast.

A batch of rows is converted column by column. Most cells in a real file are
already in stored form (a mobile number, an ISO date, a canonical label), so each
column first gets a cheap check that proves this for the whole column at once (one
regular-expression pass over the joined cells, or the column's few distinct
values converted once); only cells that fail the check go through
`values.coerce`. The fast checks accept nothing that coerce would store
differently, so the result is the same as converting every cell with coerce.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from crmcli import fields
from crmcli.cells import restore
from crmcli.errors import InvalidValue
from crmcli.i18n import _
from crmcli.importer.sources import MAX_CELL, looks_like_formula
from crmcli.normalize import MASKED_TYPES, fold_width, is_masked, mask_value
from crmcli.values import coerce

SEP = "\x00"
_MOBILE = r"1[3-9]\d{9}"
_EMAIL = r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
_MONEY = r"\d{1,15}(?:\.\d{1,2})?"
_DATETIME = r"\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"


def _column_re(cell: str) -> re.Pattern[str]:
    """Matches a whole joined column whose every cell is empty or matches CELL."""
    return re.compile(f"(?:{cell})?(?:{SEP}(?:{cell})?)*")


_LANDLINE = r"0\d{2,3}-[2-9]\d{6,7}"
_COLUMN_RE = {"phone": _column_re(f"{_MOBILE}|{_LANDLINE}"), "email": _column_re(_EMAIL), "money": _column_re(_MONEY),
              "datetime": _column_re(_DATETIME)}
_LANDLINES = re.compile(r"(0\d{2,3})-([2-9]\d)(\d{5,6})")
_DAYS = re.compile(r"(\d{4}-\d{2}-\d{2}) ")
_MOBILE_CELL = re.compile(_MOBILE)
_LANDLINE_CELL = re.compile(r"(0\d{2,3})-([2-9]\d)(\d{5,6})")
_DATETIME_CELL = re.compile(_DATETIME)
# Characters that make coerce change a text: whitespace other than a plain space,
# control and zero-width characters.
_ODD_CHARS = re.compile("[\\x01-\\x1f\\x7f-\\xa0\\u1680\\u2000-\\u200d\\u2028\\u2029\\u202f\\u205f\\u2060\\u3000\\ufeff]")


def _clean_text(s: str) -> bool:
    """True when coerce leaves every cell of S (cells joined by SEP) as it is: no outer or doubled
    spaces, no odd whitespace or control characters, no leading '=' (a formula)."""
    return not ("  " in s or f"{SEP} " in s or f" {SEP}" in s or f"{SEP}=" in s or s[:1] in (" ", "=")
                or s[-1:] == " " or _ODD_CHARS.search(s))


class Masked(str):
    """A cell masked the way crm masks it (138****5678, s***@x.com): never data.

    It travels through the batch in place of a value so the loader can tell it from an
    empty cell: an existing row keeps its stored value, a new row gets no value.
    """

    __slots__ = ()

    def matches(self, kind: str, stored: Any) -> bool:
        """Whether STORED, masked the same way, reads as this cell."""
        return stored is not None and mask_value(kind, stored) == self


def masked_cell(raw: str) -> Masked:
    return Masked("".join(fold_width(raw).split()))


_MEMO_KINDS = ("label", "date", "bool", "int")
_MEMO_LIMIT = 100_000


class ColumnConverter:
    """Converts one column of a batch: (values, {row index: error}) plus a masked-phone count."""

    def __init__(self, f: fields.Field) -> None:
        self.f = f
        self.kind = "label" if f.labels else f.type
        self.memo: dict[Any, Any] = {}
        self.bad: dict[Any, str] = {}
        self.masked = 0
        self._landline_ok: dict[tuple[str, str, int], bool] = {}
        self._days_ok: set[str] = set()  # days _day_valid found valid: a column's known days are not looked at again

    def cell(self, raw: Any) -> Any:
        """One cell, the slow exact way."""
        if isinstance(raw, str):
            if len(raw) > MAX_CELL:
                raise InvalidValue(_("{field}: a cell longer than {limit} characters ({n}); that is a document, not a CRM "
                                     "value").format(field=fields.shown_field(self.f), limit=f"{MAX_CELL:,}", n=f"{len(raw):,}"))
            if looks_like_formula(raw.strip()):
                raise InvalidValue(_("{field}: a formula ({formula}) instead of a value; export values, not formulas").format(
                    field=fields.shown_field(self.f), formula=raw.strip()[:40]))
            if self.kind in MASKED_TYPES and is_masked(raw):
                self.masked += 1
                return masked_cell(raw)  # never stored, never overwrites a real value (load.Loader)
            # `crm export` quoted text a spreadsheet would run ('=..., '-...): give back the original.
            raw = restore(raw)
        value = coerce(self.f, raw)
        if self.kind in ("date", "datetime") and value is not None and value[:1] not in ("1", "2"):
            raise InvalidValue(_("{field}: year {year} is out of range (1000-2999)").format(
                field=fields.shown_field(self.f), year=value[:4]))
        return value

    def convert(self, col: Sequence[Any]) -> tuple[list[Any], dict[int, str]]:
        if self.kind in _MEMO_KINDS:
            return self._by_distinct(col)
        try:
            joined = SEP.join(col)  # TypeError: not all cells are text (a workbook)
        except TypeError:
            typed = _datetimes(col) if self.kind == "datetime" else None
            return (typed, {}) if typed is not None else self._by_cell(col)
        if len(joined) > MAX_CELL and max(map(len, col)) > MAX_CELL:
            return self._by_cell(col, quick_path=False)
        fast = self._column_fast(joined)
        if fast is not None:
            return fast(col), {}
        return self._by_cell(col)

    def _column_fast(self, joined: str) -> Callable[[Sequence[str]], list[Any]] | None:
        k = self.kind
        if k == "phone":
            if _COLUMN_RE["phone"].fullmatch(joined) and all(self._landline_valid(a, b, n) for a, b, n in
                                                           {(a, b, 2 + len(c)) for a, b, c in _LANDLINES.findall(joined)}):
                return _or_none
            return None
        if joined[:1] == "'" or f"{SEP}'" in joined:
            return None  # a cell may carry export's formula quote (crmcli.cells): the exact path restores it
        if k == "email":
            return _or_none if _COLUMN_RE["email"].fullmatch(joined) else None
        if k == "money":
            return _to_float if _COLUMN_RE["money"].fullmatch(joined) else None
        if k == "datetime":
            if _COLUMN_RE["datetime"].fullmatch(joined) and all(
                    map(self._day_valid, set(_DAYS.findall(joined)).difference(self._days_ok))):
                return _or_none
            return None
        if k in ("text", "id"):
            return _or_none if _clean_text(joined) else None
        return None

    def _by_distinct(self, col: Sequence[Any]) -> tuple[list[Any], dict[int, str]]:
        memo, bad = self.memo, self.bad
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
            bad.clear()
        new = set(col).difference(memo)  # values not seen in earlier batches (set operations run in C)
        if bad:
            new.difference_update(bad)
        for v in new:
            try:
                memo[v] = self.cell(v)
            except InvalidValue as e:
                bad[v] = str(e)
        out = list(map(memo.get, col))
        errors = {i: bad[v] for i, v in enumerate(col) if v in bad} if bad and not bad.keys().isdisjoint(col) else {}
        return out, errors

    def _by_cell(self, col: Sequence[Any], quick_path: bool = True) -> tuple[list[Any], dict[int, str]]:
        out: list[Any] = []
        errors: dict[int, str] = {}
        quick = self._quick() if quick_path else None
        for i, v in enumerate(col):
            if v is None or v == "":
                out.append(None)
                continue
            if quick is not None and type(v) is str and len(v) <= MAX_CELL:
                q = quick(v)
                if q is not None:
                    out.append(q)
                    continue
            try:
                out.append(self.cell(v))
            except InvalidValue as e:
                out.append(None)
                errors[i] = str(e)
        return out, errors

    def _quick(self) -> Callable[[str], Any] | None:
        """A per-cell shortcut for values already in stored form (None: take the slow path)."""
        if self.kind == "phone":
            return self._quick_phone
        if self.kind == "datetime":
            return self._quick_datetime
        if self.kind == "email":
            cell = re.compile(_EMAIL)
            return lambda v: v if v[:1] != "'" and cell.fullmatch(v) else None
        if self.kind in ("text", "id"):  # a leading ' may be export's formula quote: the exact path restores it
            return lambda v: v if v[:1] != "'" and _clean_text(v) else None
        return None

    def _landline_valid(self, area: str, first: str, length: int) -> bool:
        # Whether a canonical-looking landline is valid depends on its area code, first
        # digits and length: learn each combination once from coerce.
        key = (area, first, length)
        ok = self._landline_ok.get(key)
        if ok is None:
            sample = f"{area}-{first}{'2' * (length - 2)}" if length > 2 else ""
            try:
                ok = coerce(self.f, sample) == sample
            except InvalidValue:
                ok = False
            self._landline_ok[key] = ok
        return ok

    def _day_valid(self, day: str) -> bool:
        ok = self.memo.get(day)
        if ok is None:
            try:
                ok = coerce(self.f, day) == day
            except InvalidValue:
                ok = False
            self.memo[day] = ok
            if ok and len(self._days_ok) < _MEMO_LIMIT:
                self._days_ok.add(day)
        return bool(ok)

    def _quick_phone(self, v: str) -> str | None:
        if _MOBILE_CELL.fullmatch(v):
            return v
        m = _LANDLINE_CELL.fullmatch(v)
        if m is None:
            return None
        return v if self._landline_valid(m.group(1), m.group(2), len(m.group(2)) + len(m.group(3))) else None

    def _quick_datetime(self, v: str) -> str | None:
        if not _DATETIME_CELL.fullmatch(v):
            return None
        return v if self._day_valid(v[:10]) else None


_EMPTY = {"": None}


def _or_none(col: Sequence[str]) -> list[Any]:
    """"" -> None, anything else itself; a column without empty cells (or only empty ones) is copied in C."""
    empty = col.count("")
    if not empty:
        return list(col)
    if empty == len(col):
        return [None] * empty
    return list(map(_EMPTY.get, col, col))


def _datetimes(col: Sequence[Any]) -> list[Any] | None:
    """A workbook's date-time column as coerce stores it, when every cell is empty or a naive date-time
    or date of the years 1000-2999 (calamine's date cells); else None (the exact path decides).
    Per cell ~0.5 µs where coerce takes ~4 µs: a ledger's two typed stamp columns cost 0.3 s per 100k."""
    out: list[Any] = []
    for v in col:
        t = type(v)
        if t is datetime:
            if v.tzinfo is not None or not 1000 <= v.year <= 2999:
                return None
            timed = v.hour or v.minute or v.second or v.microsecond
            out.append(v.isoformat(" ", "seconds") if timed else v.date().isoformat())
        elif t is date:
            if not 1000 <= v.year <= 2999:
                return None
            out.append(v.isoformat())
        elif v is None or v == "":
            out.append(None)
        else:
            return None
    return out


def _to_float(col: Sequence[str]) -> list[Any]:
    return [float(v) if v else None for v in col]


def not_null_defaults(conn: Any, table: str) -> dict[str, Any]:
    """Literal defaults of NOT NULL columns (status 'potential', done 0 …) from the schema."""
    out: dict[str, Any] = {}
    for row in conn.execute(f"PRAGMA table_info({table})"):
        name, notnull, default = row[1], row[3], row[4]
        if not notnull or default is None:
            continue
        d = str(default)
        if d.startswith("'") and d.endswith("'"):
            out[name] = d[1:-1]
        elif re.fullmatch(r"-?\d+", d):
            out[name] = int(d)
    return out
