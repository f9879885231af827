"""Segment rules: a TOML file of named rules written in the filter language of `crm query`.

    [params]                      thresholds, referenced as {name} inside `when`
    [[rule]]                      checked in file order; the FIRST rule that matches wins
    name = "high_value"           the stored value (customers.segment); letters, digits, _
    zh = "高价值"                  labels: shown, and accepted wherever a segment is named
    en = "High value"
    review = true                 reviewed weekly (seed 001); `crm segment diff --review`
    when = "metrics.yearly_amount>{high_value_amount} metrics.repurchase_rate>={min_repurchase}"

`when` is one filter line (filters ANDed, exactly as on the `crm query` command
line) or a list of lines of which ANY may hold. A rule without `when` matches
every customer (the catch-all; it must be last). There is no second rule engine:
every line is compiled by `filters.compile_filters`, so a rule means exactly what
the same filters mean to `crm query`.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crmcli import fields, filters
from crmcli.errors import CrmError, InvalidValue, reason
from crmcli.i18n import _, get_lang

DEFAULT_RULES = """\
# crmcli segment rules: seed 001 step 4 (客户分层) as filters of `crm query`.
# Checked in order; a customer gets the FIRST rule it matches. `when` is one line
# of filters (all must hold) or a list of lines (any may hold). {name} is replaced
# by the value under [params]. `metrics.*` are the figures each run computes
# (README "Segments": yearly amount, repurchase rate, days since interaction ...).
# Copy this file, edit it, and use it with `crm segment run --rules FILE` or
# `crm config set segment_rules FILE`.

[params]
churn_days = 90             # 流失风险: more than this many days without any interaction (3 months)
low_satisfaction = 3        # 流失风险: average satisfaction below this (1-5)
high_value_amount = 500000  # 高价值: yearly amount above this (yuan, counted orders of the last 365 days)
min_repurchase = 0.8        # 高价值: repurchase rate at least this (share of the year's 12 months with an order)
fast_growth = 0.5           # 潜力: yearly amount up at least this much (0.5 = +50%) on the year before

# Customers marked lost (合作状态=流失) are gone, not at risk: kept out of the review lists.
[[rule]]
name = "lost"
zh = "已流失"
en = "Lost"
when = "status=lost"

# First among the live tiers: a big account going quiet belongs on the churn list,
# and `crm segment diff` shows it moving high_value -> churn_risk.
[[rule]]
name = "churn_risk"
zh = "流失风险"
en = "Churn risk"
review = true
when = [
    "metrics.deals>=1 metrics.days_since_interaction>{churn_days}",  # a buyer we have not heard from
    "metrics.avg_satisfaction<{low_satisfaction}",                    # unhappy
    "status=at_risk",                                                 # marked 潜在流失 by a person
]

[[rule]]
name = "high_value"
zh = "高价值"
en = "High value"
review = true
when = "metrics.yearly_amount>{high_value_amount} metrics.repurchase_rate>={min_repurchase}"

[[rule]]
name = "potential"
zh = "潜力"
en = "Potential"
when = [
    "needs.stage!=won|dropped metrics.deals=0",                                   # an open need, no deal yet
    "status=intent metrics.deals=0",                                             # 意向: need and budget confirmed
    "metrics.yearly_amount<={high_value_amount} metrics.growth>={fast_growth}",  # small but growing fast
]

