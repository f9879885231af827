"""Today in the workspace: `crm today`'s sections as tabs (overdue and due next steps,
tickets near their deadline, the weekly review); Enter opens the row's customer."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from crmcli.i18n import N_, _
from crmcli.tui import model
from crmcli.tui.app import CardScreen, CrmScreen, fill

TAB_NAMES = {"overdue": N_("Overdue"), "due": N_("Due"), "tickets": N_("Tickets at risk"), "review": N_("Weekly review")}
TAB_HELP = {
    "overdue": N_("Next steps past their due date and not done, oldest first"),
    "due": N_("Next steps due today and in the next {days} days"),
    "tickets": N_("Open tickets past or near their service-level deadline (urgent 2 h / 24 h, normal 3 working days)"),
    "review": N_("Seed 001's weekly review: customers that entered churn risk or left high value since last week"),
}
DAYS_AHEAD = 7


class TodayScreen(CrmScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", N_("back"))]

    def __init__(self) -> None:
        super().__init__()
        self.customer_of: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        tabs = model.agenda(self.crm.conn, self.crm.day(), days=DAYS_AHEAD, lang=self.crm.lang)
        yield Static(_("crm — today, {day}").format(day=self.crm.day().isoformat()), classes="title")
        with TabbedContent(id="agenda"):
            for tab in tabs:
                self.customer_of.update(tab.customer_of)
                with TabPane(f"{_(TAB_NAMES.get(tab.key, tab.key))} ({tab.grid.total})", id=f"tab-{tab.key}"):
                    yield Static(_(TAB_HELP.get(tab.key, tab.title)).format(days=DAYS_AHEAD), classes="section-title")
                    table: DataTable[Any] = DataTable(id=f"agenda-{tab.key}", cursor_type="row", zebra_stripes=True)
                    table.styles.height = "1fr"
                    fill(table, tab.grid)
                    yield table
        yield Footer()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CardScreen(self.customer_of[str(event.row_key.value)]))
