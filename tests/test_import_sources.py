"""crm import reads files as office software writes them: every encoding and dialect,
written by the test itself, imports the same three customers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcli import fields
from crmcli.importer import import_file
from crmcli.importer.headers import clean_header, find_header, map_columns, match_header
from crmcli.importer.sources import SourceError, detect_encoding, open_source, sniff_delimiter

ROWS = [
    ["客户名称", "联系电话", "邮箱", "所属行业", "备注"],
    ["北京华信科技有限公司", "13812345678", "info@huaxin.com", "制造业", "老客户,年底续约"],
    ["上海云帆贸易有限公司", "021-62345678", "", "批发和零售业", "第一行\n第二行"],
    ["深圳星辰电子有限公司", "", "sales@xingchen.cn", "", "价格敏感; 要求折扣"],
]
EXPECTED = [
    ("北京华信科技有限公司", "13812345678", "info@huaxin.com", "制造业", "老客户,年底续约"),
    ("上海云帆贸易有限公司", "021-62345678", None, "批发和零售业", "第一行\n第二行"),
    ("深圳星辰电子有限公司", None, "sales@xingchen.cn", None, "价格敏感; 要求折扣"),
]


def _csv_text(rows: list[list[str]], delimiter: str, newline: str = "\r\n") -> str:
    out = []
    for row in rows:
        cells = []
        for c in row:
            if any(ch in c for ch in (delimiter, '"', "\n", "\r")):
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(delimiter.join(cells))
    return newline.join(out) + newline


def _stored(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT name, phone, email, industry, notes FROM customers ORDER BY rowid")]


@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("gbk", "GBK"),
    ("gb18030", "GBK"),  # this text is inside GBK, so it is reported as GBK
    ("utf-16", "UTF-16"),  # Excel's "Unicode text": UTF-16 with BOM
])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_encoding_and_separator(conn, tmp_path: Path, encoding: str, label: str, delimiter: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(_csv_text(ROWS, delimiter).encode(encoding))
    result = import_file(conn, str(path))
    assert result.detected["encoding"] == label
    assert result.detected["delimiter"] == {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
    assert _stored(conn) == EXPECTED


def test_gb18030_only_characters_are_detected(conn, tmp_path: Path) -> None:
    rows = [["客户名称", "联系电话"], ["㐀㐁科技有限公司", "13812345678"]]  # CJK extension A: not in GBK
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_text(rows, ",").encode("gb18030"))
    result = import_file(conn, str(path))
    assert result.detected["encoding"] == "GB18030"
    assert conn.execute("SELECT name FROM customers").fetchone()[0] == "㐀㐁科技有限公司"


def test_lf_line_endings_and_utf16_tab_text(conn, tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(_csv_text(ROWS, "\t", "\n").encode("utf-16"))
    import_file(conn, str(path))
    assert _stored(conn) == EXPECTED


def test_encoding_override(conn, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_text(ROWS, ",").encode("gbk"))
    result = import_file(conn, str(path), encoding="gb2312")
    assert result.detected["encoding"] == "gb2312"
    assert _stored(conn) == EXPECTED


def test_wrong_encoding_override_is_a_clear_error(conn, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_text(ROWS, ",").encode("gbk"))
    with pytest.raises(SourceError, match="not utf-8 text"):
        import_file(conn, str(path), encoding="utf-8")


def test_detect_encoding_direct() -> None:
    assert detect_encoding("客户".encode()) == ("utf-8", "UTF-8")
    assert detect_encoding(b"\xef\xbb\xbfname") == ("utf-8-sig", "UTF-8 with BOM")
    assert detect_encoding("客户名称,电话".encode("gbk")) == ("gb18030", "GBK")
    assert detect_encoding("name\tphone".encode("utf-16-le")) == ("utf-16-le", "UTF-16LE")
    with pytest.raises(SourceError, match="binary"):
        detect_encoding(bytes(range(256)) * 4)


def test_sniff_delimiter_ignores_separators_inside_quotes() -> None:
    assert sniff_delimiter('a;b;c\n"x,y";2;3\n"p,q";5;6\n') == ";"
    assert sniff_delimiter("a,b\n1,2\n") == ","
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"


def test_stdin_is_spooled(conn, tmp_path: Path) -> None:
    import io

    data = _csv_text(ROWS, ",").encode("gbk")
    result = import_file(conn, "-", stdin=io.BytesIO(data))
    assert result.file == "stdin"
    assert _stored(conn) == EXPECTED


def test_open_source_says_workbook_for_zip_magic(tmp_path: Path) -> None:
    path = tmp_path / "book.bin"
    path.write_bytes(b"PK\x03\x04rest")
    assert open_source(str(path)).kind == "workbook"


# ---------------------------------------------------------------------------- headers

@pytest.mark.parametrize(("header", "field"), [
    ("客户名称", "name"), ("客户全称", "name"), ("公司名称", "name"), ("Company", "name"), ("Account Name", "name"),
    ("联系方式", "phone"), ("联系电话", "phone"), ("手机", "phone"), ("Phone", "phone"), ("Mobile", "phone"),
    ("E-mail", "email"), ("Email Address", "email"), ("邮箱", "email"), ("联系人", "contact_name"),
    ("客户名称*", "name"), ("联系电话(必填)", "phone"), ("客户\n名称", "name"), ("customer_id", "customer_id"),
    ("客户编号", "customer_id"), ("客户类型", "customer_type"), ("首次接触时间", "first_contact_date"),
    ("Lead Source", "source"), ("Job Title", "contact_title"), ("序号", "-"), ("微信号", None),
    ("Mobile Phone", "phone"), ("Business Phone", "phone"), ("手机号码", "phone"), ("座机", "phone"),
    ("电子邮件", "email"), ("E-Mail Address", "email"), ("Account Owner", "owner"), ("Created Date", "created_at"),
    ("创建日期", "created_at"), ("公司", "name"), ("客户级别", "level"), ("Description", "notes"), ("segment", None),
])
def test_customer_headers(header: str, field: str | None) -> None:
    assert match_header(fields.TABLES["customers"], header) == field


@pytest.mark.parametrize(("table", "header", "field"), [
    ("followups", "客户名称", "customer_name"), ("followups", "Company", "customer_name"),
    ("followups", "客户编号", "customer_id"), ("followups", "跟进时间", "date"), ("followups", "联系方式", "method"),
    ("orders", "金额(元)", "amount"), ("orders", "金额（元）", "amount"), ("orders", "订单编号", "order_id"),
    ("tickets", "反馈类型", "type"), ("needs", "需求描述", "description"),
])
def test_module_headers(table: str, header: str, field: str) -> None:
    assert match_header(fields.TABLES[table], header) == field


def test_clean_header_strips_marks() -> None:
    assert clean_header(" 客户名称 * ") == "客户名称"
    assert clean_header("电话（必填）") == "电话"


def test_header_row_below_a_title_is_found() -> None:
    rows = [["2024年客户信息表", None, None], [None, None, None], ["客户名称", "联系电话", "邮箱"], ["甲", "1", "2"]]
    found = find_header(rows, None)
    assert found is not None
    assert found[0] == 2
    assert found[1].name == "customers"


def test_module_is_chosen_by_headers() -> None:
    rows = [["客户名称", "跟进时间", "跟进方式", "沟通要点", "跟进人"]]
    assert find_header(rows, None)[1].name == "followups"  # type: ignore[index]
    rows = [["客户名称", "订单编号", "下单日期", "金额"]]
    assert find_header(rows, None)[1].name == "orders"  # type: ignore[index]


def test_column_mapped_twice_is_an_error() -> None:
    from crmcli.errors import InvalidValue

    with pytest.raises(InvalidValue, match=r"'联系电话' and '手机' both map to customers\.phone"):
        map_columns(fields.TABLES["customers"], ["客户名称", "联系电话", "手机"], {})
    m = map_columns(fields.TABLES["customers"], ["客户名称", "联系电话", "手机"], {"手机": "-"})
    assert m.columns == {0: "name", 1: "phone"}
    assert m.ignored == ["手机"]


def test_csv_with_title_rows_above_the_header(conn, tmp_path: Path) -> None:
    text = "2024年客户名单\r\n导出日期: 2024-11-22\r\n\r\n" + _csv_text(ROWS, ",")
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode("gbk"))
    result = import_file(conn, str(path))
    assert result.sheets[0].header_line == 4
    assert _stored(conn) == EXPECTED


def test_rows_with_trailing_cells_left_out(conn, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("客户名称,联系电话,邮箱,备注\r\n甲,13800000001\r\n乙,13800000002,b@x.com,,,\r\n".encode())
    import_file(conn, str(path))
    assert [tuple(r) for r in conn.execute("SELECT name, phone, email, notes FROM customers ORDER BY rowid")] == [
        ("甲", "13800000001", None, None), ("乙", "13800000002", "b@x.com", None)]


def test_json_whose_utf16_ends_in_half_a_character_is_one_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Found by test_properties: the sample decodes (incrementally), the whole file does not."""
    bad = tmp_path / "x.csv"
    bad.write_bytes(b"\x00{\x00")
    res = cli("import", str(bad))
    assert res.exit_code == 1 and "is not UTF-16BE text" in res.stderr and "Traceback" not in res.stderr
