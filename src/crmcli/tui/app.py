"""`crm tui`: the full-screen workspace (Textual).

Screens: the customer list with the filter bar (the default), a customer's card
with a tab per module, today's agenda, and the duplicate review; `?` shows the
keys. The screens only arrange widgets: what they read and write is in
`model.py`, through the same library calls as the CLI.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.table import Table as RichTable
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane

from crmcli.errors import CrmError
from crmcli.i18n import N_, _, ngettext
from crmcli.tui import model
from crmcli.tui.forms import Form

MAX_WIDTH = 36  # a column of long text (summaries, names) ends in … past this


def fill(table: DataTable[Any], g: model.Grid, widths: dict[str, int] | None = None) -> None:
    """Put a grid into a table widget; cells are plain text (never markup: data is not code).

    WIDTHS fixes some columns' widths; long text in them ends in … instead of a break."""
    table.clear(columns=True)
    for i, (col, head) in enumerate(zip(g.columns, g.heads, strict=True)):
        width = (widths or {}).get(col)
        if width is None:  # as wide as the widest cell, up to a limit where … takes over
            width = min(MAX_WIDTH, max([cell_len(r[i]) for r in g.rows] or [0]))
        table.add_column(head, key=col, width=max(width, cell_len(head)))
    for key, row in zip(g.keys, g.rows, strict=True):
        table.add_row(*(Text(c, no_wrap=True, overflow="ellipsis") for c in row), key=key)


def translate_bindings(node: Any) -> None:
    """Bindings are declared with N_() (the language is not known when a class is defined);
    show them in the chosen one."""
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [replace(b, description=_(b.description)) if b.description else b
                                               for b in bindings]


def selected_key(table: DataTable[Any]) -> str | None:
    if table.row_count == 0:
        return None
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def summary_grid(pairs: list[tuple[str, str]], width: int) -> RichTable:
    """The card's fields as label/value pairs, two abreast at 80 columns, three from 120."""
    per_row = 3 if width >= 120 else 2
    grid = RichTable.grid(padding=(0, 1), expand=True)
    for _column in range(per_row):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    for i in range(0, len(pairs), per_row):
        cells: list[str] = []
        for label, value in pairs[i:i + per_row]:
            cells += [label, " ".join(value.split())]
        grid.add_row(*cells)
    return grid


class CrmScreen(Screen[None]):
    """What every workspace screen shares: its bindings in the chosen language, the app's
    connection and settings, and a status line for what an action did."""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    @property
    def crm(self) -> CrmApp:
        app = self.app
        assert isinstance(app, CrmApp)
        return app

    def say(self, message: str, error: bool = False) -> None:
        self.query_one("#status", Static).update(Text(message, style="red" if error else ""))


