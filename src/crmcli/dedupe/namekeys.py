"""Chinese-aware comparison keys for customer names.

`name_parts("北京華信科技有限責任公司")` and `name_parts("华信科技(北京)有限公司")` both give
core 华信科技 with places {北京}: full/half width folded, Traditional turned into
Simplified (OpenCC), brackets unified, legal forms and suffixes (有限公司, 股份有限公司,
集团, 分公司, Co., Ltd., Inc. …) removed, and provinces/cities taken out wherever they
stand — as a prefix, in brackets, or just before the suffix. The places are kept
apart: they are evidence (北京华信 is not 上海华信), not part of the name.

`pinyin_key` spells the core in toneless pinyin so that a one-character slip by
sound (华信 / 华欣) still lands in the same block and compares as a homophone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crmcli.dedupe.places import PLACES

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")",
                           "《": "(", "》": ")", "{": "(", "}": ")", "「": "(", "」": ")"})
# Chinese legal forms and suffixes, longest first; stripped repeatedly from the end.
_LEGAL_ZH = sorted(["有限责任公司", "股份有限公司", "集团股份有限公司", "集团有限公司", "控股有限公司", "有限公司",
                    "责任公司", "股份公司", "总公司", "分公司", "子公司", "办事处", "公司", "集团", "控股", "有限",
                    "总部", "分部", "分店", "门市部", "经营部"], key=len, reverse=True)
_LEGAL_EN = re.compile(
    r"\b(?:co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|group|holdings?|gmbh|branch)\b\.?", re.I)
_NOISE_ZH = ("中国", "中华")  # "(中国)有限公司": a country, not part of the brand
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,3}?(?:新区|区|县)")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_WORD = re.compile(r"[a-z]{2}")
_CJK = re.compile(r"[\u3400-\u9fff]")


@functools.lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """Traditional to Simplified Chinese (華信 -> 华信); other text unchanged."""
    if not _CJK.search(text):
        return text
    return _t2s().convert(text)


def clean(name: str, *, simplified: bool = True) -> str:
    """Width-folded, NFKC, case-folded, Simplified, with one bracket style and single spaces.
    SIMPLIFIED=False skips the Traditional -> Simplified step (and OpenCC's ~35 ms start-up)."""
    # NFKC folds full-width letters, digits and the ideographic space like fold_width does
    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = (simplify(s) if simplified else s).translate(_BRACKETS)
    return " ".join(s.split())


_LEGAL_TAIL = re.compile("(?:[\\s.,(-]*(?:" + "|".join(_LEGAL_ZH) + "))+[\\s.,(-]*$")


def _strip_legal(s: str) -> str:
    if _ASCII_WORD.search(s):
        s = _LEGAL_EN.sub(" ", s)
        s = re.sub(r"[\s.,&()-]+$", "", s)
    m = _LEGAL_TAIL.search(s)
    if m is None:
        return s
    if m.start() == 0:  # nothing but legal words (有限公司): keep all but the last one
        return s
    return s[: m.start()]


def _place_at_start(s: str) -> str | None:
    for k in range(min(8, len(s) - 1), 1, -1):
        if s[:k] in PLACES:
            return s[:k]
    return None


def _place_at_end(s: str) -> str | None:
    for k in range(min(8, len(s) - 1), 1, -1):
        if s[-k:] in PLACES:
            return s[-k:]
    return None


_NO_PLACES: frozenset[tuple[str, str]] = frozenset()
_PLACE_SETS: dict[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] = {}


def intern_places(places: set[tuple[str, str]] | frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """One shared frozenset per distinct set of places: a million customers hold a few hundred."""
    key = frozenset(places)
    return _PLACE_SETS.setdefault(key, key)


@dataclass(frozen=True, slots=True)
class NameParts:
    core: str                                   # 华信科技
    places: frozenset[tuple[str, str]]          # {("北京", "北京")}: (province, city or "")
    cleaned: str                                # the whole name, cleaned, legal forms kept

    @property
    def city(self) -> str:
        return "/".join(sorted({c or p for p, c in self.places}))


def name_parts(name: str, *, person: bool = False, simplified: bool = True) -> NameParts:
    """Core name and places of a customer name; PERSON keeps places (a person may be called 黄山).
    SIMPLIFIED=False: as written, without folding Traditional characters (see clean)."""
    cleaned = clean(name, simplified=simplified)
    if person:
        core = _NON_WORD.sub("", cleaned)
        return NameParts(core or cleaned, _NO_PLACES, cleaned)
    places: set[tuple[str, str]] = set()
    kept: list[str] = []
    # Bracketed groups: a place or a legal form is dropped, anything else is kept inline.
    for piece in re.split(r"(\([^()]*\))", cleaned) if "(" in cleaned else (cleaned,):
        if piece.startswith("(") and piece.endswith(")"):
            inner = piece[1:-1].strip()
            if inner in PLACES:
                places.add(PLACES[inner])
                continue
            if inner in _NOISE_ZH or _strip_legal("x" + inner) == "x":
                continue
            kept.append(inner)
        else:
            kept.append(piece)
    s = " ".join(kept)
    s = _strip_legal(s).replace("(", " ").replace(")", " ").strip()
    s = re.sub(r"\s+", " ", s)
    compact = s.replace(" ", "") if _CJK.search(s) else s
    # Places at the start (广东省深圳市…), then a district right after them (海淀区).
    # At most one place, or a province followed by one of its cities: a brand may itself be a
    # city's name (北京安康建筑 is 安康 in 北京, not a company of two cities).
    stripped_start = False
    if (p := _place_at_start(compact)) is not None:
        places.add(PLACES[p])
        compact = compact[len(p):].lstrip(" -")
        stripped_start = True
        province, city = PLACES[p]
        if not city and (q := _place_at_start(compact)) is not None and PLACES[q][0] == province and PLACES[q][1]:
            places.add(PLACES[q])
            compact = compact[len(q):].lstrip(" -")
    if stripped_start and (m := _DISTRICT.match(compact)) and len(compact) - m.end() >= 2:
        compact = compact[m.end():]
    for noise in _NOISE_ZH:
        if compact.startswith(noise) and len(compact) > len(noise) + 1:
            compact = compact[len(noise):]
    # Places at the end (华信科技北京 from 华信科技北京分公司), and 市/省 forms anywhere.
    if (p := _place_at_end(compact)) is not None and len(compact) - len(p) >= 2:
        places.add(PLACES[p])
        compact = compact[: -len(p)].rstrip(" -")
    for m in re.finditer(r"[\u4e00-\u9fff]{2,3}?[市省]", compact) if ("市" in compact or "省" in compact) else ():
        if m.group() in PLACES and len(compact) - len(m.group()) >= 2:
            places.add(PLACES[m.group()])
            compact = compact.replace(m.group(), "", 1)
    for noise in _NOISE_ZH:
        if compact.endswith(noise) and len(compact) > len(noise) + 1:
            compact = compact[: -len(noise)]
    core = _NON_WORD.sub("", compact)
    if not core:  # 北京有限公司: nothing but place and form; compare on the whole
        core = _NON_WORD.sub("", cleaned)
    return NameParts(core, intern_places(places), cleaned)


@functools.lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """Code point -> toneless pinyin of its first reading (华 -> hua), from pypinyin's dictionary.

    One str.translate per name instead of a pypinyin call: 100x faster, and the same
    character always reads the same way on both sides of a comparison.
    """
    table: dict[int, str] = {}
    for cp, readings in _pinyin_readings().items():
        first = unicodedata.normalize("NFD", readings.split(",")[0])
        table[cp] = "".join(c for c in first if not unicodedata.combining(c)).replace("ü", "v")
    return table


def _pinyin_readings() -> dict[int, str]:
    """pypinyin's character dictionary (code point -> "huá,huà"), read from its JSON file.

    Importing `pypinyin.pinyin_dict` runs the package's __init__, which also loads the phrase
    dictionary and trains its segmenter: ~55 MB that stay resident for the whole scan, and we
    read single characters only. Falls back to the import if the file is not where it was.
    """
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():
            return {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    from pypinyin.pinyin_dict import pinyin_dict

    return dict(pinyin_dict)


def pinyin_key(core: str) -> str:
    """Toneless pinyin of the Chinese characters, other characters kept: 华欣科技 -> huaxinkeji."""
    return core.translate(_pinyin_table())
