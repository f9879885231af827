"""User settings in a TOML file in the per-user app directory.

`crm config set/get/list` edit it. Precedence everywhere: command-line flag >
environment (CRM_DB, CRM_LANG, NO_COLOR) > this file > built-in default.
CRM_CONFIG points at another file (tests, several profiles).
"""

from __future__ import annotations

import json
import os
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from crmcli.errors import CrmError, InvalidValue
from crmcli.i18n import N_, _

# key -> (type, default, help)
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "db": (str, None, N_("database path used when neither --db nor CRM_DB is given")),
    "lang": (str, None, N_("language: en, zh or zh-Hant (default: from the locale)")),
    "mask": (bool, True, N_("mask phones and emails in output and exports (false: you own all the data)")),
    "user": (str, None, N_("your name, recorded in the operation log and used as owner / follower")),
    "segment_rules": (str, None, N_("TOML file of segment rules used by `crm segment` (default: the built-in tiers)")),
    "region": (str, None, N_("where phone numbers without a country code are from: CN (default), HK, MO, TW …; "
                             "numbers of other regions are stored in E.164 (+852…)")),
}


def app_dir() -> Path:
    import typer

    return Path(typer.get_app_dir("crmcli"))


def path() -> Path:
    env = os.environ.get("CRM_CONFIG")
    return Path(env).expanduser() if env else app_dir() / "config.toml"


class ConfigBroken(CrmError):
    """The settings file does not parse or holds a value crm refuses; `crm config` still works."""


_FIX = N_("`crm config list` shows what it holds and `crm config set KEY VALUE` rewrites it")


def load(*, lenient: bool = False) -> dict[str, Any]:
    """The settings in the file. A file that does not parse, or a value that breaks a rule, raises
    ConfigBroken naming the way out — unless LENIENT (`crm config` itself), which keeps what it can."""
    p = path()
    if not p.exists():
        return {}
    try:
        text = p.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
        if lenient:
            return _salvage(p)
        raise ConfigBroken(_("config file {path} does not parse ({reason}); {fix}").format(
            path=p, reason=e, fix=_(_FIX))) from None
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in SETTINGS:
            continue
        problem = _problem(k, v)
        if problem and not lenient:
            raise ConfigBroken(_("config file {path}: {problem}; {fix}").format(path=p, problem=problem, fix=_(_FIX)))
        if not problem:
            out[k] = v
    return out


def _salvage(p: Path) -> dict[str, Any]:
    """The settings of the lines that still parse and pass, one by one."""
    out: dict[str, Any] = {}
    try:
        lines = p.read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            item = tomllib.loads(line)
        except tomllib.TOMLDecodeError:
            continue
        out.update({k: v for k, v in item.items() if k in SETTINGS and not _problem(k, v)})
    return out


def _problem(key: str, value: Any) -> str | None:
    """Why VALUE cannot be setting KEY (None: it can)."""
    kind = SETTINGS[key][0]
    if not isinstance(value, kind):
        return (_("{key} takes true or false, not {value}") if kind is bool else _("{key} takes text, not {value}")).format(
            key=key, value=repr(value))
    if isinstance(value, str):
        bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs")), None)
        if bad is not None:
            return _("{key} holds a control character ({char}); settings are plain text").format(key=key, char=repr(bad))
        if not value.strip():
            return _("{key} is blank; leave it out with `crm config set {key}`").format(key=key)
        if len(value) > 4096:
            return _("{key} is longer than 4,096 characters").format(key=key)
        if key == "region" and not (len(value) == 2 and value.isascii() and value.isalpha()):
            return _("region '{value}' is not a region code phone numbers know (CN, HK, MO, TW …)").format(value=value)
    return None


def _unknown(key: str) -> InvalidValue:
    return InvalidValue(_("unknown setting '{key}'; settings: {settings}").format(key=key, settings=", ".join(SETTINGS)))


def get(key: str, *, lenient: bool = False) -> Any:
    if key not in SETTINGS:
        raise _unknown(key)
    return load(lenient=lenient).get(key, SETTINGS[key][1])


def _parse(key: str, text: str) -> Any:
    kind = SETTINGS[key][0]
    if kind is bool:
        low = text.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise InvalidValue(_("{key} takes true or false, not '{value}'").format(key=key, value=text))
    if key == "lang":
        from crmcli.i18n import parse_lang

        return parse_lang(text)
    if key == "region":
        from crmcli.phone_regions import known_region

        code = text.strip().upper()
        if not known_region(code):
            raise InvalidValue(_("region '{value}' is not a region code phone numbers know (CN, HK, MO, TW …)").format(
                value=text))
        return code
    return text


def set_value(key: str, text: str | None) -> None:
    """Set KEY (None removes it) and rewrite the file; a value that breaks a rule is refused first.

    Works on a broken file (the lines that still parse are kept), so the command that fixes a
    setting is never blocked by it."""
    if key not in SETTINGS:
        raise _unknown(key)
    data = load(lenient=True)
    if text is None:
        data.pop(key, None)
    else:
        value = _parse(key, text)
        problem = _problem(key, value)
        if problem:
            raise InvalidValue(problem)
        data[key] = value
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