class CustomersScreen(CrmScreen):
    """The customer list: a filter bar in the filter language, a live count, sortable columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", N_("filter")),
        Binding("enter", "open", N_("open"), show=False),
        Binding("s", "sort", N_("sort")),
        Binding("m", "toggle_mask", N_("unmask")),
        Binding("t", "app.push_today", N_("today")),
        Binding("d", "app.push_dedupe", N_("duplicates")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_index = -1
        self.descending = False

    def compose(self) -> ComposeResult:
        yield Static(_("crm — customers"), id="title", classes="title")
        yield Input(placeholder=_("filter: status=意向 industry~制造 orders.amount>=50000  (Enter)"), id="filter")
        yield Static("", id="status")
        yield DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#customers", DataTable).focus()

    def reload(self) -> None:
        app = self.crm
        text = self.query_one("#filter", Input).value
        sort = None
        if self.sort_index >= 0:
            col = model.CUSTOMER_COLUMNS[self.sort_index]
            sort = f"-{col}" if self.descending else col
        try:
            g = model.customers(app.conn, text, sort=sort, lang=app.lang, unmask=app.unmasked)
        except CrmError as e:
            self.query_one("#status", Static).update(Text(str(e), style="bold red"))
            return
        fill(self.query_one("#customers", DataTable), g, self.widths())
        shown = "" if g.total == len(g.rows) else _(" (first {n})").format(n=len(g.rows))
        self.query_one("#status", Static).update(
            ngettext("{total} customer", "{total} customers", g.total).format(total=g.total) + shown)

    def widths(self) -> dict[str, int]:
        """At 80 columns the first six columns fit: the name gets what the others leave."""
        heads = dict(zip(model.CUSTOMER_COLUMNS, model.headers("customers", model.CUSTOMER_COLUMNS, self.crm.lang),
                         strict=True))
        fixed = {c: max(model.FIXED_WIDTHS[c], cell_len(heads[c])) for c in model.CUSTOMER_COLUMNS[:6]
                 if c in model.FIXED_WIDTHS}
        room = self.size.width - sum(fixed.values()) - 2 * 6 - 2
        return {**model.FIXED_WIDTHS, "name": max(14, min(40, room))}

    def on_resize(self) -> None:
        self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        """The live count (and a did-you-mean for a typo) as the filter is typed."""
        try:
            n = model.count(self.crm.conn, event.value)
        except CrmError as e:
            self.query_one("#status", Static).update(Text(str(e), style="red"))
            return
        self.query_one("#status", Static).update(_("{total} customers match — Enter to list them").format(total=n))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.query_one("#customers", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CardScreen(str(event.row_key.value)))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        index = model.CUSTOMER_COLUMNS.index(str(event.column_key.value))
        self.descending = not self.descending if index == self.sort_index else False
        self.sort_index = index
        self.reload()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_open(self) -> None:
        key = selected_key(self.query_one("#customers", DataTable))
        if key:
            self.app.push_screen(CardScreen(key))

    def action_sort(self) -> None:
        """Cycle the sort column (each column ascending, then descending)."""
        if self.descending or self.sort_index < 0:
            self.sort_index = (self.sort_index + 1) % len(model.CUSTOMER_COLUMNS)
            self.descending = False
        else:
            self.descending = True
        self.reload()

    def action_toggle_mask(self) -> None:
        self.crm.toggle_mask(_("the customer list"))
        self.reload()


class CardScreen(CrmScreen):
    """One customer: the card on top, a tab per module, quick actions on keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", N_("back")),
        Binding("f", "followup", N_("log follow-up")),
        Binding("x", "done", N_("next step done")),
        Binding("g", "tag", N_("tag")),
        Binding("e", "edit", N_("edit")),
        Binding("c", "close_ticket", N_("close ticket")),
        Binding("m", "toggle_mask", N_("unmask")),
    ]
    TABS: ClassVar[list[tuple[str, str]]] = [
        ("contacts", N_("Contacts")), ("followups", N_("Follow-ups")), ("orders", N_("Orders")),
        ("tickets", N_("Tickets")), ("needs", N_("Needs")), ("tags", N_("Tags")), ("segment", N_("Segment")),
        ("history", N_("History"))]

    def __init__(self, customer_id: str) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        yield Static("", id="card", classes="card")
        with TabbedContent(id="tabs"):
            for ident, title in self.TABS:
                with TabPane(_(title), id=f"tab-{ident}"):
                    if ident == "segment":
                        yield Static("", id="verdict")
                    yield DataTable(id=f"grid-{ident}", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        c = model.card(self.crm.conn, self.customer_id, lang=self.crm.lang, unmask=self.crm.unmasked,
                       today=self.crm.today)
        self.customer_id = c.customer["customer_id"]
        self.query_one("#card", Static).update(summary_grid(c.summary, self.size.width))
        for ident, _title in self.TABS:
            g = {"history": c.history, "segment": c.segment}.get(ident) or c.tabs[ident]
            fill(self.query_one(f"#grid-{ident}", DataTable), g)
        self.query_one("#verdict", Static).update(c.verdict)

    def _row_of(self, tab: str) -> str | None:
        self.query_one("#tabs", TabbedContent).active = f"tab-{tab}"
        return selected_key(self.query_one(f"#grid-{tab}", DataTable))

    def _after(self, message: str) -> Any:
        def done(result: Any) -> None:
            if result is not None:
                self.reload()
                self.say(message.format(result=result))
        return done

    def action_followup(self) -> None:
        conn, cid = self.crm.conn, self.customer_id

        def save(v: dict[str, str]) -> str:
            return model.log_followup(conn, cid, method=v["method"] or None, summary=v["summary"],
                                      next_step=v["next_step"], due_date=v["due_date"])
        self.app.push_screen(Form(_("Log a follow-up"), [
            ("method", _("Method"), _("电话 / 邮件 / 拜访 / 线上会议 / 微信")),
            ("summary", _("What was said"), ""),
            ("next_step", _("Next step"), ""),
            ("due_date", _("Due date"), _("2024-06-30, +7d …"))], save), self._after(_("logged {result}")))

    def action_done(self) -> None:
        key = self._row_of("followups")
        if key is None:
            self.say(_("no follow-up to mark"), error=True)
            return
        try:
            model.mark_done(self.crm.conn, key)
        except CrmError as e:
            self.say(str(e), error=True)
            return
        self.reload()
        self.say(_("{id}: next step done").format(id=key))

    def action_tag(self) -> None:
        conn, cid = self.crm.conn, self.customer_id
        self.app.push_screen(Form(_("Tags"), [("tags", _("+add -remove"), "+重点维护 -价格敏感")],
                                  lambda v: model.tag(conn, cid, v["tags"])), self._after(_("tags: {result}")))

    def action_edit(self) -> None:
        conn, cid = self.crm.conn, self.customer_id
        self.app.push_screen(Form(_("Change fields of {id}").format(id=cid),
                                  [("set", _("field=value …"), "status=意向 needs=… budget=50万")],
                                  lambda v: model.set_fields(conn, cid, v["set"]) or {}),
                             self._after(_("saved")))

    def action_close_ticket(self) -> None:
        key = self._row_of("tickets")
        if key is None:
            self.say(_("no ticket to close"), error=True)
            return
        conn = self.crm.conn
        self.app.push_screen(Form(_("Close ticket {id}").format(id=key), [("result", _("Result"), "")],
                                  lambda v: model.close_ticket(conn, key, v["result"]) or {}),
                             self._after(_("{id} closed").replace("{id}", key)))

    def action_toggle_mask(self) -> None:
        self.crm.toggle_mask(_("a customer card"))
        self.reload()


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", N_("close"))]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 72; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
                            background: $surface; }
    """
    KEYS: ClassVar[list[tuple[str, str]]] = [
        ("/", N_("filter customers (the filter language of `crm query`)")), ("Enter", N_("open the customer")),
        ("s", N_("sort by the next column (click a header too)")),
        ("m", N_("show / mask phones and e-mails (logged)")),
        ("t", N_("today: overdue and due next steps, tickets at risk, the weekly review")),
        ("d", N_("duplicates: merge, not the same (remembered), skip")),
        ("f", N_("on a card: log a follow-up")), ("x", N_("on a card: mark the selected next step done")),
        ("g", N_("on a card: add or remove tags")), ("e", N_("on a card: change fields (field=value)")),
        ("c", N_("on a card: close the selected ticket")), ("Esc", N_("back")), ("q", N_("quit"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Keys"), style="bold"))
            for key, what in self.KEYS:
                yield Static(Text.assemble((f"{key:>6}  ", "bold"), _(what)))


class CrmApp(App[None]):
    """The workspace over one open connection; LANG picks the labels."""

    TITLE = "crm"
    CSS = """
    .title { text-style: bold; background: $primary; color: $text; padding: 0 1; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    #card { height: auto; max-height: 8; padding: 0 1; border-bottom: solid $primary; }
    DataTable { height: 1fr; }
    TabbedContent { height: 1fr; }
    TabPane { height: 1fr; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", N_("quit")),
        Binding("question_mark", "help", N_("help")),
    ]

    def __init__(self, conn: sqlite3.Connection, *, lang: str = "en", today: date | None = None) -> None:
        from crmcli import i18n

        self.lang = i18n.set_lang(lang)
        super().__init__()
        translate_bindings(self)
        self.conn = conn
        self.today = today
        self.unmasked = False

    def on_mount(self) -> None:
        self.push_screen(CustomersScreen())

    def toggle_mask(self, where: str) -> None:
        self.unmasked = not self.unmasked
        if self.unmasked:
            model.log_unmask(self.conn, where)

    def day(self) -> date:
        from crmcli.dates import default_today

        return self.today or default_today()

    def action_push_today(self) -> None:
        from crmcli.tui.agenda import TodayScreen

        self.push_screen(TodayScreen())

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_push_dedupe(self) -> None:
        from crmcli.tui.review import DedupeScreen

        self.push_screen(DedupeScreen())
