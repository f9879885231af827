"""Local numbers of Taiwan, Hong Kong and Macau as people there write them: a Taiwan mobile (0912-345-678)
anywhere, and with config `region` HK / MO / TW the region's landlines and 8-digit numbers. Stored in
E.164 like every number outside the mainland, so they mask, match and dedupe as +886 / +852 numbers do."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli import phone_regions
from crmcli.errors import InvalidValue
from crmcli.normalize import mask_phone, mask_text, normalize_phone, phone_key
from crmcli.phone_regions import set_region
from tests.conftest import Runner


@pytest.fixture(autouse=True)
def _mainland_after() -> Iterator[None]:
    yield
    set_region(None)


@pytest.mark.parametrize(("region", "typed", "stored"), [
    ("CN", "0912-345-678", "+886912345678"),        # 10 digits from 09: no mainland number has that shape
    ("CN", "0912 345 678", "+886912345678"),
    ("HK", "0912345678", "+886912345678"),
    ("TW", "02-2345-6789", "+886223456789"),        # Taipei landline, with the trunk 0 as dialled there
    ("TW", "(02)2345-6789 轉 12", "+886223456789-12"),  # the extension mark in Traditional too
    ("TW", "0800-123-456", "+886800123456"),
    ("HK", "9123 4567", "+85291234567"),
    ("HK", "2345-6789", "+85223456789"),
    ("MO", "6612 3456", "+85366123456"),
    ("TW", "13812345678", "13812345678"),           # mainland numbers keep their forms in every region
    ("HK", "010-62345678", "010-62345678"),
    ("HK", "400-820-8820", "400-820-8820"),
    ("TW", "+852 2345 6789", "+85223456789"),
])
def test_local_numbers_are_stored_in_e164(region: str, typed: str, stored: str) -> None:
    set_region(region)
    assert normalize_phone(typed) == stored
    assert normalize_phone(stored) == stored  # a fixed point: doctor and re-import leave it
    assert phone_key(typed) == phone_key(stored)


@pytest.mark.parametrize(("region", "typed"), [
    ("CN", "9123 4567"), ("CN", "02-2345-6789"),   # ambiguous on the mainland: the region must say
    ("TW", "6612 3456"),                            # a Taiwan landline without its area code
    ("MO", "9123 4567"), ("HK", "02-2345-6789"),
])
def test_ambiguous_or_foreign_shapes_are_refused(region: str, typed: str) -> None:
    set_region(region)
    with pytest.raises(InvalidValue, match="invalid phone"):
        normalize_phone(typed)


def test_the_refusal_names_the_region_setting() -> None:
    with pytest.raises(InvalidValue, match=r"crm config set region HK"):
        normalize_phone("9123 4567")


def test_masked_as_numbers_outside_the_mainland() -> None:
    set_region("HK")
    assert mask_phone(normalize_phone("9123 4567")) == "+852****4567"
    assert mask_phone(normalize_phone("0912-345-678")) == "+886*****5678"
    line = "crm add customer --phone 9123-4567 --fax 0912-345-678 --id C20240520001 --date 2024-05-20"
    assert mask_text(line) == "crm add customer --phone +852****4567 --fax +886*****5678 --id C20240520001 --date 2024-05-20"


def test_cli_region_add_import_and_dedupe(cli: Runner, conn: sqlite3.Connection, tmp_path: Path) -> None:
    r = cli("add", "customer", "--name", "台北華信", "--phone", "0912-345-678")
    assert r.exit_code == 0, r.output
    r = cli("add", "customer", "--name", "香港華信", "--phone", "9123 4567")
    assert r.exit_code == 1 and "crm config set region HK" in r.stderr and "Traceback" not in r.output
    assert cli("config", "set", "region", "XX").exit_code == 1
    assert cli("config", "set", "region", "tw").exit_code == 0 and cli("config", "get", "region").stdout.strip() == "TW"
    csv = tmp_path / "客戶.csv"
    csv.write_text("客戶名稱,聯絡電話\n台中華信,04-2345-6789\n台北華信貿易,+886 912 345 678\n", encoding="utf-8")
    r = cli("import", str(csv))
    assert r.exit_code == 0, r.output
    phones = dict(conn.execute("SELECT name, phone FROM customers").fetchall())
    assert phones == {"台北華信": "+886912345678", "台中華信": "+886423456789", "台北華信貿易": "+886912345678"}
    r = cli("query", "phone=0912345678", "--columns", "name", "--format", "csv")
    assert r.stdout.splitlines()[1:] == ["台北華信", "台北華信貿易"]
    r = cli("dedupe", "--format", "json")
    assert r.exit_code == 0, r.output
    [cluster] = json.loads(r.stdout)
    assert {m["name"] for m in cluster["members"]} == {"台北華信", "台北華信貿易"}
    assert {m["phone"] for m in cluster["members"]} == {"+886*****5678"}  # masked, as every number outside
    assert phone_regions.current() == "TW"
    assert cli("config", "set", "region").exit_code == 0  # removed: the mainland again
    assert cli("add", "customer", "--name", "台南", "--phone", "06-234-5678").exit_code == 1