# Everyone else: small or unclear.
[[rule]]
name = "normal"
zh = "普通"
en = "Normal"
"""

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PARAM_RE = re.compile(r"\{(\w+)\}")
_RULE_KEYS = {"name", "zh", "en", "when", "review", "note"}


@dataclass
class Rule:
    name: str
    zh: str
    en: str
    lines: list[str]  # alternatives with {params} filled in; empty: matches everyone
    raw_lines: list[str] = field(default_factory=list)
    review: bool = False
    note: str = ""

    @property
    def catch_all(self) -> bool:
        return not self.lines

    def label(self, lang: str) -> str:
        """The label a person reads in LANG (zh-Hant: the zh label in Traditional script)."""
        from crmcli.i18n import zh_text

        return self.en if lang == "en" else zh_text(self.zh, lang)

    def filters(self, line: str) -> list[str]:
        return shlex.split(line)


@dataclass
class RuleSet:
    rules: list[Rule]
    params: dict[str, Any]
    source: str  # the text the rules came from (printed by `crm segment rules`)
    origin: str = "built-in"

    def names(self) -> list[str]:
        return [r.name for r in self.rules]

    def get(self, name: str) -> Rule:
        """A rule by its name or either label (case- and width-insensitive)."""
        key = fields.fold(name)
        for r in self.rules:
            if key in (fields.fold(r.name), fields.fold(r.zh), fields.fold(r.en)):
                return r
        raise InvalidValue(_("no segment '{name}'; segments: {segments}").format(
            name=name, segments=", ".join(f"{r.name} ({r.zh})" if get_lang() == "en" else f"{r.label(get_lang())}（{r.name}）"
                                          for r in self.rules)))

    def to_toml(self) -> str:
        """Canonical text of the rules as run (params resolved), stored with each run."""
        out = ["[params]"]
        out += [f"{k} = {_toml_value(v)}" for k, v in self.params.items()]
        for r in self.rules:
            out += ["", "[[rule]]", f"name = {_toml_value(r.name)}", f"zh = {_toml_value(r.zh)}",
                    f"en = {_toml_value(r.en)}"]
            if r.review:
                out.append("review = true")
            if r.note:
                out.append(f"note = {_toml_value(r.note)}")
            if len(r.raw_lines) == 1:
                out.append(f"when = {_toml_value(r.raw_lines[0])}")
            elif r.raw_lines:
                out.append("when = [")
                out += [f"    {_toml_value(line)}," for line in r.raw_lines]
                out.append("]")
        return "\n".join(out) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)


def _fill(rule: str, line: str, params: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in params:
            raise InvalidValue(_("rule '{rule}': unknown parameter {{{key}}}; parameters: {params}").format(
                rule=rule, key=key, params=", ".join(params) or _("none")))
        v = params[key]
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    return _PARAM_RE.sub(sub, line)


def _param_value(key: str, text: str) -> Any:
    try:
        v = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        v = text
    if not isinstance(v, int | float | str) or isinstance(v, bool):
        raise InvalidValue(_("parameter {key} takes a number or text, not '{value}'").format(key=key, value=text))
    return v


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """`--param churn_days=60` items -> {name: value}."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidValue(_("--param takes NAME=VALUE, e.g. churn_days=60 (got '{value}')").format(value=item))
        out[key.strip()] = _param_value(key.strip(), value.strip())
    return out


