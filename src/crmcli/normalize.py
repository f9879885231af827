"""Pure value normalisers for CRM fields (phones, e-mails, names, dates, money, flags).

Every ``normalize_*`` function accepts ``None`` or a blank string and returns ``None``;
anything that cannot be understood raises :class:`crmcli.errors.InvalidValue` with a
one-line English message that names the offending value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from crmcli import phone_regions as regions
from crmcli.errors import InvalidValue
from crmcli.i18n import N_, _
from crmcli.phone_regions import format_phone

__all__ = [
    "drop_controls",
    "fold_width",
    "format_phone",
    "is_masked",
    "mask_email",
    "mask_phone",
    "mask_text",
    "mask_value",
    "name_key",
    "normalize_bool",
    "normalize_date",
    "normalize_datetime",
    "normalize_email",
    "normalize_int_range",
    "normalize_money",
    "normalize_name",
    "normalize_phone",
    "phone_key",
]

# str.strip() covers U+3000, NBSP etc.; also drop zero-width junk from pastes.
_ZW = "\u200b\u200c\u200d\u2060\ufeff"
_WIDTH_TABLE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 32, 0xA0: 32}


# Terminal control characters are never data: C0 but tab/newline, DEL and C1 (ESC [2J clears a
# screen, ESC ]0; retitles a window, 0x9b is a one-byte CSI). Line-like ones become newlines.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
_LINE_BREAK_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")


def drop_controls(s: str) -> str:
    """S as stored: CR, CRLF, VT, FF, NEL and the Unicode line/paragraph separators become a newline,
    every other control character (ESC, BEL, DEL, C1 …) is removed; tab and newline stay.

    Used on every text that enters the database (values.coerce, tags), so no stored value can
    drive a terminal; old data is shown escaped by crmcli.output.printable.
    """
    if _CONTROLS.search(s) is None:
        return s
    s = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], s)
    return _CONTROLS.sub("", s)


_FOLDABLE = re.compile("[\uff01-\uff5e\u3000\xa0]")


def fold_width(s: str) -> str:
    """Full-width ASCII (U+FF01-FF5E) to half-width, U+3000/NBSP to a plain space.

    Chinese punctuation outside that block (、。《》【】) is left untouched.
    """
    # translate() looks every character up in the table (~0.15 µs each for CJK text); most text
    # has nothing to fold, which one C-level search finds out first
    return s.translate(_WIDTH_TABLE) if _FOLDABLE.search(s) else s


def _strip(s: str) -> str:
    return s.strip().strip(_ZW).strip()


def _text(value: object) -> str | None:
    """Stripped, width-folded text of a str value; None when blank."""
    if value is None:
        return None
    s = _strip(fold_width(str(value)))
    return s or None


# ---------------------------------------------------------------------------- phones

# The example is grouped (010-6234 5678) so that masking on display (mask_text) does not take it for a number.
_PHONE_HINT = N_("a mobile has 11 digits starting with 1, a landline is area code + number like 010-6234 5678, "
                 "a number outside the mainland starts with + and its country code (+852, +886, +1 …)")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_EXT_MARK_RE = re.compile(r"\s*(?:转|轉|分机|分機|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_EXT_TAIL_RE = re.compile(r"[-\s]+(\d{1,6})$")
_PHONE_CHARS_RE = re.compile(r"[\d+\-.\s()/–—]+")
_SCI_RE = re.compile(r"(\d+)(?:\.(\d+))?[eE]\+?(\d+)")


def _phonenumbers():  # type: ignore[no-untyped-def]
    """phonenumbers costs ~15 ms to import: load it only when a number needs it."""
    import phonenumbers

    return phonenumbers


def _types() -> tuple[tuple[int, ...], tuple[int, ...]]:
    t = _phonenumbers().PhoneNumberType
    return (t.MOBILE, t.FIXED_LINE_OR_MOBILE), (t.FIXED_LINE, t.FIXED_LINE_OR_MOBILE)


def _bad_phone(raw: object, hint: str = _PHONE_HINT) -> InvalidValue:
    """HINT is an English msgid (N_ or a literal): translated here, where the message is made.

    The value is shown as mask_phone shows a bad number (all digits but the last four hidden): a number
    with one wrong digit is still nearly someone's phone, and the refusal names the row to fix anyway."""
    return InvalidValue(_("invalid phone '{value}': {hint}").format(value=_mask_digits(str(raw)), hint=_(hint)))


