"""Simplified and Traditional Chinese as one: OpenCC, loaded on first use (~10 ms), never for ASCII.

- `simplified(text)`: the comparison form of a name, header, label or alias (OpenCC `t2s`).
- `mainland(text)`: the second try of a lookup that missed: OpenCC `tw2sp` turns Taiwanese phrasing
  into mainland phrasing (聯絡電話 -> 联系电话, 客戶型別 -> 客户类型), so what `--lang zh-Hant` shows
  (s2twp) is accepted back as input.
- `traditional(text)`: what zh-Hant shows for a Simplified label (OpenCC `s2twp`), cached.
- `variants(text)`: the spellings a text search tries (as typed, Simplified, Traditional variants), so
  `name~華信` finds a stored 华信 and `name~华信` a stored 華信 while stored text stays as written.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def _has_cjk(text: str) -> bool:
    return not text.isascii() and any("\u2e80" <= ch <= "\U0002ffff" for ch in text)


@functools.cache
def _hant() -> frozenset[str]:
    from crmcli.i18n.hant_chars import CHARS

    return frozenset(CHARS)


@functools.lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    """Simplified characters (OpenCC t2s): the comparison form."""
    if not _has_cjk(text) or _hant().isdisjoint(text):  # Simplified already: OpenCC stays unloaded
        return text
    return _converter("t2s").convert(text)


@functools.lru_cache(maxsize=1024)
def mainland(text: str) -> str:
    """Taiwanese phrasing as the mainland says it (tw2sp: 聯絡電話 -> 联系电话, 客戶型別 -> 客户类型).
    Too eager for a comparison form (it reads 跟進階段 as 跟高级段), so only a second try after a miss."""
    if not _has_cjk(text) or _hant().isdisjoint(text):
        return text
    return _converter("tw2sp").convert(text)


# s2twp's Taiwan phrases that are wrong in a CRM: 类型 is a kind (客戶類型, as the template's Traditional seed
# writes it), not a programming data type (型別); 复购 is a repeat purchase (複購).
_TW_FIXES = (("型別", "類型"), ("復購", "複購"))


@functools.lru_cache(maxsize=4096)
def traditional(text: str) -> str:
    if not _has_cjk(text):
        return text
    out = _converter("s2twp").convert(text)
    for wrong, right in _TW_FIXES:
        out = out.replace(wrong, right)
    return out


def variants(text: str) -> list[str]:
    """TEXT as typed, in Simplified characters and in Traditional ones as OpenCC, Taiwan (台) and
    Hong Kong write them (characters only, no phrase changes), deduplicated: usually 2 or 3."""
    if not _has_cjk(text):
        return [text]
    simple = _converter("t2s").convert(text)
    out = [text, simple, *(_converter(c).convert(simple) for c in ("s2t", "s2tw", "s2hk"))]
    return list(dict.fromkeys(out))
