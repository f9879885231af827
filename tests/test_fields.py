"""The registry and schema.sql must agree: every column registered, every CHECK list equal to the labels."""

from __future__ import annotations

import re
import sqlite3

import pytest

from crmcli import db, fields
from crmcli.errors import InvalidValue


def _schema_tables() -> dict[str, str]:
    sql = db.schema_sql()
    return {m.group(1): m.group(0) for m in re.finditer(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\)", sql, re.S)}


@pytest.mark.parametrize("name", sorted(fields.TABLES))
def test_every_registered_table_matches_the_schema(conn: sqlite3.Connection, name: str) -> None:
    cols = db.columns(conn, name)
    assert cols == fields.TABLES[name].columns


# Open label lists (segment names come from a rules file) have no CHECK list by design.
@pytest.mark.parametrize("t,f", [(t.name, f.name) for t in fields.TABLES.values() for f in t.fields
                                 if f.labels and not f.open])
def test_check_lists_equal_registry_labels(t: str, f: str) -> None:
    body = _schema_tables()[t]
    m = re.search(rf"\b{f}\s+TEXT[^\n]*?(?:\n[^\n]*?)?CHECK \({f} IN \(([^)]*)\)\)", body)
    assert m, f"no CHECK list for {t}.{f}"
    in_schema = [v.strip().strip("'") for v in m.group(1).replace("\n", " ").split(",")]
    assert in_schema == [lab.value for lab in fields.TABLES[t].by_name[f].labels]


def test_every_template_module_is_a_table(conn: sqlite3.Connection) -> None:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"customers", "contacts", "followups", "orders", "tickets", "needs", "tags", "operations", "changes"} <= names


@pytest.mark.parametrize("alias,expected", [
    ("客户类型", "customer_type"), ("customer_type", "customer_type"), ("客户全称", "name"), ("客户名称", "name"),
    ("联系方式", "phone"), ("联系电话", "phone"), ("Mobile", "phone"), ("E-mail", "email"), ("所属行业", "industry"),
    ("负责人", "owner"), ("满意度评分", "satisfaction"), ("ＣＵＳＴＯＭＥＲ＿ＩＤ", "customer_id"),
])
def test_fields_resolve_in_both_languages(alias: str, expected: str) -> None:
    assert fields.get_field("customers", alias).name == expected


@pytest.mark.parametrize("text,expected", [
    ("老客户", "returning"), ("returning", "returning"), ("Old Customer", "returning"), ("ＲＥＴＵＲＮＩＮＧ", "returning"),
    ("高价值客户", "high_value"), ("潜在客户", "potential"),
])
def test_label_aliases_case_and_width_insensitive(text: str, expected: str) -> None:
    assert fields.canonical(fields.get_field("customers", "customer_type"), text) == expected


def test_unknown_field_suggests_close_names() -> None:
    with pytest.raises(InvalidValue, match="did you mean customer_type"):
        fields.get_field("customers", "custmer_type")


def test_unknown_label_lists_allowed_values() -> None:
    with pytest.raises(InvalidValue, match=r"allowed: .*returning \(老客户\)"):
        fields.canonical(fields.get_field("customers", "customer_type"), "熟客")


def test_display_in_each_language() -> None:
    f = fields.get_field("customers", "status")
    assert fields.display(f, "intent", "zh") == "意向"
    assert fields.display(f, "intent", "en") == "Intent"


@pytest.mark.parametrize("name,expected", [("交易信息", "orders"), ("跟进记录", "followups"), ("客户反馈与投诉", "tickets"),
                                            ("order", "orders"), ("客户", "customers")])
def test_tables_resolve_by_chinese_names(name: str, expected: str) -> None:
    assert fields.table(name).name == expected
