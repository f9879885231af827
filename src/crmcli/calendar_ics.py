"""`crm today --ics FILE`: the open follow-ups as an RFC 5545 calendar for a phone.

One all-day event per follow-up not done that has a due date (预计完成时间), with a
reminder at 09:00 that day: the customer and the next step (下一步计划) as the title,
the contact person, phone and e-mail, owner and follow-up id in the description.

Re-importing must update, not duplicate. Calendars match events by UID, so the UID
is the follow-up id (`F20241122001@crmcli`): the same follow-up is the same event
in every file crm writes, on every machine. SEQUENCE counts the logged updates of
the follow-up and DTSTAMP / LAST-MODIFIED are its updated_at, so a calendar sees a
changed entry as newer, and two files written from the same data are byte-identical.
A follow-up marked done simply drops out of the next file.

Phones and e-mails follow the same rule as every other output: masked unless
`--unmask` or `crm config set mask false`. A phone calendar is the user's own, but
an .ics file travels (mail, cloud calendar sync), and seed 003 asks that sensitive
fields leave only by a deliberate act; a person who owns all their data sets
`mask false` once. An unmasked calendar is logged like an unmasked export.

The file is written atomically and is owner-only (0600): it holds customer data. A calendar crm
wrote before is refreshed in place (the daily cron job); any other existing file needs --force.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli import audit, today
from crmcli.errors import InvalidValue
from crmcli.i18n import _

if TYPE_CHECKING:
    from crmcli.outfile import Overwrite

UID_DOMAIN = "crmcli"
REMINDER = timedelta(hours=9)  # from the start of the all-day event: 09:00 on the due day


def uid(followup_id: str) -> str:
    """The stable calendar UID of a follow-up."""
    return f"{followup_id}@{UID_DOMAIN}"


def _sequences(conn: sqlite3.Connection, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    out: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute(
            f"SELECT row_id, count(*) FROM changes WHERE table_name = 'followups' AND action = 'update' "
            f"AND row_id IN ({','.join('?' * len(chunk))}) GROUP BY row_id", chunk)
        out.update({r[0]: int(r[1]) for r in rows})
    return out


def _stamp(text: str | None) -> datetime:
    """A stored local time (updated_at) in UTC: RFC 5545 wants DTSTAMP and LAST-MODIFIED in UTC."""
    try:
        local = datetime.strptime((text or "")[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        local = datetime(2000, 1, 1)
    return local.astimezone(UTC)


def build(conn: sqlite3.Connection, *, owner: str | None = None, unmask: bool = False) -> tuple[bytes, int]:
    """(the calendar as RFC 5545 bytes, number of events) for the open follow-ups of OWNER (None: all)."""
    from icalendar import Alarm, Calendar, Event

    from crmcli.output import masker

    entries = today.open_followups(conn, owner=owner)
    masks = masker(None, ["phone", "email"], unmask)
    seq = _sequences(conn, [e["followup_id"] for e in entries])
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("crm follow-ups") + (f" ({owner})" if owner else ""))
    for e in entries:
        for col, fn in masks.items():
            if e[col]:
                e[col] = fn(e[col])
        ev = Event()
        ev.add("uid", uid(e["followup_id"]))
        step = e["next_step"] or (_("follow up: {summary}").format(summary=e["summary"]) if e["summary"]
                                  else _("follow up"))
        ev.add("summary", f"{e['customer']}: {step}")
        due = date.fromisoformat(e["due_date"])
        ev.add("dtstart", due)
        ev.add("dtend", due + timedelta(days=1))
        changed = _stamp(e["updated_at"])
        ev.add("dtstamp", changed)
        ev.add("last-modified", changed)
        ev.add("sequence", seq.get(e["followup_id"], 0))
        ev.add("description", _description(e))
        ev.add("categories", ["crm"])
        ev.add("transp", "TRANSPARENT")  # a to-do on a day, not a busy slot
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{e['customer']}: {step}")
        alarm.add("trigger", REMINDER)
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical(), len(entries)


def _description(e: dict[str, Any]) -> str:
    lines = [_("Customer: {name} ({id})").format(name=e["customer"], id=e["customer_id"])]
    if e["next_step"]:
        lines.append(_("Next step: {step}").format(step=e["next_step"]))
    if e["summary"]:
        lines.append(_("Last talk: {summary}").format(summary=e["summary"]))
    contact = " ".join(str(x) for x in (e["contact"], e["phone"], e["email"]) if x)
    if contact:
        lines.append(_("Contact: {contact}").format(contact=contact))
    if e["owner"]:
        lines.append(_("Owner: {owner}").format(owner=e["owner"]))
    lines.append(_("Follow-up {id}: crm show {customer}").format(id=e["followup_id"], customer=e["customer_id"]))
    return "\n".join(lines)


PRODID = "-//crmcli//crm today//EN"


def _ours(path: Path) -> bool:
    """Is PATH a calendar crm wrote? Then writing it again is a refresh, not an overwrite."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.startswith(b"BEGIN:VCALENDAR") and PRODID.encode() in head


def write(conn: sqlite3.Connection, path: str | os.PathLike[str], *, owner: str | None = None,
          unmask: bool = False, force: Overwrite = False) -> int:
    """Write the calendar to PATH (atomically, 0600; crmcli.outfile's rules); returns the number of
    events. A calendar crm wrote before is refreshed without FORCE; any other existing file needs it."""
    from crmcli import outfile

    if str(path) == "-":
        raise InvalidValue(_("--ics needs a file name (a calendar is imported from a file)"))
    target = Path(path).expanduser()
    data, n = build(conn, owner=owner, unmask=unmask)
    with outfile.atomic_path(target, force=True if _ours(target) else force,
                             avoid=outfile.database_files(conn)) as tmp:
        tmp.write_bytes(data)
    if unmask:
        details = {"who": audit.current_user(), "file": str(target), "format": "ics", "rows": n, "owner": owner}
        with audit.operation(conn, "export", _("unmasked calendar of {n} follow-ups to {file}").format(
                n=n, file=target), details):
            pass
    return n
