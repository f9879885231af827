"""The filter compiler against the hand-made database of query_data.py.

Expected ids are written out by hand from those rows (see the comments there);
none is computed by the code under test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date

import pytest

from crmcli import db as crm_db
from crmcli import filter_plan as plan
from crmcli import filters
from crmcli.errors import InvalidValue
from tests.query_data import TODAY, fill


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """One filled database shared by this module's read-only tests (creating one per test is slow)."""
    conn = crm_db.create(tmp_path_factory.mktemp("filters") / "crm.db")
    fill(conn)
    yield conn
    conn.close()


def ids(conn: sqlite3.Connection, *args: str, table: str = "customers") -> list[str]:
    """The keys TABLE matches, checked to be the same in every SQL form the compiler may choose:
    with a connection (tiny tables: unindexed module conditions become EXISTS probes), with
    probes forced wherever there is a driver, and without a connection (IN subqueries,
    NOT INDEXED aggregates)."""
    table = filters.fields.table(table).name
    key = filters.fields.table(table).key
    _, cur = filters.select(conn, table, list(args), columns=[key], today=TODAY)
    probed = [str(r[0]) for r in cur]
    every = plan.RATIO
    try:
        plan.RATIO = 0  # probe every module condition per candidate whenever there is a driver
        _, cur = filters.select(conn, table, list(args), columns=[key], today=TODAY)
        assert [str(r[0]) for r in cur] == probed
    finally:
        plan.RATIO = every
    compiled = filters.compile_filters(table, list(args), today=TODAY)
    plain = [str(r[0]) for r in conn.execute(
        f"SELECT {key} FROM {table} WHERE {compiled.where} ORDER BY {key}", compiled.params)]
    assert probed == plain
    return plain


ALL = ["C001", "C002", "C003", "C004", "C005", "C006"]


