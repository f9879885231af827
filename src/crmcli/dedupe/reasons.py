"""A dedupe reason for a person: match.py composes it in English ("name 95 (sounds alike) + same mobile"),
which is what JSON carries (DESIGN.md contract); `shown()` translates its parts when a screen shows it."""

from __future__ import annotations

import re

from crmcli.i18n import N_, _

# Each part of a reason, longest first; the separators (" + ", ", ", "; ") stay as they are.
_PARTS = [
    (r"survivor: oldest record", N_("survivor: oldest record")),
    (r"but that name exists in several cities", N_("but that name exists in several cities")),
    (r"but different city (?P<where>\S+)", N_("but different city {where}")),
    (r"different phone/email", N_("different phone/email")),
    (r"no conflicting contact", N_("no conflicting contact")),
    (r"no shared contact", N_("no shared contact")),
    (r"merged into (?P<id>\S+) earlier", N_("merged into {id} earlier")),
    (r"\(with (?P<id>[^)\s]+)\)", N_("(with {id})")),
    (r"name (?P<n>\d+) \(sounds alike\)", N_("name {n} (sounds alike)")),
    (r"name (?P<n>\d+)", N_("name {n}")),
    (r"same name", N_("same name")),
    (r"same mobile", N_("same mobile")),
    (r"same landline", N_("same landline")),
    (r"same phone", N_("same phone")),
    (r"same email", N_("same email")),
]
_COMPILED = [(re.compile(rx), msgid) for rx, msgid in _PARTS]
# One pass over the reason: each part is one capturing group (its own named groups made plain).
_PATTERN = re.compile("|".join("(" + re.sub(r"\(\?P<\w+>", "(?:", rx) + ")" for rx, _msg in _PARTS))


def shown(reason: str) -> str:
    """REASON in the interface language (unchanged under en)."""
    def one(m: re.Match[str]) -> str:
        rx, msgid = _COMPILED[(m.lastindex or 1) - 1]
        part = rx.fullmatch(m.group(0))
        return _(msgid).format(**part.groupdict()) if part else m.group(0)

    return _PATTERN.sub(one, reason)
