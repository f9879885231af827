"""Which row holds the headers, which module a sheet belongs to, and which field
each column fills.

Headers are matched through the field registry (English names, every Chinese
label of the seeds, English export aliases), after removing what spreadsheets add
around them: required marks (`客户名称*`, `(必填)`), line breaks, units in
brackets. Child modules also accept the customer's *name* (客户名称, Company …)
as a link; a customers sheet's 标签/Tags column holds a comma-separated tag list.
`--map SRC=field` overrides; `--map SRC=-` ignores a column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crmcli import fields
from crmcli.errors import InvalidValue
from crmcli.i18n import _, get_lang

CUSTOMER_NAME = "customer_name"  # child rows: the customer's name, resolved to its id
TAGS = "tags"  # customer rows: a comma-separated list of tags (seed 000), added to the tags table
IGNORE = "-"
HEADER_SCAN = 30  # rows searched for the header row (title rows sit above it)
_NAME_HEADERS = {fields.fold(h) for h in (
    "客户名称", "客户全称", "公司名称", "企业名称", "客户姓名", "客户名", "所属客户", "customer name", "company",
    "company name", "account name", "account", "organization", "customer_name")}
_TAG_HEADERS = {fields.fold(h) for h in ("标签", "客户标签", "tags", "tag")}
_IGNORED = {fields.fold(h) for h in ("序号", "行号", "no", "no.", "#", "row", "rownum")}
_MARKS = re.compile(r"[*＊]|[(（](?:必填|选填|required|optional)[)）]", re.IGNORECASE)
_SYSTEM_OK = ("created_at", "updated_at")  # history kept when migrating from another CRM


def clean_header(raw: Any) -> str:
    text = "" if raw is None else str(raw)
    return " ".join(_MARKS.sub("", text).split())


def match_header(t: fields.Table, raw: Any) -> str | None:
    """The field name a header fills in table T, IGNORE for row-number columns, None if unknown."""
    h = clean_header(raw)
    if not h:
        return None
    key = fields.fold(h)
    if key in _IGNORED:
        return IGNORE
    f = fields.find_field(t, h) or fields.find_field(t, h.replace("_", " "))
    if f is None:
        stripped = re.sub(r"[(（][^)）]*[)）]$", "", h).strip()  # 金额（万元） -> 金额
        if stripped and stripped != h:
            f = fields.find_field(t, stripped)
    if f is not None:
        if f.system and f.name not in _SYSTEM_OK and f.name != t.key:  # a contact's number matches it on re-import
            return None
        if t.name != "customers" and f.name == "customer_id" and key in _NAME_HEADERS:
            return CUSTOMER_NAME
        return f.name
    if t.name != "customers" and key in _NAME_HEADERS:
        return CUSTOMER_NAME
    if t.name == "customers" and key in _TAG_HEADERS:
        return TAGS
    return None


def _score(t: fields.Table, row: list[Any], overrides: dict[str, str]) -> int:
    hits = {m for c in row if (m := match_header(t, c)) and m != IGNORE}
    return len(hits) + sum(1 for c in row if c is not None and fields.fold(clean_header(c)) in overrides)


def table_for_sheet(name: str) -> fields.Table | None:
    try:
        t = fields.table(name)
    except InvalidValue:
        return None
    return t if t.name in fields.MODULES else None


def find_header(rows: list[list[Any]], table: fields.Table | None,
                overrides: dict[str, str] | None = None) -> tuple[int, fields.Table] | None:
    """(index of the header row, its table) among the first rows, or None."""
    best: tuple[int, int, fields.Table] | None = None
    for i, row in enumerate(rows[:HEADER_SCAN]):
        if sum(1 for c in row if c is not None and str(c).strip()) < 1:
            continue
        for t in ([table] if table else [fields.TABLES[n] for n in fields.MODULES]):
            s = _score(t, row, overrides or {})
            if s and (best is None or s > best[0]):
                best = (s, i, t)
    if best is None:
        return None
    score, i, t = best
    if table is None and score < 2:
        return None
    return i, t


@dataclass
class Mapping:
    table: fields.Table
    headers: list[str]
    columns: dict[int, str] = field(default_factory=dict)  # column index -> field name (or CUSTOMER_NAME)
    unmapped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def describe(self) -> list[dict[str, str]]:
        return [{"column": self.headers[i], "field": name} for i, name in self.columns.items()]


def parse_overrides(items: list[str]) -> dict[str, str]:
    """--map SRC=field items -> {folded SRC: field}; a source given twice is an error."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InvalidValue(_("--map '{item}': use SOURCE_COLUMN=field (or SOURCE_COLUMN=- to skip it)").format(item=item))
        src, _sep, dst = item.partition("=")
        key = fields.fold(clean_header(src))
        if not key:
            raise InvalidValue(_("--map '{item}': the source column name is empty").format(item=item))
        if key in out:
            raise InvalidValue(_("--map names column '{column}' twice").format(column=src.strip()))
        out[key] = dst.strip() or IGNORE
    return out


