"""exporter: formats, masking, labels, neutralisation, BOM and encodings, filters, the log entry."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli import exporter, output
from crmcli.errors import InvalidValue
from crmcli.normalize import mask_phone, normalize_phone
from tests.export_helpers import fill

COLS = "customer_id,name,phone,email,source,notes"


@pytest.fixture
def shop(conn: sqlite3.Connection) -> sqlite3.Connection:
    fill(conn)
    return conn


def run(conn: sqlite3.Connection, table: str = "customers", args: tuple[str, ...] = (), **kw: object) -> str:
    buf = io.StringIO()
    exporter.export(conn, table, args, stdout=buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_csv_carries_stored_values_masked_and_neutralised(shop: sqlite3.Connection) -> None:
    assert run(shop, columns=COLS) == (
        "customer_id,name,phone,email,source,notes\n"
        "C001,南京星河软件有限公司,138****5678,z***@example.com,exhibition,"
        '"\'=HYPERLINK(""http://x"",""点我"")"\n'
        "C002,李四,010-****5678,l***@example.org,referral,'-折扣20%\n"
    )


def test_csv_lang_zh_gives_chinese_headers_and_labels(shop: sqlite3.Connection) -> None:
    out = run(shop, columns="customer_id,source,customer_type,status,level", lang="zh")
    assert out == ("客户编号,客户来源,客户类型,合作状态,客户等级\n"
                   "C001,展会,老客户,合作中,VIP\n"
                   "C002,转介绍,新客户,潜在,\n")


def test_csv_lang_en_gives_english_labels(shop: sqlite3.Connection) -> None:
    out = run(shop, "orders", columns="order_id,amount,tax_included,status", lang="en")
    assert out == ("Order ID,Amount,Tax included,Status\n"
                   "DD001,120000.5,yes,Completed\n"
                   "DD002,500.0,no,Pending payment\n")


def test_tsv(shop: sqlite3.Connection) -> None:
    out = run(shop, "orders", fmt="tsv", columns="order_id,customer_id,date,amount")
    assert out == "order_id\tcustomer_id\tdate\tamount\nDD001\tC001\t2024-05-20\t120000.5\nDD002\tC002\t2024-06-01\t500.0\n"


def test_json_keeps_types_and_raw_text(shop: sqlite3.Connection) -> None:
    data = json.loads(run(shop, "orders", fmt="json", columns="order_id,amount,tax_included"))
    assert data == [{"order_id": "DD001", "amount": 120000.5, "tax_included": 1},
                    {"order_id": "DD002", "amount": 500.0, "tax_included": 0}]
    people = json.loads(run(shop, fmt="json", columns="customer_id,phone,notes"))
    # JSON is not opened by spreadsheets: no quote prefix; phones still masked.
    assert people[1] == {"customer_id": "C002", "phone": "010-****5678", "notes": "-折扣20%"}


def test_jsonl_one_object_per_line(shop: sqlite3.Connection) -> None:
    lines = run(shop, fmt="jsonl", columns="customer_id,email", lang="zh").splitlines()
    assert [json.loads(x) for x in lines] == [{"客户编号": "C001", "联系邮箱": "z***@example.com"},
                                             {"客户编号": "C002", "联系邮箱": "l***@example.org"}]


def test_filters_select_rows(shop: sqlite3.Connection) -> None:
    assert run(shop, "orders", ("amount>=1000",), columns="order_id") == "order_id\nDD001\n"
    assert run(shop, "customers", ("tag=重点维护",), columns="customer_id") == "customer_id\nC001\n"
    assert run(shop, "customers", ("客户类型=新客户",), columns="name") == "name\n李四\n"
    assert run(shop, "orders", ("amount>=1000000",), columns="order_id") == "order_id\n"


def test_unknown_table_field_or_filter_is_an_error(shop: sqlite3.Connection) -> None:
    with pytest.raises(InvalidValue, match="unknown table"):
        run(shop, "orderz")
    with pytest.raises(InvalidValue, match="unknown field"):
        run(shop, columns="customer_id,nmae")
    with pytest.raises(InvalidValue, match="unknown field"):
        run(shop, "customers", ("colour=red",))


def test_unmask_shows_full_values_and_logs_one_operation(shop: sqlite3.Connection) -> None:
    before = shop.execute("SELECT count(*) FROM changes").fetchone()[0]
    out = run(shop, "customers", ("source=展会",), columns="customer_id,phone,email", unmask=True)
    assert out == "customer_id,phone,email\nC001,13812345678,zhang.san@example.com\n"
    ops = shop.execute("SELECT kind, summary, details, user FROM operations").fetchall()
    assert len(ops) == 1
    kind, summary, details, user = ops[0]
    assert kind == "export"
    assert summary == "unmasked export of 1 customers to stdout"
    d = json.loads(details)
    assert (d["table"], d["filter"], d["rows"], d["file"], d["format"]) == ("customers", ["source=展会"], 1, "stdout", "csv")
    assert d["who"] == user
    assert shop.execute("SELECT count(*) FROM changes").fetchone()[0] == before  # no data rows written


def test_masked_export_is_not_logged(shop: sqlite3.Connection) -> None:
    run(shop)
    assert shop.execute("SELECT count(*) FROM operations").fetchone()[0] == 0


def test_file_gets_bom_stdout_does_not(shop: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    result = exporter.export(shop, "customers", (), output_path=str(path), columns="customer_id,name")
    assert result.rows == {"customers": 2}
    assert path.read_bytes() == "\ufeffcustomer_id,name\nC001,南京星河软件有限公司\nC002,李四\n".encode()
    assert not run(shop, columns="customer_id").startswith("\ufeff")
    plain = tmp_path / "plain.csv"
    exporter.export(shop, "customers", (), output_path=str(plain), columns="customer_id", encoding="utf-8")
    assert plain.read_bytes() == b"customer_id\nC001\nC002\n"
    as_json = tmp_path / "c.json"  # JSON parsers reject a BOM: never one there
    exporter.export(shop, "customers", (), output_path=str(as_json), columns="customer_id")
    assert as_json.read_bytes().startswith(b"[")


def test_stdout_binary_stream_gets_utf8_without_bom(shop: sqlite3.Connection) -> None:
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")
    exporter.export(shop, "customers", (), columns="name", stdout=text)
    assert raw.getvalue() == "name\n南京星河软件有限公司\n李四\n".encode()


def test_gbk_file(shop: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    exporter.export(shop, "customers", (), output_path=str(path), columns="name,source", lang="zh", encoding="gbk")
    assert path.read_bytes() == "客户全称,客户来源\n南京星河软件有限公司,展会\n李四,转介绍\n".encode("gbk")


def test_gbk_refuses_characters_it_cannot_hold_and_leaves_no_file(shop: sqlite3.Connection, tmp_path: Path) -> None:
    shop.execute("UPDATE customers SET name = '𠮷野家餐饮' WHERE customer_id = 'C002'")
    path = tmp_path / "old.csv"
    with pytest.raises(InvalidValue, match=r"'𠮷'.*cannot be written in gbk.*gb18030"):
        exporter.export(shop, "customers", (), output_path=str(path), columns="name", encoding="gbk")
    assert not path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".old.csv")]
    exporter.export(shop, "customers", (), output_path=str(path), columns="name", encoding="gb18030")
    assert path.read_bytes().decode("gb18030") == "name\n南京星河软件有限公司\n𠮷野家餐饮\n"


def test_format_from_suffix(shop: sqlite3.Connection, tmp_path: Path) -> None:
    for name, head in (("a.tsv", b"customer_id\tname"), ("a.jsonl", b'{"customer_id"'), ("a.json", b"[")):
        exporter.export(shop, "customers", (), output_path=str(tmp_path / name), columns="customer_id,name")
        assert (tmp_path / name).read_bytes().lstrip(b"\xef\xbb\xbf").startswith(head), name


def test_all_as_csv_writes_one_file_per_module_scoped_by_customer_filter(shop: sqlite3.Connection,
                                                                         tmp_path: Path) -> None:
    folder = tmp_path / "out"
    result = exporter.export(shop, "all", ("tag=重点维护",), output_path=str(folder))
    assert result.rows == {"customers": 1, "contacts": 0, "followups": 1, "orders": 1, "tickets": 0, "needs": 0,
                           "tags": 1}
    assert sorted(p.name for p in folder.iterdir()) == ["contacts.csv", "customers.csv", "followups.csv", "needs.csv",
                                                        "orders.csv", "tags.csv", "tickets.csv"]
    orders = (folder / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    assert orders[1].startswith("DD001,C001,2024-05-20,CRM 年度订阅,120000.5,1,completed")
    assert len(orders) == 2
    with pytest.raises(InvalidValue, match="FOLDER"):
        run(shop, "all")


def test_write_cells_streams_rows_as_they_are_read() -> None:
    out = io.StringIO()
    written_before: list[int] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(1000):
            written_before.append(out.getvalue().count("\n"))
            yield (i, f"row{i}")

    assert output.write_cells(rows(), ["n", "name"], "csv", out) == 1000
    # When row i is produced, the header and all i earlier rows are already written.
    assert written_before == [i + 1 for i in range(1000)]


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("010-62345678", "010-****5678"), ("0755-86013388", "0755-****3388"),
    ("010-62345678-801", "010-****5678"), ("400-820-8820", "400-***-8820"),
])
def test_stored_phone_mask(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked == _sql_masked("phone", [phone])[0]


def _sql_masked(kind: str, values: list[str | None], safe: bool = True) -> list[str | None]:
    conn = sqlite3.connect(":memory:")
    exporter._register_functions(conn)
    conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(v,) for v in values])
    return [r[0] for r in conn.execute(f"SELECT {exporter.sql_mask(kind, 'v', safe)} FROM t ORDER BY i")]


def test_sql_phone_mask_literal() -> None:
    phones = ["13812345678", "010-62345678", "0755-86013388", "0571-8888888", "010-62345678-801", "400-820-8820", None]
    assert _sql_masked("phone", phones) == ["138****5678", "010-****5678", "0755-****3388", "0571-***8888",
                                            "010-****5678", "400-***-8820", None]


@settings(max_examples=40)
@given(st.lists(st.from_regex(r"1[3-9][0-9]{9}|0(10|2[0-9]|[3-9][0-9]{2})-[2-8][0-9]{6,7}(-[0-9]{1,4})?|"
                              r"[48]00-?[0-9]{3}-?[0-9]{4}", fullmatch=True), max_size=10))
def test_sql_phone_mask_agrees_with_mask_phone(raws: list[str]) -> None:
    canon = []
    for raw in raws:
        try:
            canon.append(normalize_phone(raw))
        except InvalidValue:
            pass  # not storable, so never stored
    assert _sql_masked("phone", canon) == [mask_phone(p) for p in canon]


@settings(max_examples=40)
@given(st.lists(st.emails() | st.sampled_from(["=x@evil.com", "'@a.b", "+1@x.cn", "张三@例子.中国", "a@b@c.com"]),
                max_size=10))
def test_sql_email_mask_agrees_with_mask_email(raws: list[str]) -> None:
    from crmcli.cells import neutralise
    from crmcli.normalize import mask_email, normalize_email

    emails = []
    for raw in raws:
        try:
            emails.append(normalize_email(raw))
        except InvalidValue:
            emails.append(raw)  # odd stored text: the Python path handles it
    assert _sql_masked("email", emails) == [neutralise(mask_email(e)) for e in emails]
    assert _sql_masked("email", emails, safe=False) == [mask_email(e) for e in emails]


def test_a_device_path_is_written_like_stdout(shop: sqlite3.Connection, tmp_path: Path) -> None:
    # -o /dev/stdout (or a FIFO) is a stream, not a file for Excel: no BOM, no temporary file beside it.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    exporter.export(shop, "customers", (), output_path=str(fifo), columns="customer_id")
    reader.join(timeout=10)
    assert got == [b"customer_id\nC001\nC002\n"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pipe")]


def test_open_label_field_segment(shop: sqlite3.Connection) -> None:
    # segment's labels are open (a rules file may name others): known ones translate, others stay and are neutralised.
    shop.execute("UPDATE customers SET segment = CASE customer_id WHEN 'C001' THEN 'high_value' ELSE '=自定义' END")
    assert run(shop, columns="customer_id,segment", lang="zh") == "客户编号,客户分层\nC001,高价值\nC002,'=自定义\n"
    assert run(shop, columns="customer_id,segment") == "customer_id,segment\nC001,high_value\nC002,'=自定义\n"


def test_explicit_utf8_sig_on_stdout_has_one_bom(shop: sqlite3.Connection) -> None:
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")  # kept referenced: collecting it would close raw
    exporter.export(shop, "customers", (), columns="customer_id", encoding="utf-8-sig", stdout=text)
    assert raw.getvalue() == b"\xef\xbb\xbfcustomer_id\nC001\nC002\n"
