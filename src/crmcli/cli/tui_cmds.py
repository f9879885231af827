"""crm tui: the full-screen workspace. Textual is imported here, inside the
command, so every other command starts as fast as before."""

from __future__ import annotations

from crmcli.cli.common import guard, state
from crmcli.cli.lazy import new_app
from crmcli.i18n import _

app = new_app()  # this module's commands; cli/__init__.py COMMANDS lists their names


@app.command("tui")
@guard
def tui() -> None:
    """Open the full-screen workspace: customers, a customer's card, duplicates.

    Keys: / filter, Enter open, f log a follow-up, x next step done, g tag, e edit,
    c close a ticket, d duplicates, ? help, q quit.

    Example: crm tui
    Example: crm --lang zh tui
    """
    import sys

    from crmcli.errors import InvalidValue

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidValue(_("crm tui needs a terminal; in scripts use crm query / crm today"))
    from crmcli.tui.app import CrmApp

    CrmApp(state.conn(), lang=state.language()).run()
