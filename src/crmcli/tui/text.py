"""The workspace's words in the chosen language (until the shared catalogs carry them)."""

from __future__ import annotations

_LANG = "en"


def set_lang(lang: str) -> None:
    global _LANG
    _LANG = lang


def lang() -> str:
    return _LANG


def t(text: str) -> str:
    return text
