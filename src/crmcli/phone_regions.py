"""Where a phone number written without a country code is from (config `region`; crmcli.normalize).

CN (the default) reads only mainland forms. HK, MO, TW (any region phonenumbers knows) first reads that
region's local numbers as dialled there (2345 6789, 02-2345-6789) into E.164, then mainland forms. A
Taiwan mobile -- 10 digits starting 09, a shape no mainland number has -- is read in every region. The
CLI sets the region from config when it opens the database; the library default is CN.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from crmcli.i18n import N_

REGION_HINT = N_("a local number of Hong Kong, Macau or Taiwan needs its region: `crm config set region HK` (or MO, "
                 "TW), or write it with + and its country code (+852 …)")
# Local numbers inside free text (a logged command line, a message), masked by normalize.mask_text.
_TW_MOBILE = r"09\d{2}[\s-]?\d{3}[\s-]?\d{3}"
_IN_TEXT = {"TW": r"0[2-8]\d{0,2}[\s-]?\d{3,4}[\s-]?\d{3,4}", "HK": r"[2-9]\d{3}[\s-]?\d{4}",
            "MO": r"[2-9]\d{3}[\s-]?\d{4}"}

_region = "CN"


def _phonenumbers() -> Any:
    import phonenumbers

    return phonenumbers


def format_phone(phone: str | None) -> str | None:
    """How a person reads a stored phone (crmcli.normalize re-exports it): '+85223456789' -> '+852 2345 6789'; mainland forms as stored."""
    if not phone or phone[:1] != "+" or "*" in phone:
        return phone
    main, _, ext = phone.partition("-")
    phonenumbers = _phonenumbers()
    try:
        shown = phonenumbers.format_number(phonenumbers.parse(main, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return phone
    return f"{shown} ext. {ext}" if ext else shown


def known_region(code: str) -> bool:
    return code == "CN" or code in _phonenumbers().SUPPORTED_REGIONS


def set_region(code: str | None) -> str:
    """Read numbers without a country code as CODE's first (None: CN); returns the region in force."""
    global _region
    code = (code or "CN").strip().upper()
    _region = code if known_region(code) else "CN"
    return _region


def current() -> str:
    return _region


def local(digits: str, ext: str | None) -> str | None:
    """DIGITS (a number without a country code) as another region's number in E.164; None: not one."""
    regions = (["TW"] if len(digits) == 10 and digits.startswith("09") else []) + \
        ([_region] if _region != "CN" else [])
    if not regions:
        return None
    phonenumbers = _phonenumbers()
    for region in regions:
        try:
            num = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        trunk = phonenumbers.ndd_prefix_for_region(region, True) or ""
        if num.country_code == 86 or digits != trunk + str(num.national_number) or not phonenumbers.is_valid_number(num):
            continue  # mainland forms are read by the mainland rules; written as dialled there (02-…, 0912-…)
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        return f"{e164}-{ext}" if ext else e164
    return None


def mask_in_text(text: str) -> str:
    """TEXT with the local numbers in it (the current region's shapes, and Taiwan mobiles) masked, where
    they read as a real number there (normalize.mask_text)."""
    if "09" not in text and _region == "CN":
        return text
    from crmcli.errors import InvalidValue
    from crmcli.normalize import mask_phone, normalize_phone

    def masked(m: re.Match[str]) -> str:
        try:
            number = normalize_phone(m.group())
        except InvalidValue:
            return m.group()
        return mask_phone(number) or "" if number and number[0] == "+" else m.group()

    return _in_text(_region if _region in _IN_TEXT else "").sub(masked, text)


@functools.cache
def _in_text(region: str) -> re.Pattern[str]:
    shapes = "|".join([_TW_MOBILE] + ([_IN_TEXT[region]] if region else []))
    return re.compile(rf"(?<![\w*+-])(?:{shapes})(?![\w*])")
