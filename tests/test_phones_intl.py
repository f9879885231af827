"""Numbers from outside the mainland: stored in E.164, shown formatted, masked, queried by their
masked form, a dedupe key; mainland numbers keep their forms."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crmcli import fields, filters, records
from crmcli.dedupe.match import fast_phone_key, is_mobile
from crmcli.errors import InvalidValue
from crmcli.normalize import format_phone, is_masked, mask_phone, mask_text, normalize_phone, phone_key

ISSUE = [  # the issue's four, as typed -> stored, shown, masked
    ("+852 2345 6789", "+85223456789", "+852 2345 6789", "+852****6789"),
    ("+886 2 2345 6789", "+886223456789", "+886 2 2345 6789", "+886*****6789"),
    ("+65 6123 4567", "+6561234567", "+65 6123 4567", "+65****4567"),
    ("+1 415 555 0100", "+14155550100", "+1 415-555-0100", "+1******0100"),
]


@pytest.mark.parametrize(("typed", "stored", "shown", "masked"), ISSUE)
def test_international_numbers_are_stored_shown_and_masked(typed: str, stored: str, shown: str, masked: str) -> None:
    assert normalize_phone(typed) == stored
    assert normalize_phone(stored) == stored  # stored form is a fixed point (doctor, re-import)
    assert format_phone(stored) == shown
    assert fields.display(fields.TABLES["customers"].by_name["phone"], stored, "en") == shown
    assert mask_phone(stored) == mask_phone(typed) == masked
    assert is_masked(masked) and normalize_phone(masked, allow_masked=True) == masked
    assert phone_key(stored) == fast_phone_key(stored) == stored and not is_mobile(stored)


@pytest.mark.parametrize(("typed", "stored"), [
    ("00852 2345 6789", "+85223456789"),       # the international prefix instead of +
    ("+852-9123-4567", "+85291234567"),        # a Hong Kong mobile
    ("+44 (0)20 7946 0958", "+442079460958"),  # the trunk 0 in brackets
    ("+1 415 555 0100 ext 12", "+14155550100-12"),
    ("+86 138 1234 5678", "13812345678"),      # the mainland keeps today's forms
    ("0086 10 6234 5678", "010-62345678"),
])
def test_other_spellings(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


def test_an_invalid_international_number_says_which_country() -> None:
    with pytest.raises(InvalidValue, match=r"^invalid phone '\+\*\*\* \*\*\*5 678': not a valid number of HK \(\+852\)$"):
        normalize_phone("+852 2345 678")
    with pytest.raises(InvalidValue, match="no country has that calling code"):
        normalize_phone("+999 1234567")


def test_extension_and_keys() -> None:
    assert mask_phone("+14155550100-12") == "+1******0100"  # the extension is dropped, as for landlines
    assert format_phone("+14155550100-12") == "+1 415-555-0100 ext. 12"
    assert phone_key("+14155550100-12") == fast_phone_key("+14155550100-12") == "+14155550100"
    # the mainland keys are what they were: digits
    assert phone_key("13812345678") == fast_phone_key("13812345678") == "13812345678" and is_mobile("13812345678")
    assert fast_phone_key("+8613812345678") == "13812345678" and mask_phone("+8613812345678") == "138****5678"


def test_logged_text_masks_them() -> None:
    line = "crm add customer --name 港商 --phone '+852 2345 6789' --fax 0085223456789 --id C20241122001"
    assert mask_text(line) == "crm add customer --name 港商 --phone '+852****6789' --fax +852****6789 --id C20241122001"


def test_query_by_masked_form_and_dedupe_by_number(conn: sqlite3.Connection) -> None:
    a = records.add(conn, "customers", {"name": "香港华信贸易有限公司", "phone": "+852 9123 4567"})
    b = records.add(conn, "customers", {"name": "香港華信貿易有限公司", "phone": "00852-9123-4567"})
    records.add(conn, "customers", {"name": "新加坡公司", "phone": "+65 6123 4567"})
    got = [r[0] for r in filters.select(conn, "customers", ["phone=+852****4567"], columns=["customer_id"])[1]]
    assert got == [a, b]
    from crmcli.dedupe import scan

    clusters = scan.scan(conn).clusters
    assert [sorted(c.ids()) for c in clusters] == [[a, b]]
    assert "same phone" in clusters[0].members[1]["reason"]


def test_cli_round_trip_and_show(cli, conn: sqlite3.Connection, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for typed, *_ in ISSUE:
        assert cli("add", "customer", "--name", f"公司{typed}", "--phone", typed).exit_code == 0
    out = tmp_path / "c.csv"
    assert cli("export", "customers", "-o", str(out)).exit_code == 0  # masked by default
    text = out.read_text(encoding="utf-8-sig")
    assert "+852****6789" in text and "23456789" not in text
    res = cli("import", str(out), "--on-conflict", "update")
    assert res.exit_code == 0, res.output
    assert "0 inserted, 0 updated" in res.stderr and "4 unchanged" in res.stderr
    assert sorted(r[0] for r in conn.execute("SELECT phone FROM customers")) == sorted(s for _, s, _, _ in ISSUE)
    cid = conn.execute("SELECT customer_id FROM customers WHERE phone = '+85223456789'").fetchone()[0]
    card = json.loads(cli("show", cid, "--format", "json").stdout)
    assert card["customer"]["phone"] == "+852****6789"
    table = cli("query", "phone~+852", "--columns", "name,phone", "--format", "table", "--unmask")
    assert "+852 2345 6789" in table.stdout
