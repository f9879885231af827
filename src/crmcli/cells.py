"""Spreadsheet cell safety: formula neutralisation on export, its exact undo on import.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some
programs, tab or carriage return) as a formula: OWASP's "CSV injection". Export
prefixes such text cells with a single quote, which Excel and LibreOffice show as
text; import strips that quote again, so a round trip gives back the exact text.

The rule, shared by exporter and importer:
    neutralise: text matching  '*[=+\\-@\\t\\r]  (any leading quotes, then a trigger)  gets one more leading '
    restore:    text matching  '+[=+\\-@\\t\\r]  loses its first '
Quotes already leading a trigger are counted in, so text that itself begins with
`'=` survives the round trip too (neutralise -> `''=`, restore -> `'=`). restore()
is the exact inverse of neutralise() on every string.

Only text is touched: a number such as -500 in a money column is a number, not a
formula, and is written as a number.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_SET = frozenset(TRIGGERS)


def needs_quote(text: str) -> bool:
    """Would a spreadsheet (or a later restore) misread TEXT without a leading quote?"""
    rest = text.lstrip("'")
    return bool(rest) and rest[0] in _TRIGGER_SET


def neutralise(value: object) -> object:
    """TEXT with a leading ' when it could run as a formula; other values unchanged."""
    if isinstance(value, str) and value and (value[0] in _TRIGGER_SET or (value[0] == "'" and needs_quote(value))):
        return "'" + value
    return value


def restore(value: object) -> object:
    """Undo neutralise(): the importer calls this on every text cell it reads."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and needs_quote(value[1:]):
        return value[1:]
    return value


_CODES = ", ".join(str(ord(c)) for c in TRIGGERS)


def sql_neutralise(expr: str) -> str:
    """The same rule as neutralise() as an SQL expression over EXPR (text values only).

    Runs inside SQLite, so a million-row CSV export pays no Python call per cell.
    unicode() reads the first character without copying the text; ltrim() runs
    only for the rare text that starts with a quote; typeof() keeps numbers such
    as -500 out. EXPR is a column reference built by the caller, never user text.
    """
    # Every trigger (and the quote) sorts below 'A': most cells (letters, Chinese, ids)
    # leave after one byte comparison, without a function call.
    return (f"CASE WHEN {expr} < 'A' AND (unicode({expr}) IN ({_CODES}) OR (unicode({expr}) = 39 AND "
            f"unicode(ltrim({expr}, char(39))) IN ({_CODES}))) AND typeof({expr}) = 'text' "
            f"THEN char(39) || {expr} ELSE {expr} END")
