"""Tests for crmcli.normalize: every accepted input form, every rejection, round trips."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.errors import CrmError, InvalidValue
from crmcli.normalize import (
    fold_width,
    is_masked,
    mask_email,
    mask_phone,
    name_key,
    normalize_bool,
    normalize_date,
    normalize_datetime,
    normalize_email,
    normalize_int_range,
    normalize_money,
    normalize_name,
    normalize_phone,
    phone_key,
)

ALL_NORMALIZERS = [
    normalize_phone,
    normalize_email,
    normalize_name,
    normalize_date,
    normalize_datetime,
    normalize_money,
    normalize_bool,
    lambda v: normalize_int_range(v, 1, 5, "satisfaction"),
]
BLANKS = [None, "", "   ", "\u3000", "\u00a0", " \u3000\t\n"]


@pytest.mark.parametrize("fn", ALL_NORMALIZERS)
@pytest.mark.parametrize("blank", BLANKS)
def test_blank_is_none(fn, blank):
    assert fn(blank) is None


def test_invalid_value_is_crm_error():
    assert issubclass(InvalidValue, CrmError)


# ------------------------------------------------------------------ fold_width


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１３８１２３４５６７８", "13812345678"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("zhang＠example．com", "zhang@example.com"),
        ("（010）", "(010)"),
        ("a\u3000b", "a b"),
        ("北京、上海。《合同》", "北京、上海。《合同》"),
        ("plain", "plain"),
    ],
)
def test_fold_width(raw, expected):
    assert fold_width(raw) == expected


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # mobiles
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("86-138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138.1234.5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("  13812345678\u3000", "13812345678"),
        ("\u00a013812345678\u00a0", "13812345678"),
        ("\ufeff13812345678\u200b", "13812345678"),
        ("86-0755-86001234", "0755-86001234"),
        ("86 010 62345678", "010-62345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("＋８６　１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        # spreadsheet numbers
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("13812345678.0", "13812345678"),
        ("1.3812345678E+10", "13812345678"),
        ("1.3812345678e10", "13812345678"),
        ("1.381234567E+10", "13812345670"),
        # landlines
        ("010-62345678", "010-62345678"),
        ("(010)62345678", "010-62345678"),
        ("（010）62345678", "010-62345678"),
        ("（０１０）６２３４５６７８", "010-62345678"),
        ("010 62345678", "010-62345678"),
        ("010 6234 5678", "010-62345678"),
        ("010-6234-5678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("+86 10 6234 5678", "010-62345678"),
        ("+86 (0)10 6234 5678", "010-62345678"),
        ("0086-10-62345678", "010-62345678"),
        ("861062345678", "010-62345678"),
        ("1062345678", "010-62345678"),
        (1062345678, "010-62345678"),
        (1062345678.0, "010-62345678"),
        ("021-12345678", "021-12345678"),
        ("2112345678", "021-12345678"),
        ("0755-86001234", "0755-86001234"),
        ("0755 8600 1234", "0755-86001234"),
        ("86-755-86001234", "0755-86001234"),
        ("+86 755 8600 1234", "0755-86001234"),
        ("75586001234", "0755-86001234"),
        (75586001234, "0755-86001234"),
        ("0571-87654321", "0571-87654321"),
        ("0898-66123456", "0898-66123456"),
        # extensions
        ("010-62345678-801", "010-62345678-801"),
        ("010-62345678转801", "010-62345678-801"),
        ("010-62345678 转 801", "010-62345678-801"),
        ("010-62345678 ext 801", "010-62345678-801"),
        ("010-62345678 ext. 801", "010-62345678-801"),
        ("010-62345678 EXT801", "010-62345678-801"),
        ("010-62345678x801", "010-62345678-801"),
        ("010-62345678分机801", "010-62345678-801"),
        ("(010)62345678-801", "010-62345678-801"),
        ("0755-86001234-1", "0755-86001234-1"),
        # service numbers
        ("400-820-8820", "400-820-8820"),
        ("4008208820", "400-820-8820"),
        ("400 820 8820", "400-820-8820"),
        (4008208820, "400-820-8820"),
        ("800-820-8820", "800-820-8820"),
        ("8008208820", "800-820-8820"),
        ("400-820-8820转3", "400-820-8820-3"),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "10086",
        "62345678",  # landline without area code
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12012345678",  # not a mobile prefix
        "10012345678",
        "0755-8600123",  # Shenzhen numbers have 8 digits
        "abc",
        "138-1234-567a",
        "tel: 13812345678",
        "13812345678/13912345678",
        "+44 20 7946 095",  # outside the mainland too: a digit short for London
        "+999 1234567",  # no country has that calling code
        "00852 2345 678",
        "17951 13812345678",  # IP-dialling prefix phonenumbers would silently strip
        "13812345678 ext 801",  # mobiles have no extension
        "13812345678转801",
        "13812345678-801",
        "010-62345678-8012345",  # extension too long
        "1.38123E+10",  # scientific notation lost digits
        "1.3812345678E+20",
        12.5,
        float("nan"),
        float("inf"),
        -13812345678,
        True,
        ["13812345678"],
    ],
)
def test_normalize_phone_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid phone "):
        normalize_phone(raw)


def test_phone_error_message_names_value():
    with pytest.raises(InvalidValue) as exc:
        normalize_phone("12345")
    assert str(exc.value) == (
        "invalid phone '*2345': a mobile has 11 digits starting with 1, a landline is area code + number like "
        "010-6234 5678, a number outside the mainland starts with + and its country code (+852, +886, +1 …)"
    )
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("raw", ["138****5678", "138 **** 5678", "010-****5678", "１３８＊＊＊＊５６７８"])
def test_masked_phone_rejected(raw):
    with pytest.raises(InvalidValue, match=r"^masked phone .* cannot be stored"):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138****5678", "138****5678"),
        ("138 **** 5678", "138****5678"),
        (" 010-****5678 ", "010-****5678"),
        ("１３８＊＊＊＊５６７８", "138****5678"),
    ],
)
def test_masked_phone_allowed(raw, expected):
    assert normalize_phone(raw, allow_masked=True) == expected


def test_allow_masked_still_normalizes_full_numbers():
    assert normalize_phone("+86 138-1234-5678", allow_masked=True) == "13812345678"


@pytest.mark.parametrize("raw", ["****", "abc*", "138****5678 call me"])
def test_allow_masked_rejects_garbage(raw):
    with pytest.raises(InvalidValue):
        normalize_phone(raw, allow_masked=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138****5678", True),
        ("１３８＊＊＊＊５６７８", True),
        ("z***@example.com", True),
        ("13812345678", False),
        ("", False),
        (None, False),
        (13812345678, False),
    ],
)
def test_is_masked(raw, expected):
    assert is_masked(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("010-62345678", "010-****5678"),
        ("010-62345678-801", "010-****5678"),
        ("0755-86001234", "0755-****1234"),
        ("0571-8765432", "****-***5432"),  # not a valid number: generic mask
        ("400-820-8820", "400-***-8820"),
        ("138****5678", "138****5678"),
        ("010-****5678", "010-****5678"),
        ("12345", "*2345"),
        ("", None),
        (None, None),
    ],
)
def test_mask_phone(raw, expected):
    assert mask_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("Li@QQ.com", "L***@QQ.com"),
        ("noatsign", "n***"),
        ("", None),
        (None, None),
    ],
)
def test_mask_email(raw, expected):
    assert mask_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-1234-5678", "13812345678"),
        (13812345678.0, "13812345678"),
        ("(010)62345678", "01062345678"),
        (1062345678, "01062345678"),
        ("010-62345678转801", "01062345678801"),
        ("400-820-8820", "4008208820"),
        ("138****5678", None),
        ("12345", None),
        ("garbage", None),
        (True, None),
        ("", None),
        (None, None),
    ],
)
def test_phone_key(raw, expected):
    assert phone_key(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("13812345678", "+86 138 1234 5678"),
        ("13812345678", 13812345678.0),
        ("010-62345678", "1062345678"),
        ("（010）62345678", "+86 10 6234 5678"),
        ("0755-86001234", 75586001234),
    ],
)
def test_phone_key_matches_equivalent_forms(a, b):
    assert phone_key(a) == phone_key(b) is not None


@pytest.mark.parametrize(
    "canonical",
    [
        "13812345678",
        "010-62345678",
        "0755-86001234",
        "010-62345678-801",
        "400-820-8820",
    ],
)
def test_phone_canonical_round_trip(canonical):
    assert normalize_phone(canonical) == canonical
    assert phone_key(canonical) == re.sub(r"\D", "", canonical)


# ------------------------------------------------------------------ email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhang.san@example.com", "zhang.san@example.com"),
        ("  Zhang.San@Example.COM ", "Zhang.San@example.com"),
        ("zhang＠example.com", "zhang@example.com"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
        ("\u3000li+crm@mail.example.com.cn\u3000", "li+crm@mail.example.com.cn"),
        ("mailto:wang@QQ.COM", "wang@qq.com"),
        ("first_last-1@sub-domain.example.org", "first_last-1@sub-domain.example.org"),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "zhang",
        "zhang@",
        "@example.com",
        "zhang@example",
        "zhang@@example.com",
        "zh ang@example.com",
        "zhang@exa mple.com",
        "zhang@example.c",
        "zhang..san@example.com",
        ".zhang@example.com",
        "zhang@.example.com",
        "zhang@example..com",
        "a@b.com; c@d.com",
    ],
)
def test_normalize_email_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid email '"):
        normalize_email(raw)


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  张三  ", "张三"),
        ("\u3000张三\u3000", "张三"),
        ("北京  科技\u3000\u3000有限公司", "北京 科技 有限公司"),
        ("John\t \nSmith", "John Smith"),
        ("\u00a0Acme\u00a0 Ltd\u00a0", "Acme Ltd"),
        ("北京科技（集团）有限公司", "北京科技（集团）有限公司"),  # no width folding
        ("ＡＢＣ公司", "ＡＢＣ公司"),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京科技（集团）有限公司", "北京科技(集团)有限公司"),
        ("北京科技（集团）有限公司", " 北京 科技 集团 有限公司 "),
        ("ＡＢＣ公司", "abc公司"),
        ("Acme, Inc.", "ACME INC"),
        ("张 三", "张三"),
        ("张三\u3000", "张三"),
        ("【华为】技术", "[华为]技术"),
    ],
)
def test_name_key_equal(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("北京科技（集团）有限公司", "北京科技集团有限公司"),
        ("Acme, Inc.", "acmeinc"),
        ("ＡＢＣ 公司", "abc公司"),
        ("", ""),
        (None, ""),
    ],
)
def test_name_key_value(raw, expected):
    assert name_key(raw) == expected


def test_name_key_distinguishes_different_names():
    assert name_key("张三") != name_key("张四")
    assert name_key("北京科技") != name_key("北京科技集团")


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-20", "2024-05-20"),
        ("2024-5-20", "2024-05-20"),
        ("2024/5/20", "2024-05-20"),
        ("2024/05/20", "2024-05-20"),
        ("2024.5.20", "2024-05-20"),
        ("2024年5月20日", "2024-05-20"),
        ("2024年05月20日", "2024-05-20"),
        ("2024年5月20号", "2024-05-20"),
        ("2024 年 5 月 20 日", "2024-05-20"),
        ("2024年5月20", "2024-05-20"),
        ("20240520", "2024-05-20"),
        (20240520, "2024-05-20"),
        ("2024-05-20 14:30:00", "2024-05-20"),
        ("2024-05-20T14:30:00", "2024-05-20"),
        ("2024/5/20 14:30", "2024-05-20"),
        ("２０２４－０５－２０", "2024-05-20"),
        ("\u30002024-05-20\u3000", "2024-05-20"),
        ("2024-02-29", "2024-02-29"),
        (date(2024, 5, 20), "2024-05-20"),
        (datetime(2024, 5, 20, 14, 30), "2024-05-20"),
        # Excel serials
        (45432, "2024-05-20"),
        (45432.0, "2024-05-20"),
        (45432.75, "2024-05-20"),
        ("45432", "2024-05-20"),
        ("45432.0", "2024-05-20"),
        (1, "1900-01-01"),
        (59, "1900-02-28"),
        (61, "1900-03-01"),
        (25569, "1970-01-01"),
        (36526, "2000-01-01"),
        # relative words use the injected today
        ("today", "2024-01-02"),
        ("TODAY", "2024-01-02"),
        ("今天", "2024-01-02"),
        ("昨天", "2024-01-01"),
        ("明天", "2024-01-03"),
    ],
)
def test_normalize_date(raw, expected):
    assert normalize_date(raw, today=date(2024, 1, 2)) == expected


def test_normalize_date_today_defaults_to_current_date():
    assert normalize_date("今天") == date.today().isoformat()


@pytest.mark.parametrize(
    "raw",
    [
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024年2月30日",
        "20240230",
        20241301,
        "5/20",
        "05-20",
        "20/05/2024",
        "5/20/2024",
        "24-05-20",
        "2024-5/20",
        "2024-05",
        "2024",
        "abc",
        "next tuesday",
        "2024-05-20 25:00",
        "2024-05-20 12:61",
        "2024-05-20 garbage",
        "May 20, 2024",
        60,  # Lotus' phantom 1900-02-29
        0,
        -1,
        3_000_000,
        float("nan"),
        "123",
        "999999",
        True,
        [2024, 5, 20],
    ],
)
def test_normalize_date_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid date '"):
        normalize_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-20 14:30", "2024-05-20 14:30:00"),
        ("2024-05-20 14:30:05", "2024-05-20 14:30:05"),
        ("2024/5/20 14:30:05", "2024-05-20 14:30:05"),
        ("2024-05-20T08:05:09", "2024-05-20 08:05:09"),
        ("2024-05-20 14:30:05.123", "2024-05-20 14:30:05"),
        ("2024-05-20 00:00:00", "2024-05-20 00:00:00"),
        ("2024年5月20日 14时30分", "2024-05-20 14:30:00"),
        ("2024年5月20日 9:05", "2024-05-20 09:05:00"),
        ("2024-05-20", "2024-05-20"),
        ("2024年5月20日", "2024-05-20"),
        (45432.5, "2024-05-20 12:00:00"),
        (45432.25, "2024-05-20 06:00:00"),
        ("45432.5", "2024-05-20 12:00:00"),
        (45432, "2024-05-20"),
        (datetime(2024, 5, 20, 14, 30, 5), "2024-05-20 14:30:05"),
        (datetime(2024, 5, 20, 14, 30, 5, 999), "2024-05-20 14:30:05"),
        (datetime(2024, 5, 20), "2024-05-20"),  # spreadsheet date cell at midnight
        (date(2024, 5, 20), "2024-05-20"),
    ],
)
def test_normalize_datetime(raw, expected):
    assert normalize_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["2024-05-20 24:00", "2024-02-30 10:00", "14:30", "abc", 60])
def test_normalize_datetime_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid date '"):
        normalize_datetime(raw)


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120,000", 120000.0),
        ("¥120,000.00", 120000.0),
        ("￥1,200.50", 1200.5),
        ("RMB 500", 500.0),
        ("rmb500", 500.0),
        ("CNY 1,000", 1000.0),
        ("人民币500元", 500.0),
        ("12万", 120000.0),
        ("12 万元", 120000.0),
        ("1.2万元", 12000.0),
        ("3.5亿", 350000000.0),
        ("3千", 3000.0),
        ("500元", 500.0),
        ("500元整", 500.0),
        ("120000.00", 120000.0),
        ("１２０，０００", 120000.0),
        ("0.125", 0.13),
        ("1.005", 1.01),
        (".5", 0.5),
        ("0", 0.0),
        ("-500", -500.0),
        ("-¥500", -500.0),
        ("¥-1,000.5", -1000.5),
        ("-0", 0.0),
        (500, 500.0),
        (1200.456, 1200.46),
        (-3, -3.0),
        (0, 0.0),
    ],
)
def test_normalize_money(raw, expected):
    result = normalize_money(raw)
    assert isinstance(result, float)
    assert result == expected


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "12,00",
        "1,2,3",
        "1.2.3",
        "(500)",
        "--5",
        "-¥-5",
        "+500",
        "万",
        "¥",
        "12万万",
        "500美元",
        "about 500",
        "5 00",
        float("nan"),
        float("inf"),
        True,
    ],
)
def test_normalize_money_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid amount "):
        normalize_money(raw)


# ------------------------------------------------------------------ int range


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", 4),
        (4, 4),
        (4.0, 4),
        ("4.0", 4),
        ("4分", 4),
        ("4 分", 4),
        ("４", 4),
        ("４分", 4),
        ("四", 4),
        ("★★★★☆", 4),
        (" 5 ", 5),
        ("1", 1),
    ],
)
def test_normalize_int_range(raw, expected):
    assert normalize_int_range(raw, 1, 5, "satisfaction") == expected


@pytest.mark.parametrize("raw", [0, 6, "6", "0分", 4.5, "4.5", "-1", "abc", "很好", "☆☆☆☆☆", True])
def test_normalize_int_range_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid satisfaction .*from 1 to 5"):
        normalize_int_range(raw, 1, 5, "satisfaction")


def test_normalize_int_range_message():
    with pytest.raises(InvalidValue) as exc:
        normalize_int_range("7", 1, 5, "satisfaction")
    assert str(exc.value) == "invalid satisfaction '7': satisfaction must be a whole number from 1 to 5"


# ------------------------------------------------------------------ bool


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", 1),
        ("是的", 1),
        ("否", 0),
        ("Y", 1),
        ("y", 1),
        ("N", 0),
        ("yes", 1),
        ("YES", 1),
        ("no", 0),
        ("true", 1),
        ("True", 1),
        ("false", 0),
        ("1", 1),
        ("0", 0),
        ("1.0", 1),
        ("１", 1),
        ("已完成", 1),
        ("完成", 1),
        ("未完成", 0),
        ("✓", 1),
        ("√", 1),
        ("✗", 0),
        ("×", 0),
        (" 是\u3000", 1),
        (True, 1),
        (False, 0),
        (1, 1),
        (0, 0),
        (1.0, 1),
        (0.0, 0),
    ],
)
def test_normalize_bool(raw, expected):
    assert normalize_bool(raw) == expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2, -1, 0.5, "是否", "yess", "完"])
def test_normalize_bool_rejects(raw):
    with pytest.raises(InvalidValue, match=r"^invalid yes/no value "):
        normalize_bool(raw)


# ------------------------------------------------------------------ properties

_mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_beijing = st.from_regex(r"[2-7][0-9]{7}", fullmatch=True).map(lambda n: f"010-{n}")
_shenzhen = st.from_regex(r"[2-7][0-9]{7}", fullmatch=True).map(lambda n: f"0755-{n}")
_decorate = st.sampled_from(["{}", " {} ", "+86 {}", "0086{}", "\u3000{}\u3000", "86-{}"])
FEW = settings(max_examples=200, deadline=None, database=None)


@FEW
@given(st.one_of(_mobiles, _beijing, _shenzhen), _decorate)
def test_phone_idempotent(number, template):
    once = normalize_phone(template.format(number))
    assert once == number.replace(" ", "")
    assert normalize_phone(once) == once
    assert phone_key(once) == re.sub(r"\D", "", once)


@FEW
@given(st.text(alphabet="0123456789 -+()转x*", max_size=20))
def test_phone_never_crashes_and_is_idempotent(raw):
    try:
        once = normalize_phone(raw, allow_masked=True)
    except InvalidValue:
        return
    assert normalize_phone(once, allow_masked=True) == once


@FEW
@given(st.one_of(_mobiles, _beijing, _shenzhen, st.text(alphabet="0123456789-", max_size=16)))
def test_mask_reveals_at_most_four_trailing_digits(raw):
    masked = mask_phone(raw)
    if masked is None:
        return
    local = masked.split("-", 1)[1] if re.fullmatch(r"0\d{2,3}-.*", masked) else masked
    if re.fullmatch(r"\d{3}\*{4}\d{4}", local):  # mobile: 3-digit carrier prefix is shown
        local = local[3:]
    assert len(re.sub(r"\D", "", local)) <= 4
    assert mask_phone(masked) == masked


@FEW
@given(st.dates(min_value=date(1927, 6, 1), max_value=date(2150, 12, 31)))
def test_date_round_trip(d):
    iso = d.isoformat()
    assert normalize_date(d) == iso
    assert normalize_date(iso) == iso
    assert normalize_date(f"{d.year}年{d.month}月{d.day}日") == iso
    assert normalize_date(f"{d.year}/{d.month}/{d.day}") == iso
    assert normalize_date(d.strftime("%Y%m%d")) == iso
    serial = (d - date(1899, 12, 30)).days
    assert normalize_date(serial) == iso


@FEW
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_round_trip(amount):
    value = normalize_money(f"{amount:,.2f}")
    assert value == float(amount)
    assert normalize_money(value) == value
    assert normalize_money(f"¥{amount:.2f}") == value


@FEW
@given(st.text(max_size=30))
def test_name_idempotent(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once
    if once is not None:
        assert name_key(once) == name_key(raw)
        assert name_key(name_key(raw)) == name_key(raw)