@pytest.mark.parametrize(("args", "expected"), [
    # the template's two example queries, as written
    (["customer_type=老客户", "orders.date>=-3m", "orders.amount>=50000", "tickets.satisfaction>=4"], ["C001"]),
    (["followups.by~经理", "tag=重点维护"], ["C001", "C003"]),
    # one ORDER must satisfy both: C002 has a recent small order and an old big one
    (["orders.date>=-3m", "orders.amount>=50000"], ["C001", "C003", "C006"]),
    (["customer_type=returning", "orders.date>=-3m"], ["C001", "C002"]),
    # Chinese field, module and label names; money in 万
    (["客户类型=老客户"], ["C001", "C002"]),
    (["交易信息.金额>=50000"], ["C001", "C002", "C003", "C006"]),
    (["交易信息.金额>=5万"], ["C001", "C002", "C003", "C006"]),
    (["订单.订单状态=已取消"], ["C003"]),
    (["合作状态=意向"], ["C003"]),
    (["status=Intent"], ["C003"]),
    (["status=interested"], ["C003"]),  # an alias
    # comparison operators on numbers
    (["satisfaction>=4"], ["C001"]),
    (["satisfaction>3"], ["C001"]),
    (["satisfaction<3"], ["C005"]),
    (["satisfaction<=3"], ["C002", "C005"]),
    (["satisfaction!=5"], ["C002", "C003", "C004", "C005", "C006"]),  # NULL counts as "not 5"
    # empty and not empty; '' and NULL are both empty
    (["owner="], ["C004"]),
    (["owner!="], ["C001", "C002", "C003", "C005", "C006"]),
    (["level="], ["C004"]),
    (["phone="], ["C004"]),
    (["email!="], ["C001", "C004"]),
    # text equality, !=, contains
    (["owner=张伟"], ["C001", "C003"]),
    (["owner!=张伟"], ["C002", "C004", "C005", "C006"]),
    (["name~华信"], ["C001"]),
    (["name~有限"], ALL),
    (["industry!~制造"], ["C002", "C004", "C005", "C006"]),
    (["email~HUAXIN"], ["C001"]),  # case-insensitive
    (["name~华信|鹏程"], ["C001", "C003"]),  # contains any of
    (["name!~华信|鹏程"], ["C002", "C004", "C005", "C006"]),
    (["industry~|"], []),  # a lone | is text
    (["followups.by~经理|王强"], ["C001", "C003", "C005"]),
    # IN lists, also with labels, and negated
    (["status=意向|合作中"], ["C001", "C002", "C003", "C006"]),
    (["status!=意向|合作中"], ["C004", "C005"]),
    (["owner=张伟|王强"], ["C001", "C003", "C005"]),
    (["owner=张伟|"], ["C001", "C003", "C004"]),  # an empty alternative means empty
    (["level!=vip|"], ["C002", "C003", "C005"]),
    # label contains: every label whose name holds the text (流失 and 潜在流失)
    (["status~流失"], ["C005"]),
    (["status!~流失"], ["C001", "C002", "C003", "C004", "C006"]),
    (["customer_type~客户"], ALL),
    (["level~v"], ["C001", "C006"]),
    # related modules, negation
    (["!followups.date>=-90d"], ["C002", "C004", "C005"]),
    (["!orders.date>=-3m", "!orders.amount>=50000"], ["C002", "C004", "C005"]),  # no recent big order
    (["!tickets.status=pending"], ["C001", "C002", "C004", "C005"]),
    (["tickets.status=已完成"], ["C001"]),
    (["contacts.phone=13911112222"], ["C001"]),
    (["needs.stage=方案制定"], ["C003"]),
    (["客户需求.跟进阶段=方案"], ["C003"]),
    (["followups.done=是"], ["C001"]),
    (["followups.method=拜访"], ["C002"]),
    # aggregates; count and sum also match customers with no rows when 0 satisfies them
    (["orders.count=0"], ["C004"]),
    (["orders.count<2"], ["C003", "C004", "C005", "C006"]),
    (["orders.count>=2"], ["C001", "C002"]),
    (["orders.count(*)>=2"], ["C001", "C002"]),
    (["orders.count=0|1"], ["C003", "C004", "C005", "C006"]),
    (["orders.count!=1"], ["C001", "C002", "C004"]),
    (["orders.sum(amount)>=100000"], ["C001", "C002", "C006"]),
    (["orders.sum(amount)<5万"], ["C004", "C005"]),
    (["orders.status=completed", "orders.sum(amount)<50000"], ["C003", "C004", "C005"]),
    (["orders.status=completed", "orders.count=0"], ["C003", "C004"]),
    (["orders.date>=-3m", "orders.count>=1"], ["C001", "C002", "C003", "C006"]),
    (["orders.max(date)<-1y"], ["C005"]),  # no orders: no max date, not "older than a year"
    (["orders.min(amount)>=30000"], ["C002", "C003", "C006"]),
    (["orders.avg(amount)>50000"], ["C002", "C003", "C006"]),
    (["tickets.avg(satisfaction)>=4.5"], ["C001"]),
    (["followups.max(date)<-90d"], ["C002", "C005"]),
    (["!orders.count>=1"], ["C004"]),
    (["交易信息.sum(金额)>=100000"], ["C001", "C002", "C006"]),
    # an indexed condition leaving few candidates: unindexed module conditions become EXISTS probes
    (["customer_type=新客户|潜在客户", "orders.status=completed", "orders.count=0"], ["C003", "C004"]),
    (["status=合作中", "orders.status=completed", "orders.sum(amount)>=100000"], ["C001", "C002", "C006"]),
    (["status=合作中", "!orders.status=cancelled"], ["C001", "C002", "C006"]),
    (["tag=重点维护", "orders.status=cancelled"], ["C003"]),
    (["tag=重点维护|高风险", "orders.status=completed", "orders.max(date)<-1y"], ["C005"]),
    (["customer_type=老客户|流失客户", "orders.status=completed", "!orders.max(date)>=-1y"], ["C005"]),
    (["customer_type=老客户|新客户", "orders.status=completed", "orders.avg(amount)<55000"], ["C001"]),
    # tags
    (["tag=重点维护"], ["C001", "C003"]),
    (["+重点维护"], ["C001", "C003"]),
    (["标签=重点维护"], ["C001", "C003"]),
    (["!tag=重点维护"], ["C002", "C004", "C005", "C006"]),
    (["tag!=重点维护"], ["C002", "C004", "C005", "C006"]),
    (["tag=重点维护|高风险"], ["C001", "C003", "C005"]),
    (["tag~维护"], ["C001", "C003"]),
    (["tag!~维护"], ["C002", "C004", "C005", "C006"]),
    (["tag="], ["C002", "C004"]),
    (["!tag="], ["C001", "C003", "C005", "C006"]),
    (["+重点维护", "+价格敏感"], ["C001"]),
    # dates on a datetime column compared with days (TODAY = 2024-06-15)
    (["followups.date=2024-05-20"], ["C003"]),
    (["followups.date=2024/5/20"], ["C003"]),
    (["followups.date=this-month"], ["C001"]),
    (["followups.date=last-month"], ["C003"]),
    (["orders.date=2024-05"], ["C001"]),
    (["first_contact_date=2023-01-10"], ALL),
    (["first_contact_date>2023-01-10"], []),
    (["first_contact_date=this-year"], []),
    (["first_contact_date=last-year"], ALL),
    # the main table's own name as a prefix is the main table
    (["customers.owner=张伟"], ["C001", "C003"]),
    ([], ALL),
    (["  "], ALL),
])
def test_customer_filters(db: sqlite3.Connection, args: list[str], expected: list[str]) -> None:
    assert ids(db, *args) == expected


