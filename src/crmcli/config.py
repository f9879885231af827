"""User settings in a TOML file in the per-user app directory.

`crm config set/get/list` edit it. Precedence everywhere: command-line flag >
environment (CRM_DB, CRM_LANG, NO_COLOR) > this file > built-in default.
CRM_CONFIG points at another file (tests, several profiles).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from crmcli.errors import CrmError, InvalidValue

# key -> (type, default, help)
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "db": (str, None, "database path used when neither --db nor CRM_DB is given"),
    "lang": (str, None, "language: en, zh or zh-Hant (default: from the locale)"),
    "mask": (bool, True, "mask phones and emails in output and exports (false: you own all the data)"),
    "user": (str, None, "your name, recorded in the operation log and used as owner / follower"),
    "segment_rules": (str, None, "TOML file of segment rules used by `crm segment` (default: the built-in tiers)"),
}


def app_dir() -> Path:
    import typer

    return Path(typer.get_app_dir("crmcli"))


def path() -> Path:
    env = os.environ.get("CRM_CONFIG")
    return Path(env).expanduser() if env else app_dir() / "config.toml"


def load() -> dict[str, Any]:
    p = path()
    if not p.exists():
        return {}
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CrmError(f"config file {p} does not parse: {e}") from None
    return {k: v for k, v in data.items() if k in SETTINGS}


def get(key: str) -> Any:
    if key not in SETTINGS:
        raise InvalidValue(f"unknown setting '{key}'; settings: {', '.join(SETTINGS)}")
    return load().get(key, SETTINGS[key][1])


def _parse(key: str, text: str) -> Any:
    kind = SETTINGS[key][0]
    if kind is bool:
        low = text.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise InvalidValue(f"{key} takes true or false, not '{text}'")
    if key == "lang":
        from crmcli.i18n import parse_lang

        return parse_lang(text)
    return text


def set_value(key: str, text: str | None) -> None:
    """Set KEY (None removes it) and rewrite the file."""
    if key not in SETTINGS:
        raise InvalidValue(f"unknown setting '{key}'; settings: {', '.join(SETTINGS)}")
    data = load()
    if text is None:
        data.pop(key, None)
    else:
        data[key] = _parse(key, text)
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(data.items())]
    from crmcli import outfile

    with outfile.open_text(p, force=True) as fh:  # atomic and 0600, like every file crm writes
        fh.write("# crmcli settings: crm config list\n" + "\n".join(lines) + "\n")


def default_db() -> Path:
    env = os.environ.get("CRM_DB")
    if env:
        return Path(env).expanduser()
    configured = get("db")
    return Path(configured).expanduser() if configured else app_dir() / "crm.db"


def default_lang() -> str:
    """en, zh or zh-Hant from CRM_LANG, this file, the locale (crmcli.i18n.detect)."""
    from crmcli.i18n import detect

    return detect()
