"""The filter language of DESIGN.md, compiled to parameterised SQL.

One filter is one shell argument; several are ANDed ("stacked"):

    field OP value          OP: = != > >= < <= ~ (contains) !~ ; `field=` means empty
    module.field OP value   a related module (orders, followups, tickets, needs, contacts,
                            customers); all conditions on one module must hold for ONE row
    module.AGG(field) OP v  AGG: sum count avg max min; `module.count` alone counts rows.
                            The module's row conditions narrow the aggregate too:
                            `orders.status=completed orders.sum(amount)>=500000`
    !module.field OP value  no row of the module satisfies it (`!followups.date>=-90d`)
    tag=X, +X, !tag=X, tag~X
    field=a|b|c             any of (IN list); works with labels: `status=意向|合作中`

Fields and modules are named in English or with the template's Chinese labels;
label values in any language or alias. Dates: YYYY-MM-DD (any form normalize
accepts), today, -90d, -3m, -1y, +7d, this-month, last-month, this-year.

Nothing typed reaches SQL text: identifiers come from the registry, values are
bound parameters, and `~` uses instr() so % and _ are literal characters.

Module conditions compile to `customer_id IN (SELECT customer_id FROM module
WHERE ...)`: SQLite runs the subquery once over the child table's covering index
instead of probing it once per customer, which is what keeps the template's
example queries fast on a million customers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from crmcli import fields
from crmcli.errors import InvalidValue

OPS = ("!~", ">=", "<=", "!=", "=", ">", "<", "~")
AGGS = ("sum", "count", "avg", "max", "min")
_AGG_RE = re.compile(r"^(sum|count|avg|max|min)\s*\(\s*([^)]*)\s*\)$", re.IGNORECASE)
_REL_RE = re.compile(r"^([+-])(\d+)\s*([dwmy])$", re.IGNORECASE)


@dataclass
class Term:
    raw: str
    module: str | None  # None: the main table
    field: fields.Field | None  # None for count / tag
    op: str
    value: str
    negate: bool = False
    agg: str | None = None
    tag: bool = False


@dataclass
class Compiled:
    where: str = "1"
    params: list[Any] = field(default_factory=list)


def relative_date(text: str, today: date | None = None) -> str | None:
    """'-90d' / '-3m' / 'today' / 'this-month' ... as YYYY-MM-DD; None when not relative."""
    today = today or date.today()
    low = text.strip().lower()
    if low in ("today", "今天"):
        return today.isoformat()
    if low in ("yesterday", "昨天"):
        return (today - timedelta(days=1)).isoformat()
    if low in ("this-month", "本月"):
        return today.replace(day=1).isoformat()
    if low in ("last-month", "上月"):
        return (today.replace(day=1) - relativedelta(months=1)).isoformat()
    if low in ("this-year", "今年"):
        return today.replace(month=1, day=1).isoformat()
    m = _REL_RE.match(low)
    if not m:
        return None
    n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
    unit = m.group(3)
    delta = {"d": relativedelta(days=n), "w": relativedelta(weeks=n), "m": relativedelta(months=n),
             "y": relativedelta(years=n)}[unit]
    return (today + delta).isoformat()


def parse(arg: str, table: str) -> Term:
    """One filter argument -> Term, or InvalidValue saying which argument and why."""
    raw = arg
    text = arg.strip()
    negate = False
    if text.startswith("+") and not any(op in text for op in OPS):
        return Term(raw, "tags", None, "=", text[1:].strip(), tag=True)
    if text.startswith("!") and not text.startswith(("!=", "!~")):
        negate, text = True, text[1:].strip()
    pos = min((text.find(op) for op in OPS if op in text), default=-1)
    if pos <= 0:
        raise InvalidValue(f"filter '{raw}' needs field OP value, e.g. industry~制造 or orders.amount>=50000")
    op = next(o for o in OPS if text.startswith(o, pos))
    lhs, value = text[:pos].strip(), text[pos + len(op):].strip()
    module = None
    if "." in lhs:
        head, rest = lhs.split(".", 1)
        module = fields.table(head).name
        lhs = rest.strip()
    if fields.fold(lhs) in ("tag", "tags", "标签"):
        if module not in (None, "tags"):
            raise InvalidValue(f"filter '{raw}': tags belong to customers, not {module}")
        if op not in ("=", "!=", "~", "!~"):
            raise InvalidValue(f"filter '{raw}': tags take =, !=, ~ or !~")
        if op in ("!=", "!~"):
            negate, op = not negate, op[1:] if op == "!~" else "="
        return Term(raw, "tags", None, op, value, negate=negate, tag=True)
    m = _AGG_RE.match(lhs)
    if m or fields.fold(lhs) == "count":
        if module is None or module == fields.table(table).name:
            raise InvalidValue(f"filter '{raw}': aggregates apply to a related module, e.g. orders.sum(amount)>=50000")
        agg = (m.group(1).lower() if m else "count")
        target = fields.get_field(module, m.group(2)) if m and m.group(2).strip() not in ("", "*") else None
        if agg != "count" and target is None:
            raise InvalidValue(f"filter '{raw}': {agg}() needs a field, e.g. {module}.{agg}(amount)")
        return Term(raw, module, target, op, value, negate=negate, agg=agg)
    tbl = module or fields.table(table).name
    f = fields.get_field(tbl, lhs)
    if module == fields.table(table).name:
        module = None
    if negate and module is None:
        raise InvalidValue(f"filter '{raw}': a leading ! negates a module condition; use != or !~ on a field")
    return Term(raw, module, f, op, value, negate=negate)


def _coerce(term: Term, text: str, today: date | None) -> Any:
    from crmcli.values import coerce

    f = term.field
    if term.agg == "count" or (f is None):
        if term.agg == "count":
            try:
                return int(text)
            except ValueError:
                raise InvalidValue(f"filter '{term.raw}': count compares with a whole number") from None
        return text
    if f.type in ("date", "datetime"):
        rel = relative_date(text, today)
        if rel is not None:
            return rel
    if term.op in ("~", "!~") and not f.labels:
        return text
    if f.type == "phone" and term.op in ("=", "!="):
        from crmcli.normalize import normalize_phone

        return normalize_phone(text, allow_masked=True)
    try:
        value = coerce(f, text)
    except InvalidValue as e:
        raise InvalidValue(f"filter '{term.raw}': {e}") from None
    if f.type == "datetime" and isinstance(value, str):
        value = value[:10] if len(value) > 10 and value.endswith("00:00:00") else value
    return value


def _next_day(d: str) -> str:
    return (date.fromisoformat(d[:10]) + timedelta(days=1)).isoformat()


def _compare(col: str, term: Term, today: date | None, params: list[Any]) -> str:
    op, text = term.op, term.value
    if text == "" and op in ("=", "!="):
        return f"({col} IS NULL OR {col} = '')" if op == "=" else f"({col} IS NOT NULL AND {col} != '')"
    if op in ("~", "!~"):
        if term.field is not None and term.field.labels:
            value = _coerce(term, text, today)
            params.append(value)
            return f"{col} {'=' if op == '~' else 'IS NOT'} ?"
        params.append(text)
        expr = f"instr(lower({col}), lower(?)) > 0"
        return expr if op == "~" else f"({col} IS NULL OR NOT {expr})"
    values = [_coerce(term, part.strip(), today) for part in text.split("|")] if "|" in text and op in ("=", "!=") \
        else [_coerce(term, text, today)]
    is_date = term.field is not None and term.field.type in ("date", "datetime") and term.agg not in ("count",)
    if len(values) > 1:
        params.extend(values)
        marks = ", ".join("?" * len(values))
        return f"{col} {'IN' if op == '=' else 'NOT IN'} ({marks})" if op == "=" else f"({col} IS NULL OR {col} NOT IN ({marks}))"
    value = values[0]
    if is_date and isinstance(value, str) and len(value) == 10 and (term.field.type == "datetime" or term.agg):
        # A day against date-times: = means that whole day, <= includes it.
        if op == "=":
            params.extend([value, _next_day(value)])
            return f"({col} >= ? AND {col} < ?)"
        if op == "<=":
            params.append(_next_day(value))
            return f"{col} < ?"
        if op == ">":
            params.append(_next_day(value))
            return f"{col} >= ?"
    params.append(value)
    if op == "!=":
        return f"({col} IS NULL OR {col} != ?)"
    return f"{col} {op} ?"


def _zero_matches(term: Term) -> bool:
    """Does a customer with no rows (count 0, sum 0) satisfy the aggregate comparison?"""
    if term.agg not in ("count", "sum"):
        return False
    try:
        v = float(term.value)
    except ValueError:
        return False
    return {"=": 0 == v, "!=": 0 != v, ">": 0 > v, ">=": 0 >= v, "<": 0 < v, "<=": 0 <= v}.get(term.op, False)


def compile_filters(table: str, args: Sequence[str], *, today: date | None = None) -> Compiled:
    """ARGS (filter strings) -> a WHERE expression over TABLE (referenced by its name) plus parameters."""
    main = fields.table(table)
    terms = [parse(a, main.name) for a in args if a.strip()]
    parts: list[str] = []
    params: list[Any] = []
    link = f"{main.name}.customer_id"
    # Group positive row conditions per module: one related row must satisfy them all.
    grouped: dict[str, list[Term]] = {}
    for t in terms:
        if t.module is None:
            parts.append(_compare(f"{main.name}.{t.field.name}", t, today, params))  # type: ignore[union-attr]
        elif not t.tag and not t.agg and not t.negate:
            grouped.setdefault(t.module, []).append(t)
    for module, group in grouped.items():
        conds = []
        for t in group:
            conds.append(_compare(f"r.{t.field.name}", t, today, params))  # type: ignore[union-attr]
        parts.append(f"{link} IN (SELECT r.customer_id FROM {module} r WHERE {' AND '.join(conds)})")
    for t in terms:
        if t.tag:
            col_cond = "r.tag = ?" if t.op == "=" else "instr(lower(r.tag), lower(?)) > 0"
            params.append(t.value)
            parts.append(f"{link} {'NOT IN' if t.negate else 'IN'} (SELECT r.customer_id FROM tags r WHERE {col_cond})")
        elif t.negate and not t.agg and t.module:
            cond = _compare(f"r.{t.field.name}", t, today, params)  # type: ignore[union-attr]
            parts.append(f"{link} NOT IN (SELECT r.customer_id FROM {t.module} r WHERE {cond})")
        elif t.agg and t.module:
            row_params: list[Any] = []
            row_conds = [_compare(f"r.{g.field.name}", g, today, row_params) for g in grouped.get(t.module, [])]  # type: ignore[union-attr]
            where = f"WHERE {' AND '.join(row_conds)} " if row_conds else ""
            expr = "count(*)" if t.agg == "count" else f"{t.agg}(r.{t.field.name})"  # type: ignore[union-attr]
            having_params: list[Any] = []
            having = _compare(expr, Term(t.raw, t.module, t.field, t.op, t.value, agg=t.agg), today, having_params)
            sub = f"SELECT r.customer_id FROM {t.module} r {where}GROUP BY r.customer_id HAVING "
            zero = _zero_matches(t)
            if zero:  # customers with no rows qualify: exclude those whose aggregate fails instead
                sql = f"{link} NOT IN ({sub}NOT ({having}))"
            else:
                sql = f"{link} IN ({sub}{having})"
            if t.negate:
                sql = f"NOT ({sql})"
            parts.append(sql)
            params.extend(row_params + having_params)
    return Compiled(" AND ".join(f"({p})" for p in parts) if parts else "1", params)


def _order_by(main: fields.Table, sort: str | None) -> str:
    if not sort:
        return f"{main.name}.{main.key}"
    out = []
    for item in sort.split(","):
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        f = fields.get_field(main, item.lstrip("+-"))
        out.append(f"{main.name}.{f.name}{' DESC' if desc else ''}")
    return ", ".join(out) or f"{main.name}.{main.key}"


def resolve_columns(table: str, columns: str | Sequence[str] | None) -> list[str]:
    main = fields.table(table)
    if not columns:
        return main.columns
    items = columns.split(",") if isinstance(columns, str) else list(columns)
    return [fields.get_field(main, c.strip()).name for c in items if c.strip()]


def select(conn: sqlite3.Connection, table: str, args: Sequence[str], *, columns: str | Sequence[str] | None = None,
           sort: str | None = None, limit: int | None = None, today: date | None = None) -> tuple[list[str], sqlite3.Cursor]:
    """Run a filtered query; returns (column names, cursor of rows)."""
    main = fields.table(table)
    cols = resolve_columns(main.name, columns)
    compiled = compile_filters(main.name, args, today=today)
    sql = f"SELECT {', '.join(f'{main.name}.{c}' for c in cols)} FROM {main.name} WHERE {compiled.where} " \
          f"ORDER BY {_order_by(main, sort)}"
    params = list(compiled.params)
    if limit is not None:
        if limit < 0:
            raise InvalidValue("--limit must be 0 or more")
        sql += " LIMIT ?"
        params.append(limit)
    return cols, conn.execute(sql, params)


def count(conn: sqlite3.Connection, table: str, args: Sequence[str], *, today: date | None = None) -> int:
    main = fields.table(table)
    compiled = compile_filters(main.name, args, today=today)
    return int(conn.execute(f"SELECT count(*) FROM {main.name} WHERE {compiled.where}", compiled.params).fetchone()[0])