@pytest.mark.parametrize(("table", "args", "expected"), [
    ("orders", ["date=this-month"], ["DD5", "DD7"]),
    ("orders", ["date>=this-month"], ["DD5", "DD7"]),
    ("orders", ["date=last-month"], ["DD1"]),
    ("orders", ["date<last-month"], ["DD2", "DD3", "DD4", "DD6"]),
    ("orders", ["date<=last-month"], ["DD1", "DD2", "DD3", "DD4", "DD6"]),
    ("orders", ["date>last-month"], ["DD5", "DD7"]),
    ("orders", ["date>=-3m", "status!=已取消"], ["DD1", "DD3", "DD7"]),
    ("orders", ["date=2024-05-01|2024-06-10"], ["DD1", "DD7"]),
    ("orders", ["date!=2024-05-01"], ["DD2", "DD3", "DD4", "DD5", "DD6", "DD7"]),
    ("orders", ["amount>=50000", "customer_type=老客户"], ["DD1", "DD4"]),  # a customers field from orders
    ("orders", ["tag=重点维护"], ["DD1", "DD2", "DD5"]),
    ("orders", ["customers.owner=张伟", "status=completed"], ["DD1", "DD2"]),
    ("交易信息", ["金额>100000"], ["DD7"]),
    # datetime column: a day is the whole day; <= includes it; > starts the next day
    ("followups", ["date=2024-06-10"], ["F1"]),
    ("followups", ["date<=2024-05-20"], ["F2", "F3", "F4", "F5"]),
    ("followups", ["date<2024-05-20"], ["F2", "F4", "F5"]),
    ("followups", ["date>2024-05-20"], ["F1"]),
    ("followups", ["date>=2024-05-20"], ["F1", "F3"]),
    ("followups", ["date!=2024-06-10"], ["F2", "F3", "F4", "F5"]),
    ("followups", ["date>=-90d"], ["F1", "F3", "F5"]),  # -90d = 2024-03-17, F5 is that day
    ("followups", ["date>=2024-05-20 14:30"], ["F1", "F3"]),  # a moment compares as a moment
    ("followups", ["date>2024-05-20 14:30"], ["F1"]),
    ("followups", ["by~经理"], ["F1", "F3"]),
    ("tickets", ["date=2024-05-02", "satisfaction=5"], ["S1"]),
    ("tickets", ["satisfaction="], ["S4"]),
    ("contacts", ["role=基础联系人"], ["1"]),
])
def test_other_tables(db: sqlite3.Connection, table: str, args: list[str], expected: list[str]) -> None:
    assert ids(db, *args, table=table) == expected


@pytest.mark.parametrize(("args", "expected"), [
    (["phone=13812345678"], ["C001"]),
    (["phone=+86 138 1234 5678"], ["C001"]),
    (["phone=138-1234-5678"], ["C001"]),
    (["phone=138****5678"], ["C001"]),  # copied from the masked table output
    (["phone=010-****5678"], ["C002"]),
    (["phone=(010) 6234 5678"], ["C002"]),
    (["phone!=13812345678"], ["C002", "C003", "C004", "C005", "C006"]),
    (["phone!=138****5678"], ["C002", "C003", "C004", "C005", "C006"]),
    (["phone~5678"], ["C001", "C002"]),
    (["phone~1234 5678"], ["C001"]),
    (["phone=13812345678|13700002222"], ["C001", "C005"]),
])
def test_phones(db: sqlite3.Connection, args: list[str], expected: list[str]) -> None:
    assert ids(db, *args) == expected