MASKED_TYPES = ("phone", "email")  # field types shown masked (the template's privacy rule): mask_value
MASK_CHAR = "*"  # what mask_phone / mask_email put in place of hidden characters; never in a stored value


def is_masked(value: object) -> bool:
    """True when the value is a masked phone/e-mail such as '138****5678' or 's***@x.com'.

    The one test for "this text came out of mask_phone / mask_email": both hide
    characters behind MASK_CHAR, which no stored phone or e-mail holds (the schema
    refuses it in phones; the e-mail check never lets a masked address through).
    """
    s = _text(value) if isinstance(value, str) else None
    return s is not None and MASK_CHAR in s


def _phone_text(value: object) -> str | None:
    """Text of a phone cell; spreadsheet numbers (13812345678.0, 1.38E+10) become digits."""
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, int | float) and value < 0):
        raise _bad_phone(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _bad_phone(value)
        return str(int(value))
    if not isinstance(value, str):
        raise _bad_phone(value)
    s = _text(value)
    if s is None:
        return None
    if m := _SCI_RE.fullmatch(s):
        frac = m.group(2) or ""
        implied_zeros = int(m.group(3)) - len(frac)
        if implied_zeros < 0 or implied_zeros > 2:
            raise _bad_phone(value, N_("scientific notation lost digits; format the column as text"))
        return m.group(1) + frac + "0" * implied_zeros
    if re.fullmatch(r"\d+\.0+", s):
        return s.split(".")[0]
    return s


def _canon_phone(raw: object, main: str, ext: str | None) -> str:
    """Canonical form of one number without extension markers; ext appended if allowed."""
    if not _PHONE_CHARS_RE.fullmatch(main):
        raise _bad_phone(raw)
    main = main.replace("(0)", "")
    digits = re.sub(r"\D", "", main)
    if main.lstrip().startswith("+"):
        if not digits.startswith("86"):
            return _international(raw, digits, ext)
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("00"):  # the international prefix: no mainland area code starts with 00
        return _international(raw, digits[2:], ext)
    elif digits.startswith("86") and (len(digits) in (12, 13) or digits[2:3] == "0"):
        digits = digits[2:]  # no Chinese area code starts with 086
    if len(digits) == 11 and _MOBILE_RE.fullmatch(digits):  # fast path: most numbers are mobiles
        if ext is not None:
            raise _bad_phone(raw, N_("a mobile number has no extension"))
        return digits
    if (local := regions.local(digits, ext)) is not None:
        return local
    if not 7 <= len(digits) <= 12:
        raise _bad_phone(raw)
    phonenumbers = _phonenumbers()
    mobile_types, fixed_types = _types()
    candidates = [digits] if digits.startswith("0") else [digits, "0" + digits]
    for cand in candidates:
        try:
            num = phonenumbers.parse(cand, "CN")
        except phonenumbers.NumberParseException:
            continue
        nn = str(num.national_number)
        # phonenumbers silently strips carrier prefixes such as 17951; refuse that.
        if cand not in (nn, "0" + nn):
            continue
        valid = phonenumbers.is_valid_number(num)
        kind = phonenumbers.number_type(num)
        if len(nn) == 11 and nn[0] == "1":
            if not _MOBILE_RE.fullmatch(nn) and not (valid and kind in mobile_types):
                continue
            if ext is not None:
                raise _bad_phone(raw, N_("a mobile number has no extension"))
            return nn
        if not valid:
            continue
        if nn[:3] in ("400", "800") and len(nn) == 10:
            out = f"{nn[:3]}-{nn[3:6]}-{nn[6:]}"
        elif kind in fixed_types and (ac := phonenumbers.length_of_geographical_area_code(num)):
            out = f"0{nn[:ac]}-{nn[ac:]}"
        else:
            continue
        return f"{out}-{ext}" if ext else out
    # 8 digits: Hong Kong / Macau; 9-10 starting 0: a Taiwan landline. 10 digits starting 1 is a mainland mobile
    # with a digit missing, not a number from elsewhere.
    elsewhere = len(digits) == 8 or (len(digits) in (9, 10) and digits.startswith("0"))
    hint = regions.REGION_HINT if regions.current() == "CN" and elsewhere else _PHONE_HINT
    raise _bad_phone(raw, hint)


def _international(raw: object, digits: str, ext: str | None) -> str:
    """A number outside the mainland (+852 2345 6789, 00886 2 2345 6789) in E.164: '+85223456789'."""
    phonenumbers = _phonenumbers()
    try:
        num = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        raise _bad_phone(raw, N_("no country has that calling code")) from None
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if e164[1:] != digits or not phonenumbers.is_valid_number(num):  # nothing dropped, a real number plan
        region = phonenumbers.region_code_for_country_code(num.country_code)
        raise _bad_phone(raw, _("not a valid number of {region} (+{code})").format(region=region, code=num.country_code))
    return f"{e164}-{ext}" if ext else e164


def normalize_phone(value: object, *, allow_masked: bool = False) -> str | None:
    """Canonical phone: '13812345678', '010-62345678', '010-62345678-801', '400-820-8820', and
    outside the mainland E.164 ('+85223456789', '+14155550100-12' with an extension).

    Masked input ('138****5678') raises unless ``allow_masked``; then it is returned
    compacted (whitespace removed).
    """
    s = _phone_text(value)
    if s is None:
        return None
    if "*" in s:
        compact = re.sub(r"\s+", "", s)
        if not allow_masked:
            raise InvalidValue(_("masked phone '{value}' cannot be stored; enter the full number").format(value=s))
        if not re.fullmatch(r"[\d*+\-()]+", compact) or not re.search(r"\d", compact):
            raise _bad_phone(value)
        return compact
    if m := _EXT_MARK_RE.search(s):
        return _canon_phone(value, s[: m.start()], m.group(1))
    try:
        return _canon_phone(value, s, None)
    except InvalidValue as first:
        if (m := _EXT_TAIL_RE.search(s)) is None:
            raise
        try:  # '010-62345678-801': the trailing group is an extension of a landline
            return _canon_phone(value, s[: m.start()], m.group(1))
        except InvalidValue:
            if _(regions.REGION_HINT) in str(first):  # '9123-4567': a local number elsewhere, not 9123 ext. 4567
                raise first from None
            raise


def phone_key(phone: object) -> str | None:
    """Digits of the canonical phone for dedupe; None when blank, masked or invalid."""
    try:
        canon = normalize_phone(phone)
    except InvalidValue:
        return None
    if canon and canon[0] == "+":  # E.164 without extension: never equal to a mainland key
        return canon.split("-")[0]
    return re.sub(r"\D", "", canon) if canon else None


def _mask_digits(s: str) -> str:
    total = sum(c.isdigit() for c in s)
    out, seen = [], 0
    for c in s:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


# What normalize_phone stores: a mobile, AREA-NUMBER[-EXT], or 400/800-NNN-NNNN[-EXT].
_CANON_PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{8}(-\d{1,6})?|[48]00-\d{3}-\d{4}(-\d{1,6})?")
_E164_RE = re.compile(r"\+(?!86)[1-9]\d{6,14}(?:-\d{1,6})?")


def _mask_international(e164: str) -> str:
    """'+85223456789' -> '+852****6789': the country code and the last four digits, like a mainland
    number keeps its prefix or area code; compact (no spaces), as masked cells are compared."""
    main = e164.split("-")[0]
    phonenumbers = _phonenumbers()
    try:
        cc = str(phonenumbers.parse(main, None).country_code)
    except phonenumbers.NumberParseException:
        return _mask_digits(e164)
    national = main[1 + len(cc):]
    return f"+{cc}{MASK_CHAR * max(len(national) - 4, 1)}{national[-4:]}"


def mask_phone(phone: str | None) -> str | None:
    """'13812345678' -> '138****5678'; '010-62345678' -> '010-****5678'.

    Extensions are dropped; already-masked values are returned unchanged; values
    that are not valid phones get every digit but the last four replaced by '*'.
    """
    s = _text(phone)
    if s is None:
        return None
    if "*" in s:
        return s
    if _E164_RE.fullmatch(s):
        return _mask_international(s)
    if _CANON_PHONE_RE.fullmatch(s):  # stored values are canonical already: no re-validation
        canon: str | None = s
    else:
        try:
            canon = normalize_phone(s)
        except InvalidValue:
            return _mask_digits(s)
    assert canon is not None
    if canon[0] == "+":
        return _mask_international(canon)
    if "-" not in canon:
        return f"{canon[:3]}****{canon[-4:]}"
    head, local = canon.split("-")[:2]
    if head in ("400", "800"):
        return f"{head}-***-{canon.split('-')[2]}"
    return f"{head}-{'*' * (len(local) - 4)}{local[-4:]}"


# Phones and e-mails inside free text (a logged command line, a message): a mobile, a landline or a
# 400/800 number in any of the spellings normalize_phone reads, not glued to letters or other digits
# (ids like C20241122001 and dates stay as they are).
_PHONE_IN_TEXT_RE = re.compile(
    r"(?<![\w*+])(?:\+?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d){8}|0\d{2,3}[\s-]?[2-9]\d{6,7}(?:-\d{1,6})?"
    r"|[48]00[\s-]?\d{3}[\s-]?\d{4})(?![\w*])")
_INTL_IN_TEXT_RE = re.compile(r"(?<![\w*+])(?:\+|00)(?!86)[1-9]\d{0,3}(?:[\s-]?\d){5,13}(?![\w*])")
_EMAIL_IN_TEXT_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
def mask_text(text: str) -> str:
    """TEXT with every phone and e-mail in it masked by mask_phone / mask_email."""
    if not text or not any(c.isdigit() or c == "@" for c in text):
        return text
    text = _EMAIL_IN_TEXT_RE.sub(lambda m: mask_email(m.group()) or "", text)
    if "+" in text or "00" in text:
        text = _INTL_IN_TEXT_RE.sub(lambda m: mask_phone(m.group()) or "", text)
    text = _PHONE_IN_TEXT_RE.sub(lambda m: mask_phone(m.group()) or "", text)
    return regions.mask_in_text(text)  # 0912-345-678, and with a region its local numbers


def mask_email(email: str | None) -> str | None:
    """'zhang.san@example.com' -> 'z***@example.com'."""
    s = _text(email)
    if s is None:
        return None
    local, at, domain = s.partition("@")
    return f"{local[:1]}***{at}{domain}"


def mask_value(kind: str, value: str | None) -> str | None:
    """The masked form of VALUE for a field of type KIND (MASKED_TYPES); other kinds unchanged."""
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    return value


# ---------------------------------------------------------------------------- e-mail, names

_EMAIL_RE = re.compile(
    r"(?P<local>[^@\s,;:<>()\[\]\"\\.]+(?:\.[^@\s,;:<>()\[\]\"\\.]+)*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,})"
)


def normalize_email(value: object) -> str | None:
    """Trimmed e-mail with lower-cased domain; full-width characters (＠) folded."""
    s = _text(value)
    if s is None:
        return None
    if s.lower().startswith("mailto:"):
        s = s[7:].strip()
    if is_masked(s):
        raise InvalidValue(_("masked email {value} cannot be stored; enter the full address").format(value=repr(s)))
    m = _EMAIL_RE.fullmatch(s)
    if m is None:
        raise InvalidValue(_("invalid email '{value}': expected name@domain.tld").format(value=s))
    return f"{m.group('local')}@{m.group('domain').lower()}"


def normalize_name(value: object) -> str | None:
    """Stored name: trimmed, internal whitespace runs collapsed to one space."""
    if value is None:
        return None
    s = re.sub(r"\s+", " ", _strip(str(value)))
    return s or None


class _Unkeyed(dict[int, int | None]):
    """str.translate table deleting punctuation, separators and control characters (categories P*, Z*,
    C*), filled one code point at a time as names use them: translate runs in C, where a Python loop
    over unicodedata.category per character cost 3-4 µs a name (import matches every row by name key)."""

    def __missing__(self, code: int) -> int | None:
        out = None if unicodedata.category(chr(code))[0] in "PZC" else code
        if len(self) < 1 << 16:  # a file of every code point must not grow it without end
            self[code] = out
        return out


_UNKEYED = _Unkeyed()
_ALL_WORD = re.compile(r"[^\W_]*")  # letters and digits: no character of them is in P*, Z* or C*


def name_key(value: object) -> str:
    """Comparison key: NFKC, casefold, without whitespace/punctuation ('' when blank)."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", fold_width(str(value))).casefold()
    if _ALL_WORD.fullmatch(s) is None:  # only letters and digits (most names): nothing to delete
        s = s.translate(_UNKEYED)
    return unicodedata.normalize("NFKC", s)


# ---------------------------------------------------------------------------- dates

_EXCEL_MAX = 2958465  # 9999-12-31
_TIME = r"(?:\s*[T\s]\s*(\d{1,2})[:时点](\d{1,2})分?(?:[:](\d{1,2})(?:\.\d+)?秒?)?)?"
_DATE_PATTERNS = [
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})\s*(年)\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME),
    re.compile(r"(\d{4})()(\d{2})(\d{2})" + _TIME),
]
_RELATIVE = {"today": 0, "今天": 0, "今日": 0, "yesterday": -1, "昨天": -1}
_RELATIVE |= {"tomorrow": 1, "明天": 1}


def _bad_date(raw: object, hint: str = N_("expected a date like 2024-05-20")) -> InvalidValue:
    """HINT is an English msgid, translated here."""
    return InvalidValue(_("invalid date '{value}': {hint}").format(value=raw, hint=_(hint)))


def _from_serial(raw: object, serial: float) -> datetime:
    """Excel serial (1 = 1900-01-01; 60 is Lotus' fake 1900-02-29) to a datetime."""
    if not (math.isfinite(serial) and 1 <= serial < _EXCEL_MAX + 1) or int(serial) == 60:
        raise _bad_date(raw, N_("not a plausible Excel date serial"))
    base = datetime(1899, 12, 30) if serial >= 61 else datetime(1899, 12, 31)
    day = int(serial)
    seconds = round((serial - day) * 86400)
    return base + timedelta(days=day, seconds=seconds)


def _parse_when(value: object, today: date | None) -> tuple[datetime, bool]:
    """(moment, has_time) for any accepted input; raises InvalidValue otherwise."""
    if isinstance(value, datetime):
        has_time = value.time() != datetime.min.time()
        return value.replace(tzinfo=None, microsecond=0), has_time
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), False
    if isinstance(value, bool):
        raise _bad_date(value)
    if isinstance(value, int | float):
        if isinstance(value, int) and 19000101 <= value <= 99991231:
            return _parse_when(str(value), today)
        moment = _from_serial(value, float(value))
        return moment, not float(value).is_integer()
    s = _text(value)
    assert s is not None
    if (shift := _RELATIVE.get(s.lower())) is not None:
        day = (today or date.today()) + timedelta(days=shift)
        return datetime(day.year, day.month, day.day), False
    if re.fullmatch(r"\d{5}(?:\.\d+)?", s):  # text serials: 5 digits = 1927..2173 only
        return _from_serial(value, float(s)), "." in s and float(s) % 1 != 0
    for pattern in _DATE_PATTERNS:
        if m := pattern.fullmatch(s):
            y, _, mo, d, hh, mi, ss = m.groups()
            try:
                moment = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
            except ValueError:
                raise _bad_date(value, N_("no such date or time")) from None
            return moment, hh is not None
    raise _bad_date(value)


def normalize_date(value: object, *, today: date | None = None) -> str | None:
    """'YYYY-MM-DD' from date objects, common Chinese/ISO text forms or Excel serials."""
    if value is None or (isinstance(value, str) and _text(value) is None):
        return None
    return _parse_when(value, today)[0].strftime("%Y-%m-%d")


def normalize_datetime(value: object, *, today: date | None = None) -> str | None:
    """'YYYY-MM-DD HH:MM:SS' when a time is present, else 'YYYY-MM-DD'."""
    if value is None or (isinstance(value, str) and _text(value) is None):
        return None
    moment, has_time = _parse_when(value, today)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")


# ---------------------------------------------------------------------------- numbers, flags

_MONEY_RE = re.compile(
    r"(?P<s1>[-−])?\s*(?:¥|￥|rmb|cny|人民币)?\s*(?P<s2>[-−])?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>千|万|亿)?\s*(?:元|圆|块)?\s*整?",
    re.IGNORECASE,
)
_UNITS = {None: 1, "千": 1_000, "万": 10_000, "亿": 100_000_000}


def normalize_money(value: object) -> float | None:
    """Amount in yuan rounded to 2 decimals: '¥120,000.00', '12万', '3.5亿', 'RMB 500'."""
    if isinstance(value, bool):
        raise InvalidValue(_("invalid amount '{value}': expected a number like 120000.00").format(value=value))
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidValue(_("invalid amount '{value}': expected a finite number").format(value=value))
        return round(float(value), 2) + 0.0
    s = _text(value)
    if s is None:
        return None
    m = _MONEY_RE.fullmatch(s)
    if m is None or (m.group("s1") and m.group("s2")):
        raise InvalidValue(_("invalid amount '{value}': expected a number like 120000.00, ¥1,200 or 12万").format(value=s))
    amount = Decimal(m.group("num").replace(",", "")) * _UNITS[m.group("unit")]
    if m.group("s1") or m.group("s2"):
        amount = -amount
    if amount.adjusted() >= 15:  # beyond what quantize (28 digits) and a REAL keep exactly
        raise InvalidValue(_("invalid amount '{value}': too large").format(value=s))
    return float(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + 0.0


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def normalize_int_range(value: object, lo: int, hi: int, field: str) -> int | None:
    """Whole number within [lo, hi]: 4, 4.0, '4', '4分', '４', '四', '★★★★☆'."""
    hint = _("{field} must be a whole number from {lo} to {hi}").format(field=field, lo=lo, hi=hi)
    if isinstance(value, bool):
        raise InvalidValue(_("invalid {field} '{value}': {hint}").format(field=field, value=value, hint=hint))
    if isinstance(value, int | float):
        number: float = value
    else:
        s = _text(value)
        if s is None:
            return None
        core = re.sub(r"\s*(?:分|星|points?|stars?)$", "", s, flags=re.IGNORECASE)
        if core and set(core) <= {"★", "☆"}:
            number = core.count("★")
        elif core in _CN_DIGITS:
            number = _CN_DIGITS[core]
        elif re.fullmatch(r"[-+]?\d+(?:\.\d+)?", core):
            number = float(core)
        else:
            raise InvalidValue(_("invalid {field} '{value}': {hint}").format(field=field, value=s, hint=hint))
    if not math.isfinite(number) or not float(number).is_integer() or not lo <= number <= hi:
        raise InvalidValue(_("invalid {field} '{value}': {hint}").format(field=field, value=str(value).strip(), hint=hint))
    return int(number)


_TRUE = {"是", "是的", "对", "有", "已完成", "完成", "✓", "✔", "√"}
_TRUE |= {"y", "yes", "true", "t", "1", "on"}
_FALSE = {"否", "不是", "不", "无", "没有", "未完成", "✗", "✘", "×"}
_FALSE |= {"n", "no", "false", "f", "0", "off"}


def normalize_bool(value: object) -> int | None:
    """1/0 from 是/否, Y/N, yes/no, true/false, 1/0, 已完成/未完成, ✓/✗."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    s = _text(value)
    if s is None:
        return None
    key = s.lower()
    if re.fullmatch(r"[01]\.0+", key):
        key = key[0]
    if key in _TRUE:
        return 1
    if key in _FALSE:
        return 0
    raise InvalidValue(_("invalid yes/no value '{value}': expected 是/否, yes/no, true/false or 1/0").format(value=s))
