"""The filter language of DESIGN.md, compiled to parameterised SQL.

One filter is one shell argument; several are ANDed ("stacked"):

    field OP value          OP: = != > >= < <= ~ (contains) !~ ; `field=` means empty
    module.field OP value   a related module (orders, followups, tickets, needs, contacts,
                            customers), named in English or Chinese (交易信息.金额>=50000).
                            All conditions on one module must hold for ONE row of it.
    !module.field OP value  no row of the module satisfies it (`!followups.date>=-90d`);
                            several `!` terms on one module: no ONE row satisfies them all
    module.AGG(field) OP v  AGG: sum count avg max min; `module.count` alone counts rows.
                            The module's row conditions narrow the aggregate instead of
                            asking for a row: `orders.status=completed orders.count=0`.
                            count/sum are 0 for a customer without rows, so `orders.count<2`
                            and `orders.sum(amount)<1000` include customers with no orders.
    tag=X, +X, !tag=X, tag~X, tag=      (the last: customers without any tag)
    invalid=phone|email     a value kept aside by `import --keep-invalid` (crmcli.invalid);
                            invalid= none kept aside, invalid!= some; contacts.invalid=phone
    field=a|b|c             any of (IN list); with labels too: `status=意向|合作中`
    label~text              any label whose name contains the text: `status~流失`

Fields and modules are named in English or with the template's Chinese labels; on a
child table, a customers field may be used without prefix (`crm query orders
customer_type=老客户`). Label values in any language or alias; an unknown field or
label is an error naming the filter and the nearest valid names.

Dates are periods: a day (YYYY-MM-DD or any form normalize accepts, `today`,
`yesterday`, `-90d`, `-3m`, `-1y`, `+7d`), a month (`2024-05`, `this-month`,
`last-month`), a year (`this-year`, `last-year`) or a week (`this-week`). `=` means
inside the period, `>=` from its start, `>` after its end, `<` before its start, `<=`
up to its end; so datetime columns compare with days as a person means them
(`followups.date=2024-05-20` is that whole day).

Nothing typed reaches SQL text: identifiers come from the registry, values are bound
parameters, `~` uses instr() (so % and _ are literal characters) and a masked phone
(`phone=138****5678`) becomes a GLOB pattern parameter whose only wildcard is `?`.

Module conditions compile to `customer_id IN (SELECT customer_id FROM module WHERE
...)` (and NOT IN for `!`): SQLite runs the subquery once, over the child table's
covering index on (date, customer_id, amount), and probes the result per customer,
instead of running a correlated EXISTS per customer; that is what keeps the
template's example queries fast on a million customers (benchmarks/bench_query.py).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from crmcli import fields
from crmcli import filter_plan as plan
from crmcli import invalid as invalid_values
from crmcli.dates import date_period
from crmcli.dates import relative_date as relative_date  # public here too: export, segments, reports
from crmcli.errors import InvalidValue
from crmcli.i18n import _
from crmcli.i18n.script import variants

OPS = ("!~", ">=", "<=", "!=", "=", ">", "<", "~")
_AGG_RE = re.compile(r"^(sum|count|avg|max|min)\s*\(\s*([^)]*?)\s*\)$", re.IGNORECASE)
_TAG_NAMES = ("tag", "tags", "标签", "客户标签")
_INVALID_NAMES = {fields.fold(n) for n in ("invalid", "invalid value", "invalid values", "无效", "无效值", "无效联系方式")}


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
    invalid: bool = False  # invalid=phone: a value kept aside by import --keep-invalid (crmcli.invalid)


@dataclass
class Compiled:
    where: str = "1"
    params: list[Any] = field(default_factory=list)


# ---------------------------------------------------------------------------- parsing

def _fail(raw: str, why: str) -> InvalidValue:
    return InvalidValue(_("filter '{filter}': {why}").format(filter=raw, why=why))


def _split_op(raw: str, text: str) -> tuple[str, str, str]:
    found = [(text.find(op), op) for op in OPS if op in text]
    if not found:
        hint = _(" (a shell treats unquoted < and > as redirection: quote the filter, 'orders.amount>=50000')") \
            if "." in text or fields.find_field("customers", text) else ""
        raise _fail(raw, _("needs field OP value with OP one of = != > >= < <= ~ !~, e.g. industry~制造 or "
                           "orders.amount>=50000{hint}").format(hint=hint))
    pos = min(p for p, _ in found)
    op = next(o for o in OPS if text.startswith(o, pos))
    lhs, value = text[:pos].strip(), text[pos + len(op):].strip()
    if not lhs:
        raise _fail(raw, _("nothing before '{op}'; write field{op}value, e.g. status{op}意向").format(op=op))
    return lhs, op, value


# ------------------------------------------------------------ a command line's first word

FILTER_MARKS = ("=", "<", ">", "~")  # a word holding one is a filter (OPS are made of these)


def looks_like_filter(arg: str) -> bool:
    """Does a command-line word read as a filter rather than a name (a module, a record id, a report)?
    A blank word counts as a filter: the commands refuse it as an empty one."""
    text = arg.strip()
    return not text or any(m in text for m in FILTER_MARKS) or text.startswith(("+", "!"))


def split_module(args: Sequence[str], default: str = "customers") -> tuple[str, list[str]]:
    """(module, filters) of `crm query|export|update [MODULE] [FILTER]...`: the first word names a
    module unless it reads as a filter. `orders.amount` is a filter whose operator the shell took
    (`orders.amount>=50000` unquoted is a redirection), and a field name alone is one too: the
    filter parser then explains the quoting. Anything else is one clear error."""
    words = list(args)
    if not words or looks_like_filter(words[0]) or "." in words[0]:
        return default, words
    try:
        return fields.table(words[0]).name, words[1:]  # a module name wins (needs is a module and a field)
    except InvalidValue as e:
        if fields.find_field(default, words[0]) is not None:
            return default, words
        raise InvalidValue(_("'{word}' is neither a filter (field=value, e.g. status=意向) nor a module: {error}").format(
            word=words[0], error=e)) from None


def parse(arg: str, table: str) -> Term:
    """One filter argument -> Term, or InvalidValue saying which argument and why."""
    try:
        return _parse(arg, fields.table(table).name)
    except InvalidValue as e:
        msg = str(e)
        done = msg.startswith(_("filter '{filter}': {why}").split("{", 1)[0])  # already names the filter
        raise (e if done else _fail(arg, msg)) from None


def _parse(raw: str, main: str) -> Term:
    text = raw.strip()
    negate = False
    if text.startswith("+") and not any(op in text for op in OPS):
        if not text[1:].strip():
            raise _fail(raw, _("+ needs a tag name, e.g. +重点维护"))
        return Term(raw, "tags", None, "=", text[1:].strip(), tag=True)
    if text.startswith("!") and not text.startswith(("!=", "!~")):
        negate, text = True, text[1:].strip()
    lhs, op, value = _split_op(raw, text)
    module: str | None = None
    head, dot, rest = lhs.partition(".")
    if dot:
        module, lhs = fields.table(head.strip()).name, rest.strip()
    if module == main:
        module = None
    if fields.fold(lhs) in _TAG_NAMES and main != "tags" and module in (None, "tags"):
        return _tag_term(raw, op, value, negate)
    if fields.fold(lhs) in _INVALID_NAMES:
        return _invalid_term(raw, module, main, op, value, negate)
    m = _AGG_RE.match(lhs)
    if m or (fields.fold(lhs) == "count" and module is not None):
        if module is None:
            raise _fail(raw, _("aggregates apply to a related module, e.g. orders.sum(amount)>=50000 or orders.count>=2"))
        agg = m.group(1).lower() if m else "count"
        inner = m.group(2).strip() if m else ""
        target = fields.get_field(module, inner) if inner not in ("", "*") else None
        if agg != "count" and target is None:
            raise _fail(raw, _("{agg}() needs a field, e.g. {module}.{agg}(amount)").format(agg=agg, module=module))
        if op in ("~", "!~") or value == "":
            raise _fail(raw, _("compare {agg} with = != > >= < <= and a value").format(agg=agg))
        return Term(raw, module, target, op, value, negate=negate, agg=agg)
    if module is None:
        f = fields.find_field(main, lhs)
        if f is None and main != "customers" and fields.find_field("customers", lhs) is not None:
            module, f = "customers", fields.find_field("customers", lhs)  # a customer field from a child table
        if f is None:
            f = fields.get_field(main, lhs)  # raises with did-you-mean
    else:
        f = fields.get_field(module, lhs)
    if negate and module is None:
        raise _fail(raw, _("a leading ! negates a module condition (!followups.date>=-90d); on a field use != or !~"))
    return Term(raw, module, f, op, value, negate=negate)


def _tag_term(raw: str, op: str, value: str, negate: bool) -> Term:
    if op not in ("=", "!=", "~", "!~"):
        raise _fail(raw, _("tags take =, !=, ~ or !~"))
    if op.startswith("!"):
        negate, op = not negate, op[1:]
    return Term(raw, "tags", None, op, value, negate=negate, tag=True)


def _invalid_term(raw: str, module: str | None, main: str, op: str, value: str, negate: bool) -> Term:
    """invalid=phone|email, invalid=, invalid!= (crmcli.invalid.filter_sql says what each means)."""
    if op not in ("=", "!="):
        raise _fail(raw, _("invalid takes = or != and field names, e.g. invalid=phone or invalid=phone|email"))
    if negate and module is None:
        raise _fail(raw, _("a leading ! negates a module condition (!contacts.invalid=phone); on a field use !="))
    names = [fields.get_field(module or main, v.strip()).name for v in value.split("|") if v.strip()]
    return Term(raw, module, None, op, "|".join(names), negate=negate, invalid=True)


# ---------------------------------------------------------------------------- values

def _number(term: Term, text: str, *, whole: bool = False) -> float | int:
    from crmcli.normalize import normalize_money

    try:
        if whole:
            n = int(text)
            if n < 0:
                raise ValueError
            return n
        if term.field is not None and term.field.type == "money":
            return normalize_money(text)  # type: ignore[return-value]
        return float(text)
    except (ValueError, InvalidValue):
        msg = _("{what} compares with a whole number, not '{value}'") if whole else _("{what} compares with a number, not '{value}'")
        raise _fail(term.raw, msg.format(what=term.agg or _("the value"), value=text)) from None


def _coerce(term: Term, text: str, today: date | None) -> Any:
    """The stored form of one typed value: a scalar, a (start, end) date period, or ('glob', pattern)."""
    from crmcli.values import coerce

    f = term.field
    if term.agg == "count":
        return _number(term, text, whole=True)
    if term.agg in ("sum", "avg"):
        return _number(term, text)
    assert f is not None
    if f.type in ("date", "datetime"):
        period = date_period(text, today)
        if period is not None:
            return period
    if f.type == "phone" and "*" in text:
        from crmcli.normalize import normalize_phone

        try:
            return ("glob", normalize_phone(text, allow_masked=True).replace("*", "?"))  # type: ignore[union-attr]
        except InvalidValue as e:
            raise _fail(term.raw, str(e)) from None
    if f.type == "int" and term.agg in ("max", "min"):
        return _number(term, text)
    try:
        value = coerce(f, text)
    except InvalidValue as e:
        raise _fail(term.raw, str(e)) from None
    if value is None:
        return None
    if f.type in ("date", "datetime") and isinstance(value, str) and len(value) == 10:
        return value, (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    return value


def _label_matches(term: Term, text: str) -> list[str]:
    """Canonical values of the labels whose value, names or aliases contain TEXT."""
    f = term.field
    assert f is not None
    key = fields.fold(text)
    hits = [lab.value for lab in f.labels
            if any(key in fields.fold(n) for n in (lab.value, lab.zh, lab.en, *lab.aliases))]
    return hits or [fields.canonical(f, text)]  # no label holds it: canonical() raises with did-you-mean


def _period_cond(col: str, op: str, start: str, end: str, params: list[Any]) -> str:
    if op == "=":
        params.extend([start, end])
        return f"({col} >= ? AND {col} < ?)"
    if op == "!=":
        params.extend([start, end])
        return f"({col} IS NULL OR {col} < ? OR {col} >= ?)"
    params.append(start if op in (">=", "<") else end)
    return f"{col} {'>=' if op in ('>=', '>') else '<'} ?"


def _scalar_cond(col: str, op: str, value: Any, params: list[Any]) -> str:
    if isinstance(value, tuple) and value[0] == "glob":
        params.append(value[1])
        if op not in ("=", "!="):
            raise InvalidValue(_("a masked phone compares with = or != only"))
        return f"{col} GLOB ?" if op == "=" else f"({col} IS NULL OR {col} NOT GLOB ?)"
    if isinstance(value, tuple):
        return _period_cond(col, op, value[0], value[1], params)
    params.append(value)
    if op == "!=":
        return f"({col} IS NULL OR {col} != ?)"
    return f"{col} {op} ?"


def _empty(col: str, op: str) -> str:
    return f"({col} IS NULL OR {col} = '')" if op == "=" else f"({col} IS NOT NULL AND {col} != '')"


def _compare(col: str, term: Term, today: date | None, params: list[Any]) -> str:
    """SQL for COL compared as TERM says; values appended to PARAMS."""
    op, text, f = term.op, term.value, term.field
    if text == "" and op in ("=", "!=") and not term.agg:
        return _empty(col, op)
    if op in ("~", "!~"):
        if term.agg:
            raise _fail(term.raw, _("aggregates compare with = != > >= < <="))
        if f is not None and f.labels:
            hits = [v for part in text.split("|") for v in _label_matches(term, part)]
            params.extend(dict.fromkeys(hits))
            marks = ", ".join("?" * len(dict.fromkeys(hits)))
            return f"{col} IN ({marks})" if op == "~" else f"({col} IS NULL OR {col} NOT IN ({marks}))"
        needles = [p.strip() for p in text.split("|")] if "|" in text and text.strip("|") else [text]
        if f is not None and f.type == "phone":
            needles = ["".join(n.split()) for n in needles]
        if "" in needles:
            raise _fail(term.raw, _("{op} needs some text to look for").format(op=op))
        if f is None or f.type != "phone":  # 華信 finds 华信 and the other way round; stored text stays as written
            needles = list(dict.fromkeys(v for n in needles for v in variants(n)))
        params.extend(needles)
        expr = " OR ".join([f"instr(lower({col}), lower(?)) > 0"] * len(needles))
        expr = f"({expr})" if len(needles) > 1 else expr
        return expr if op == "~" else f"({col} IS NULL OR NOT {expr})"
    if f is not None and f.labels and op not in ("=", "!="):
        raise _fail(term.raw, _("{field} holds labels: use = != ~ or !~, not {op}").format(field=fields.shown_field(f), op=op))
    parts = text.split("|") if "|" in text and op in ("=", "!=") else [text]
    values = [_coerce(term, p.strip(), today) if p.strip() else None for p in parts]
    if f is not None and f.type == "text" and op in ("=", "!="):
        values = list(dict.fromkeys(v for x in values for v in (variants(x) if isinstance(x, str) else [x])))
    if len(values) == 1:
        if values[0] is None:
            return _empty(col, op)
        return _scalar_cond(col, op, values[0], params)
    scalars = [v for v in values if v is not None and not isinstance(v, tuple)]
    conds: list[str] = []
    if None in values:
        conds.append(_empty(col, op))
    if scalars:
        params.extend(scalars)
        marks = ", ".join("?" * len(scalars))
        conds.append(f"{col} IN ({marks})" if op == "=" else f"({col} IS NULL OR {col} NOT IN ({marks}))")
    conds += [_scalar_cond(col, op, v, params) for v in values if isinstance(v, tuple)]
    return "(" + (" OR " if op == "=" else " AND ").join(conds) + ")"


def _zero_matches(term: Term, today: date | None) -> bool:
    """Does a customer with no rows (count 0, sum 0) satisfy the aggregate comparison?"""
    if term.agg not in ("count", "sum"):
        return False
    parts = term.value.split("|") if term.op in ("=", "!=") else [term.value]
    values = [_coerce(term, p.strip(), today) for p in parts]
    if term.op == "=":
        return 0 in values
    if term.op == "!=":
        return 0 not in values
    v = values[0]
    return {">": v < 0, ">=": v <= 0, "<": v > 0, "<=": v >= 0}[term.op]


# ---------------------------------------------------------------------------- compiling

def parse_all(table: str, args: Sequence[str]) -> list[Term]:
    """Every non-blank filter argument parsed; the first bad one raises."""
    main = fields.table(table).name
    return [parse(a, main) for a in args if a.strip()]


def compile_filters(table: str, args: Sequence[str], *, today: date | None = None,
                    conn: sqlite3.Connection | None = None) -> Compiled:
    """ARGS (filter strings) -> a WHERE expression over TABLE (referenced by its name) plus parameters.

    With CONN, a module condition may be compiled as a per-customer EXISTS probe
    instead of an IN subquery when another condition leaves far fewer candidates
    (filter_plan.py explains the choice); the rows matched are the same either way.
    """
    main = fields.table(table)
    terms = parse_all(main.name, args)
    link = f"{main.name}.customer_id"
    own: list[Term] = []  # conditions on the main table itself
    tags: list[Term] = []
    rows: dict[str, list[Term]] = {}  # module -> positive row conditions (one row must satisfy all)
    nots: dict[str, list[Term]] = {}  # module -> negated row conditions (no row satisfies all)
    aggs: list[Term] = []
    invalid: list[Term] = []
    for t in terms:
        if t.tag:
            tags.append(t)
        elif t.invalid:
            invalid.append(t)
        elif t.module is None:
            own.append(t)
        elif t.agg:
            aggs.append(t)
        else:
            (nots if t.negate else rows).setdefault(t.module, []).append(t)
    agg_modules = {t.module for t in aggs}
    groups = {m: g for m, g in rows.items() if m not in agg_modules}  # the rest narrow the aggregates
    probes = _probes(main.name, own, tags, groups, nots, len(aggs), today) \
        if conn is not None and (groups or nots or aggs) else {}
    sizes = {k: plan.capped_count(conn, sql, prm) for k, (sql, prm) in probes.items()}  # type: ignore[arg-type]
    driver = min((n for k, n in sizes.items() if not k.startswith("!")), default=None)
    few = driver is not None and driver <= plan.CAP
    few_for_index = few  # an aggregate read from a covering index pays only index seeks per candidate
    if aggs and driver is not None and not few:
        few_for_index = min(plan.capped_count(conn, sql, prm, cap=plan.INDEX_CAP)  # type: ignore[arg-type]
                            for k, (sql, prm) in probes.items() if not k.startswith("!")) <= plan.INDEX_CAP

    def probe(key: str, module: str, group: list[Term]) -> bool:
        """Probe each candidate (EXISTS) rather than read the whole condition once (IN)?"""
        return few and (not _narrowed(module, group) or sizes.get(key, plan.CAP + 1) > plan.RATIO * driver)  # type: ignore[operator]

    parts: list[str] = []
    params: list[Any] = []
    for i, t in enumerate(own):
        # Unary + keeps SQLite from driving the query by this column's index when a count showed
        # another condition leaves fewer rows: without ANALYZE statistics it assumes any equality
        # is selective (customer_type=老客户 holds for a third of all customers).
        demote = few and sizes.get(f"own:{i}", 0) > plan.RATIO * driver  # type: ignore[operator]
        parts.append(_compare(f"{'+' if demote else ''}{main.name}.{t.field.name}", t, today, params))  # type: ignore[union-attr]
    for t in tags:
        parts.append(_tag_sql(link, t, params))
    for t in invalid:
        parts.append(invalid_values.filter_sql(main, t.module, t.op, t.value, t.negate, params))
    for negate, by_module in ((False, groups), (True, nots)):
        for module, group in by_module.items():
            if probe(("!" if negate else "") + module, module, group):
                conds = [_compare(f"r.{g.field.name}", g, today, params) for g in group]  # type: ignore[union-attr]
                exists = f"EXISTS (SELECT 1 FROM {module} r WHERE r.customer_id = {link} AND {' AND '.join(conds)})"
                parts.append(f"NOT {exists}" if negate else exists)
            else:
                parts.append(f"{link} {'NOT IN' if negate else 'IN'} ({_row_subquery(module, group, today, params)})")
    for t in aggs:
        row_terms = rows.get(t.module or "", [])
        parts.append(_agg_sql(link, t, row_terms, today, params,
                              probe=few or (few_for_index and plan.covered(t.module or "", _agg_columns(t, row_terms)))))
    return Compiled(" AND ".join(f"({p})" for p in parts) if parts else "1", params)


def _narrowed(module: str, group: list[Term]) -> bool:
    """Does an index of MODULE narrow one of these row conditions?"""
    return any(plan.indexable(module, t.field, t.op, t.value) for t in group)


def _agg_columns(t: Term, row_terms: list[Term]) -> set[str]:
    return {"customer_id", *(g.field.name for g in row_terms if g.field), *([t.field.name] if t.field else [])}


def _agg_cheap(t: Term, row_terms: list[Term]) -> bool:
    """Can the aggregate be computed from an index alone, or over an index-narrowed range?"""
    module = t.module or ""
    return plan.covered(module, _agg_columns(t, row_terms)) or _narrowed(module, row_terms)


def _probes(main: str, own: list[Term], tags: list[Term], groups: dict[str, list[Term]],
            nots: dict[str, list[Term]], n_aggs: int, today: date | None) -> dict[str, tuple[str, list[Any]]]:
    """SELECTs of the conditions an index narrows, to be counted (capped): the smallest positive
    one bounds the candidate customers. Keys: 'own:N', 'tag:N', a module, '!module'."""
    probes: dict[str, tuple[str, list[Any]]] = {}
    for i, t in enumerate(own):
        if plan.indexable(main, t.field, t.op, t.value):
            p: list[Any] = []
            probes[f"own:{i}"] = (f"SELECT 1 FROM {main} WHERE {_compare(f'{main}.{t.field.name}', t, today, p)}", p)  # type: ignore[union-attr]
    for i, t in enumerate(tags):
        if not t.negate and t.op == "=" and t.value:
            names = list(dict.fromkeys(n.strip() for n in t.value.split("|") if n.strip()))
            probes[f"tag:{i}"] = (f"SELECT 1 FROM tags WHERE tag IN ({', '.join('?' * len(names))})", names)
    for prefix, by_module in (("", groups), ("!", nots)):
        for module, group in by_module.items():
            if _narrowed(module, group):
                p = []
                probes[prefix + module] = (_row_subquery(module, group, today, p), p)
    if not any(not k.startswith("!") for k in probes):
        return {}  # no indexed positive condition: nothing can bound the candidates
    if len(probes) + n_aggs + sum(1 for m, g in (*groups.items(), *nots.items()) if not _narrowed(m, g)) < 2:
        return {}  # a single condition: nothing to choose
    return probes


def _row_subquery(module: str, group: list[Term], today: date | None, params: list[Any]) -> str:
    conds = [_compare(f"r.{t.field.name}", t, today, params) for t in group]  # type: ignore[union-attr]
    return f"SELECT r.customer_id FROM {module} r WHERE {' AND '.join(conds)}"


def _tag_sql(link: str, t: Term, params: list[Any]) -> str:
    if t.value == "" and t.op == "=":  # tag= : no tag at all; !tag= : at least one
        return f"{link} {'IN' if t.negate else 'NOT IN'} (SELECT r.customer_id FROM tags r)"
    if t.value == "":
        raise _fail(t.raw, _("{op} needs some text to look for").format(op="~"))
    if t.op == "=":
        names = list(dict.fromkeys(p.strip() for p in t.value.split("|") if p.strip()))
        params.extend(names)
        cond = f"r.tag IN ({', '.join('?' * len(names))})"
    else:
        params.append(t.value)
        cond = "instr(lower(r.tag), lower(?)) > 0"
    return f"{link} {'NOT IN' if t.negate else 'IN'} (SELECT r.customer_id FROM tags r WHERE {cond})"


def _agg_sql(link: str, t: Term, row_terms: list[Term], today: date | None, params: list[Any], *,
             probe: bool = False) -> str:
    module = t.module
    assert module is not None
    row_params: list[Any] = []
    row_conds = [_compare(f"r.{g.field.name}", g, today, row_params) for g in row_terms]  # type: ignore[union-attr]
    col = f"r.{t.field.name}" if t.field is not None else "*"
    # total() is sum() that gives 0.0, not NULL, over no or only-NULL values.
    expr = {"count": "count(*)", "sum": f"total({col})"}.get(t.agg or "", f"{t.agg}({col})")
    having_params: list[Any] = []
    cheap = _agg_cheap(t, row_terms)
    if probe:
        # Few candidates: compute each candidate's aggregate through the (customer_id, ...) index.
        # count/total of no rows are 0; avg/max/min of no rows never match.
        having = _compare("v", t, today, having_params)
        where = " AND ".join([f"r.customer_id = {link}", *row_conds])
        sql = f"(SELECT CASE WHEN v IS NULL THEN 0 ELSE ({having}) END FROM (SELECT {expr} AS v FROM {module} r WHERE {where}))"
        params.extend(having_params + row_params)
        return f"NOT {sql}" if t.negate else sql
    having = _compare(expr, t, today, having_params)
    where = f"WHERE {' AND '.join(row_conds)} " if row_conds else ""
    # Without an index that covers the columns, one pass over the table beats an index walk that
    # reads every row through it (measured: 17 s against 31 s for three million orders).
    hint = "" if cheap else " NOT INDEXED"
    sub = f"SELECT r.customer_id FROM {module} r{hint} {where}GROUP BY r.customer_id HAVING "
    # When a customer without rows qualifies (orders.count<2), exclude those whose aggregate fails instead.
    zero = _zero_matches(t, today)
    sql = f"{link} NOT IN ({sub}NOT ({having}))" if zero else f"{link} IN ({sub}{having})"
    params.extend(row_params + having_params)
    return f"NOT ({sql})" if t.negate else sql


# ---------------------------------------------------------------------------- running

def _order_by(main: fields.Table, sort: str | Sequence[str] | None) -> str:
    items = (sort.split(",") if isinstance(sort, str) else list(sort)) if sort else []
    out = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        f = fields.get_field(main, item.lstrip("+-").strip())
        out.append(f"{main.name}.{f.name}{' DESC' if desc else ''}")
    if f"{main.name}.{main.key}" not in out:  # a stable order: ties broken by the key
        out.append(f"{main.name}.{main.key}")
    return ", ".join(out)


def resolve_columns(table: str, columns: str | Sequence[str] | None) -> list[str]:
    """Column names from 'a,b,c' (English or Chinese names); all columns when empty, 'all' or '*'."""
    main = fields.table(table)
    items = (columns.split(",") if isinstance(columns, str) else list(columns)) if columns else []
    items = [c.strip() for c in items if c.strip()]
    if not items or items in (["all"], ["*"]):
        return main.columns
    return list(dict.fromkeys(fields.get_field(main, c).name for c in items))


def build_sql(table: str, args: Sequence[str], *, conn: sqlite3.Connection | None = None, columns: str | Sequence[str] | None = None,
              sort: str | Sequence[str] | None = None, limit: int | None = None,
              today: date | None = None) -> tuple[list[str], str, list[Any]]:
    """(column names, SELECT statement, parameters) for a filtered query: what select() runs."""
    from crmcli.columns import select_list

    main = fields.table(table)
    cols, exprs = select_list(main.name, columns)  # own fields, customer.name-style ones, tags
    compiled = compile_filters(main.name, args, today=today, conn=conn)
    sql = (f"SELECT {', '.join(exprs)} FROM {main.name} "
           f"WHERE {compiled.where} ORDER BY {_order_by(main, sort)}")
    params = list(compiled.params)
    if limit is not None:
        if limit < 0:
            raise InvalidValue(_("--limit must be 0 or more"))
        sql += " LIMIT ?"
        params.append(limit)
    return cols, sql, params


def select(conn: sqlite3.Connection, table: str, args: Sequence[str], *, columns: str | Sequence[str] | None = None,
           sort: str | Sequence[str] | None = None, limit: int | None = None,
           today: date | None = None) -> tuple[list[str], sqlite3.Cursor]:
    """Run a filtered query; returns (column names, cursor of rows)."""
    cols, sql, params = build_sql(table, args, conn=conn, columns=columns, sort=sort, limit=limit, today=today)
    return cols, conn.execute(sql, params)


def count(conn: sqlite3.Connection, table: str, args: Sequence[str], *, today: date | None = None) -> int:
    """How many records of TABLE the filters match."""
    main = fields.table(table)
    compiled = compile_filters(main.name, args, today=today, conn=conn)
    return int(conn.execute(f"SELECT count(*) FROM {main.name} WHERE {compiled.where}", compiled.params).fetchone()[0])


def explain(conn: sqlite3.Connection, table: str, args: Sequence[str], *, today: date | None = None,
            **kw: Any) -> list[str]:
    """EXPLAIN QUERY PLAN of the query select() would run, one line per step."""
    _, sql, params = build_sql(table, args, conn=conn, today=today, **kw)
    return [str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
