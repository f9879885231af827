"""Traditional-Chinese files as Windows writes them: Big5 (cp950) and Big5-HKSCS CSV, headers and labels in
Traditional characters and Taiwanese wording."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crmcli.importer.sources import detect_encoding

ROWS = [  # name, phone, type, status, source, level, industry
    ("台北華信貿易股份有限公司", "13812345678", "老客戶", "合作中", "展會", "VIP", "製造業"),
    ("新竹晶圓科技", "010-62345678", "新客戶", "潛在", "轉介紹", "普通", "半導體"),
    ("高雄海運物流", "13912000111", "高價值客戶", "合作中", "官網推薦", "潛力", "物流"),
    ("台中精密機械", "13722334455", "潛在客戶", "潛在", "主動開發", "普通", "機械"),
    ("桃園綠能電力", "13633444555", "流失客戶", "流失", "線上推廣", "流失", "能源"),
]
HEADER = "客戶名稱,聯絡電話,客戶類型,合作狀態,客戶來源,客戶等級,所屬行業"


def excel_csv(path: Path, encoding: str = "cp950", rows: list[tuple[str, ...]] = ROWS, header: str = HEADER) -> Path:
    """What Excel's "CSV" writes on Traditional-Chinese Windows: the ANSI code page, CRLF, no BOM."""
    lines = [header, *(",".join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_big5_csv_with_traditional_headers_and_labels_imports_whole(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = excel_csv(tmp_path / "客戶.csv")
    r = cli("import", str(src))
    assert r.exit_code == 0, r.output
    assert "Big5 (cp950)" in r.stderr
    assert "5 inserted" in r.stderr and "0 rejected" in r.stderr
    got = sqlite3.connect(db_path).execute(
        "SELECT name, phone, customer_type, status, source, level, industry FROM customers ORDER BY name").fetchall()
    assert sorted(got) == sorted([
        ("台北華信貿易股份有限公司", "13812345678", "returning", "active", "exhibition", "vip", "製造業"),
        ("新竹晶圓科技", "010-62345678", "new", "potential", "referral", "normal", "半導體"),
        ("高雄海運物流", "13912000111", "high_value", "active", "website", "promising", "物流"),
        ("台中精密機械", "13722334455", "potential", "potential", "outbound", "normal", "機械"),
        ("桃園綠能電力", "13633444555", "lost", "lost", "online_ads", "churned", "能源"),
    ]), "stored text stays as written, labels become canonical values"
    r = cli("query", "客戶類型=老客戶", "name~华信", "--format", "json", "--columns", "name")
    assert json.loads(r.output) == [{"name": "台北華信貿易股份有限公司"}]


def test_big5_hkscs(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [("深水埗電子", "13521234567", "新客戶", "潛在", "展會", "普通", "電子"),  # 埗 is an HKSCS character
            ("香港恒生貿易", "13529876543", "老客戶", "合作中", "轉介紹", "VIP", "貿易")]
    src = excel_csv(tmp_path / "hk.csv", "big5hkscs", rows)
    assert detect_encoding(src.read_bytes())[0] == "big5hkscs"
    r = cli("import", str(src))
    assert r.exit_code == 0, r.output
    names = {n for (n,) in sqlite3.connect(db_path).execute("SELECT name FROM customers")}
    assert names == {"深水埗電子", "香港恒生貿易"}


def test_gbk_still_read_as_gbk(tmp_path: Path) -> None:
    src = excel_csv(tmp_path / "cn.csv", "gbk", [("北京华信贸易", "13812345678", "老客户", "合作中", "展会", "普通", "制造业")],
                    "客户名称,联系电话,客户类型,合作状态,客户来源,客户等级,所属行业")
    assert detect_encoding(src.read_bytes()) == ("gb18030", "GBK")


def test_undecodable_file_names_the_encodings_tried(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name,phone\r\n" + bytes(range(0x80, 0x100)) * 40 + b"\r\n")
    before = sqlite3.connect(db_path).execute("SELECT count(*) FROM customers").fetchone()
    r = cli("import", str(bad))
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "Big5 (cp950)" in line and "GBK" in line and "--encoding" in line
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM customers").fetchone() == before