def parse(text: str, *, origin: str = "rules", overrides: dict[str, Any] | None = None,
          today: date | None = None, check: bool = True) -> RuleSet:
    """Read and check a rules file's text: every line must compile, or the error names its rule."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidValue(_("{origin} is not valid TOML: {error}").format(origin=origin, error=e)) from None
    extra = set(data) - {"params", "rule"}
    if extra:
        raise InvalidValue(_("{origin}: unknown section {sections} (expected [params] and [[rule]])").format(
            origin=origin, sections=", ".join(sorted(extra))))
    params = dict(data.get("params", {}))
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise InvalidValue(_("{origin}: parameter {key} must be a number or text").format(origin=origin, key=k))
    for k, v in (overrides or {}).items():
        if k not in params:
            raise InvalidValue(_("unknown parameter '{key}'; parameters: {params}").format(key=k, params=", ".join(params) or _("none")))
        params[k] = v
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise InvalidValue(_("{origin} has no rules: add [[rule]] tables with name and when").format(origin=origin))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raw_rules, 1):
        rules.append(_rule(raw, i, params, today, check))
        r = rules[-1]
        for label in {fields.fold(r.name), fields.fold(r.zh), fields.fold(r.en)}:
            if label in seen and seen[label] != r.name:
                raise InvalidValue(_("rule '{rule}': its name or label '{label}' is already used by rule '{other}'").format(
                    rule=r.name, label=label, other=seen[label]))
            seen[label] = r.name
    for r in rules[:-1]:
        if r.catch_all:
            later = ", ".join(x.name for x in rules[rules.index(r) + 1:])
            raise InvalidValue(_("rule '{rule}' has no `when`, so it matches everyone and the rules after it ({later}) "
                                 "never apply; move it last").format(rule=r.name, later=later))
    return RuleSet(rules, params, text, origin)


def _shlex_error(e: ValueError) -> str:
    return _("a quote is not closed") if "quotation" in str(e) else str(e)


def _rule(raw: Any, index: int, params: dict[str, Any], today: date | None, check: bool) -> Rule:
    if not isinstance(raw, dict):
        raise InvalidValue(_("rule {index} is not a table").format(index=index))
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidValue(_("rule {index}: name must be letters, digits and _ starting with a letter (got {name!r})").format(
            index=index, name=name))
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise InvalidValue(_("rule '{rule}': unknown key {unknown} (keys: {keys})").format(
            rule=name, unknown=", ".join(sorted(unknown)), keys=", ".join(sorted(_RULE_KEYS))))
    when = raw.get("when")
    if when is None:
        raw_lines: list[str] = []
    elif isinstance(when, str):
        raw_lines = [when] if when.strip() else []
    elif isinstance(when, list) and when and all(isinstance(x, str) and x.strip() for x in when):
        raw_lines = list(when)
    else:
        raise InvalidValue(_("rule '{rule}': when must be a filter line or a non-empty list of filter lines "
                             "(leave it out for a catch-all)").format(rule=name))
    lines = []
    for line in raw_lines:
        filled = _fill(name, line, params)
        try:
            args = shlex.split(filled)
            if check:
                filters.compile_filters("customers", args, today=today)
        except ValueError as e:  # shlex: unbalanced quotes
            raise InvalidValue(_("rule '{rule}': cannot read `{line}`: {error}").format(
                rule=name, line=line, error=_shlex_error(e))) from None
        except CrmError as e:
            raise InvalidValue(_("rule '{rule}': {error}").format(rule=name, error=e)) from None
        lines.append(filled)
    zh = raw.get("zh", name)
    en = raw.get("en", name)
    if not isinstance(zh, str) or not isinstance(en, str) or not zh.strip() or not en.strip():
        raise InvalidValue(_("rule '{rule}': zh and en are non-empty labels").format(rule=name))
    review = raw.get("review", False)
    if not isinstance(review, bool):
        raise InvalidValue(_("rule '{rule}': review is true or false").format(rule=name))
    return Rule(name, zh.strip(), en.strip(), lines, raw_lines, review, str(raw.get("note", "")))


def load(path: str | Path | None = None, *, overrides: dict[str, Any] | None = None,
         today: date | None = None) -> RuleSet:
    """The rules in PATH, else the config's `segment_rules`, else the built-in defaults."""
    if path is None:
        from crmcli import config

        configured = config.get("segment_rules")
        path = Path(configured).expanduser() if configured else None
    if path is None:
        return parse(DEFAULT_RULES, origin=_("built-in rules"), overrides=overrides, today=today)
    p = Path(path)
    if str(path) == "-":
        import sys

        return parse(sys.stdin.read(), origin=_("rules from stdin"), overrides=overrides, today=today)
    if not p.is_file():
        raise InvalidValue(_("no rules file {path}; `crm segment rules > {name}` writes the defaults to start from").format(
            path=p, name=p.name))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidValue(_("cannot read rules file {path}: {error}").format(
            path=p, error=reason(e) if isinstance(e, OSError) else _("not UTF-8 text"))) from None
    return parse(text, origin=str(p), overrides=overrides, today=today)
