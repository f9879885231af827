"""Translations: every string a person reads, in English, Simplified or Traditional Chinese.

The language
------------
`--lang en|zh|zh-Hant` (before or after the subcommand) > `CRM_LANG` > config `lang` > the locale
(`LANG=zh_CN.UTF-8` -> zh, `zh_TW` / `zh_HK` -> zh-Hant) > en. The CLI settles it once per call with
`set_lang()`; library code only calls `_()`. English is the source language: under en `_()` returns its
argument and no catalog is read, so start-up pays nothing.

How to add a string (read this before wrapping your first message)
-------------------------------------------------------------------
1. Wrap it where it is SHOWN, with a literal msgid and `str.format` placeholders (never an f-string --
   the extractor needs the literal, and a translator must be able to move `{n}`):

       from crmcli.i18n import _, ngettext
       raise InvalidValue(_("unknown field '{name}' in {table}").format(name=name, table=t.name))
       info(ngettext("{n} customer", "{n} customers", n).format(n=n))

   A module-level constant (a title, a column header) is marked with `N_("...")` (returns it unchanged)
   and passed through `_()` when it is shown: `_()` at import time would run before `--lang` is known.
   Typer help texts (docstrings, `help=`) need no wrapping: `crmcli.i18n.help` translates the commands
   a call reaches when it runs; their zh entries go in `po/zh/help.po` (`--missing help` appends the
   stubs; tests/test_i18n.py fails on a help text without one). `crmcli.i18n.helpformat` lays the help
   out in terminal cells; `crmcli.i18n.usage` translates click's usage errors.
2. Add the Chinese to your area's catalog source, `src/crmcli/i18n/po/zh/<area>.po` (one file per area --
   core, query, importer, reports, segments, ... -- so parallel branches do not edit one file; a new area
   is a new file). `python -m crmcli.i18n.build --missing AREA` appends stubs for every wrapped string
   that has no entry yet; fill in each `msgstr`.
3. Run `python -m crmcli.i18n.build` (needs Babel: `pip install -e '.[test]'`). It compiles each
   `po/zh/<area>.po` to `locale/zh/LC_MESSAGES/<area>.mo` and derives Traditional Chinese with OpenCC
   (s2twp) into `locale/zh_Hant/...`; a Traditional wording that OpenCC gets wrong goes in
   `po/zh_Hant/<area>.po` (an override, same msgid). Commit the .po and the .mo files. On a merge
   conflict in a .mo file, rerun the build and `git add` the result.
4. tests/test_i18n.py fails when a wrapped string has no zh entry, when a .mo is stale against its .po,
   and when two areas translate one msgid differently: the catalogs are chained, so only one of them
   would be shown. A short word that means different things in two places ("Orders": a tab title, a
   count) takes a context: `pgettext("tab", "Orders")`, and `msgctxt "tab"` above its entry.
   tests/test_i18n_errors.py fails when an error of the CrmError family (or click's BadParameter) is
   built from an English literal or f-string, and when a function binds `_` (`for _, row in ...`)
   while also calling `_()`. OS and SQLite complaints go through `crmcli.errors.reason()` /
   `sqlite_reason()`, which say them in the reader's language.

Script folding (both scripts in): `crmcli.i18n.script` -- `simplified()` for comparing names and
labels, `traditional()` for showing them under zh-Hant.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

LANGS = ("en", "zh", "zh-Hant")
DOMAIN_DIRS = {"zh": "zh", "zh-Hant": "zh_Hant"}
LOCALE_DIR = Path(__file__).parent / "locale"

_lang: str | None = None
_catalogs: dict[str, gettext.NullTranslations] = {}


def normalize(text: str | None) -> str | None:
    """en / zh / zh-Hant for a --lang value, CRM_LANG or a locale name (zh_TW.UTF-8 ...); None if unknown."""
    if not text:
        return None
    low = text.split(".")[0].split("@")[0].replace("_", "-").lower()
    if low in ("c", "posix") or low.startswith("en"):
        return "en"
    if low.startswith("zh"):
        hant = ("hant", "tw", "hk", "mo")
        return "zh-Hant" if any(part in hant for part in low.split("-")[1:]) else "zh"
    return None


def parse_lang(text: str) -> str:
    """A --lang / config value -> en, zh or zh-Hant, or InvalidValue."""
    lang = normalize(text)
    if lang is None:
        from crmcli.errors import InvalidValue

        raise InvalidValue(_("language '{lang}' is not one of en, zh, zh-Hant").format(lang=text))
    return lang


def detect() -> str:
    """The language when no --lang was given: CRM_LANG, config `lang`, the locale, else en."""
    env = normalize(os.environ.get("CRM_LANG"))
    if env:
        return env
    from crmcli import config

    try:
        configured = normalize(config.get("lang"))
    except Exception:  # a broken config file is reported by the command that reads it
        configured = None
    if configured:
        return configured
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return normalize(value) or "en"
    return "en"


def set_lang(lang: str | None) -> str:
    """Settle the language for this process (None: detect()); returns it."""
    global _lang
    _lang = detect() if lang is None else parse_lang(lang)
    return _lang


def get_lang() -> str:
    if _lang is None:
        return set_lang(None)
    return _lang


def is_zh(lang: str | None = None) -> bool:
    return (lang or get_lang()) != "en"


def catalog(lang: str) -> gettext.NullTranslations:
    """Every area's compiled catalog of LANG, chained (read once, only for zh / zh-Hant)."""
    found = _catalogs.get(lang)
    if found is not None:
        return found
    import gettext

    folder = LOCALE_DIR / DOMAIN_DIRS[lang] / "LC_MESSAGES"
    chain: gettext.NullTranslations = gettext.NullTranslations()
    for mo in sorted(folder.glob("*.mo"), reverse=True):
        with mo.open("rb") as fp:
            t = gettext.GNUTranslations(fp)
        t.add_fallback(chain)
        chain = t
    _catalogs[lang] = chain
    return chain


def _(message: str) -> str:
    """MESSAGE in the current language (English is the msgid)."""
    lang = _lang if _lang is not None else get_lang()
    if lang == "en":
        return message
    return catalog(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = _lang if _lang is not None else get_lang()
    if lang == "en":
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """MESSAGE in CONTEXT: the same English word meaning two things ("Orders": a tab, a count)."""
    lang = _lang if _lang is not None else get_lang()
    if lang == "en":
        return message
    return catalog(lang).pgettext(context, message)


def translate(message: str, lang: str) -> str:
    """MESSAGE in LANG regardless of the current language (workbooks written in a chosen language)."""
    return message if lang == "en" else catalog(lang).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark MESSAGE for extraction; translate it with _() where it is shown."""
    return message


def zh_text(simplified: str, lang: str | None = None) -> str:
    """A Simplified-Chinese text (a field label, a label value) in the script LANG reads."""
    if (lang or get_lang()) == "zh-Hant":
        from crmcli.i18n.script import traditional

        return traditional(simplified)
    return simplified


__all__ = ["LANGS", "N_", "_", "catalog", "detect", "get_lang", "is_zh", "ngettext", "normalize", "parse_lang",
           "pgettext", "set_lang", "translate", "zh_text"]