def map_columns(t: fields.Table, header_row: list[Any], overrides: dict[str, str]) -> Mapping:
    headers = [clean_header(c) for c in header_row]
    m = Mapping(t, headers)
    taken: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        key = fields.fold(h)
        if key in overrides:
            dst = overrides[key]
            if dst == IGNORE:
                m.ignored.append(h)
                continue
            if fields.fold(dst) in (fields.fold(CUSTOMER_NAME), "客户名称") and t.name != "customers":
                name = CUSTOMER_NAME
            elif t.name == "customers" and fields.fold(dst) in _TAG_HEADERS:
                name = TAGS
            else:
                f = fields.get_field(t, dst)
                if f.system and f.name not in _SYSTEM_OK and f.name != t.key:
                    raise InvalidValue(_("--map {column}={field}: {name} is kept by the system and cannot be imported").format(
                        column=h, field=dst, name=fields.shown_field(f)))
                name = f.name
        else:
            found = match_header(t, h)
            if found is None:
                f = fields.find_field(t, h)
                m.unmapped.append(_("{column} (kept by the system)").format(column=h) if f is not None and f.system else h)
                continue
            if found == IGNORE:
                m.ignored.append(h)
                continue
            name = found
        if name in taken:
            raise InvalidValue(_("columns '{first}' and '{second}' both map to {table}.{field}; keep one with "
                                 "--map '{second}=-' (or map it to another field)").format(
                first=headers[taken[name]], second=h, table=fields.shown_table(t), field=name))
        taken[name] = i
        m.columns[i] = name
    if not m.columns:
        raise InvalidValue(_("no column matches a field of {table} (headers: {headers}); use --map COLUMN=field").format(
            table=fields.shown_table(t), headers=", ".join(h for h in headers if h)[:200]))
    return m


def check_mapping(m: Mapping) -> None:
    """The columns a module cannot do without."""
    names = set(m.columns.values())
    t = m.table
    if t.name == "customers":
        if "name" not in names:
            raise InvalidValue(_("no column holds the customer's name (客户名称/客户全称/Company); use --map COLUMN=name"))
        return
    if "customer_id" not in names and CUSTOMER_NAME not in names:
        raise InvalidValue(_("{table}: no column links rows to a customer (客户编号 or 客户名称); "
                             "use --map COLUMN=customer_id or --map COLUMN=customer_name").format(table=fields.shown_table(t)))
    for f in t.fields:
        if f.required and f.name not in ("customer_id",) and f.name not in names:
            raise InvalidValue(_("{table}: no column for the required field {field}; use --map COLUMN={name}").format(
                table=fields.shown_table(t), field=f"{f.name} ({f.zh[0]})" if get_lang() == "en" else fields.shown_field(f),
                name=f.name))