@pytest.mark.parametrize(("arg", "message"), [
    ("status=意象", "did you mean 意向"),
    ("industy=制造业", "did you mean industry"),
    ("orders.amout>=5", "did you mean amount"),
    ("ordres.amount>=5", "did you mean orders"),
    ("customer_type=老客", "customer_type"),
    ("status", "filter 'status': needs field OP value"),
    ("=意向", "filter '=意向': nothing before '='"),
    ("satisfaction>=abc", "filter 'satisfaction>=abc'"),
    ("satisfaction>=9", "1 to 5"),
    ("orders.date>=someday", "filter 'orders.date>=someday'"),
    ("orders.count>=two", "whole number"),
    ("orders.sum(amount)>=lots", "number"),
    ("orders.sum()>=5", "sum() needs a field"),
    ("sum(amount)>=5", "aggregates apply to a related module"),
    ("!owner=张伟", "a leading ! negates a module condition"),
    ("status>意向", "holds labels"),
    ("tag>=x", "tags take"),
    ("+", "+ needs a tag name"),
    ("status~不存在", "invalid status"),
    ("name~", "needs some text"),
    ("name~华信|", "needs some text"),
    ("orders.count~1", "compare count"),
])
def test_bad_filters_name_the_argument_and_the_nearest_names(db: sqlite3.Connection, arg: str, message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        ids(db, arg)
    text = str(err.value)
    assert message in text
    assert "Traceback" not in text


def test_the_error_names_the_bad_argument_among_several(db: sqlite3.Connection) -> None:
    with pytest.raises(InvalidValue, match=r"^filter 'status=意象': invalid status '意象' \(did you mean 意向"):
        ids(db, "owner=张伟", "status=意象", "orders.count>=1")


def test_sort_limit_columns(db: sqlite3.Connection) -> None:
    cols, cur = filters.select(db, "customers", ["owner!="], columns="客户编号,负责人,satisfaction",
                               sort="-satisfaction,owner", limit=3, today=TODAY)
    assert cols == ["customer_id", "owner", "satisfaction"]
    # satisfaction descending (NULLs last in DESC), ties by owner, then by id
    assert [tuple(r) for r in cur] == [("C001", "张伟", 5), ("C002", "李娜", 3), ("C005", "王强", 2)]
    with pytest.raises(InvalidValue, match="did you mean"):
        filters.select(db, "customers", [], sort="satisfactoin")
    with pytest.raises(InvalidValue, match="--limit"):
        filters.select(db, "customers", [], limit=-1)
    assert filters.resolve_columns("customers", "all") == filters.fields.table("customers").columns


def test_count_and_compiled_interface(db: sqlite3.Connection) -> None:
    assert filters.count(db, "customers", ["orders.count<2"], today=TODAY) == 4
    compiled = filters.compile_filters("customers", ["status=意向", "orders.amount>=5万"], today=TODAY)
    # a WHERE expression over the table by its own name, values only as parameters
    assert "意向" not in compiled.where and "intent" not in compiled.where and "50000" not in compiled.where
    assert compiled.params == ["intent", 50000.0]
    rows = db.execute(f"SELECT customer_id FROM customers WHERE {compiled.where}", compiled.params).fetchall()
    assert [r[0] for r in rows] == ["C003"]
    assert filters.compile_filters("customers", []).where == "1"


@pytest.mark.parametrize(("text", "expected"), [
    ("today", ("2024-06-15", "2024-06-16")),
    ("yesterday", ("2024-06-14", "2024-06-15")),
    ("-90d", ("2024-03-17", "2024-03-18")),
    ("-3m", ("2024-03-15", "2024-03-16")),
    ("-1y", ("2023-06-15", "2023-06-16")),
    ("+7d", ("2024-06-22", "2024-06-23")),
    ("-2w", ("2024-06-01", "2024-06-02")),
    ("this-month", ("2024-06-01", "2024-07-01")),
    ("last-month", ("2024-05-01", "2024-06-01")),
    ("本月", ("2024-06-01", "2024-07-01")),
    ("this-year", ("2024-01-01", "2025-01-01")),
    ("last-year", ("2023-01-01", "2024-01-01")),
    ("this-week", ("2024-06-10", "2024-06-17")),  # 2024-06-15 is a Saturday
    ("2024-02", ("2024-02-01", "2024-03-01")),
    ("2024年2月", ("2024-02-01", "2024-03-01")),
    ("2024-05-20", None),
    ("soon", None),
])
def test_date_period(text: str, expected: tuple[str, str] | None) -> None:
    assert filters.date_period(text, TODAY) == expected


def test_relative_date_month_ends() -> None:
    assert filters.relative_date("-1m", date(2024, 3, 31)) == "2024-02-29"
    assert filters.relative_date("last-month", date(2024, 1, 15)) == "2023-12-01"
    assert filters.relative_date("2024-05-20", TODAY) is None


def test_explain_uses_indexes_not_child_table_scans(db: sqlite3.Connection) -> None:
    plan = " | ".join(filters.explain(db, "customers", ["!followups.date>=-90d"], today=TODAY))
    assert "idx_followups_date_customer" in plan
    assert "SCAN followups" not in plan and "SCAN r" not in plan


def test_the_compiler_picks_exists_only_with_few_candidates(db: sqlite3.Connection) -> None:
    args = ["followups.by~经理", "tag=重点维护"]
    assert "EXISTS (SELECT 1 FROM followups r WHERE r.customer_id = customers.customer_id" in \
        filters.compile_filters("customers", args, conn=db).where
    assert "EXISTS" not in filters.compile_filters("customers", args).where  # no connection: no probe
    assert "EXISTS" not in filters.compile_filters("customers", ["followups.by~经理"], conn=db).where  # no driver
    # an index narrows the module condition itself: IN, no probe needed
    assert "EXISTS" not in filters.compile_filters("customers", ["followups.date>=-90d", "tag=重点维护"], conn=db).where
    probed_agg = filters.compile_filters("customers", ["customer_type=新客户", "orders.count=0"], conn=db).where
    assert "SELECT count(*) AS v FROM orders r WHERE r.customer_id = customers.customer_id" in probed_agg
    agg = filters.compile_filters("customers", ["orders.notes~急", "orders.count=0"]).where
    assert "NOT INDEXED" in agg
    assert "NOT INDEXED" not in filters.compile_filters("customers", ["orders.count=0"]).where  # covering index


def test_index_knowledge_comes_from_schema_sql() -> None:
    from crmcli import filter_plan

    assert filter_plan.leads_index("orders", "date") and filter_plan.leads_index("tickets", "satisfaction")
    assert not filter_plan.leads_index("orders", "status")
    assert filter_plan.covered("orders", {"customer_id", "date", "amount"})
    assert filter_plan.covered("orders", {"customer_id", "status", "amount"})  # the reports' index
    assert not filter_plan.covered("orders", {"customer_id", "notes"})


def test_covered_aggregates_probe_more_candidates(db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "CAP", 0)  # as if every condition held for more rows than CAP
    covered = filters.compile_filters("customers", ["customer_type=新客户|潜在客户", "orders.count=0"], conn=db).where
    assert "SELECT count(*) AS v FROM orders r WHERE r.customer_id = customers.customer_id" in covered
    uncovered = filters.compile_filters(
        "customers", ["customer_type=新客户|潜在客户", "orders.notes~急", "orders.count=0"], conn=db).where
    assert "NOT INDEXED" in uncovered and "AS v" not in uncovered
    assert ids(db, "customer_type=新客户|潜在客户", "orders.count=0") == ["C004"]
    assert ids(db, "customer_type=新客户|潜在客户", "orders.status=completed", "orders.count=0") == ["C003", "C004"]
    monkeypatch.setattr(plan, "INDEX_CAP", 0)
    assert "AS v" not in filters.compile_filters("customers", ["customer_type=新客户", "orders.count=0"], conn=db).where


def test_a_less_selective_own_condition_does_not_drive(db: sqlite3.Connection) -> None:
    args = ["customer_type=老客户|新客户", "tag=重点维护", "orders.status=completed"]  # 3 customers vs 2 tagged
    where = filters.compile_filters("customers", args, conn=db).where
    assert "+customers.customer_type IN" in where
    assert ids(db, *args) == ["C001"]
