"""The duplicate review: `crm dedupe`'s clusters side by side with their reasons;
merge (undoable with `crm undo`), mark "not the same" (remembered), or skip."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from crmcli.errors import CrmError
from crmcli.i18n import N_, _
from crmcli.tui import model
from crmcli.tui.app import CrmScreen, fill, selected_key


class DedupeScreen(CrmScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", N_("back")),
        Binding("m", "merge", N_("merge")),
        Binding("n", "not_same", N_("not the same")),
        Binding("k", "skip", N_("skip")),
    ]
    DEFAULT_CSS = """
    DedupeScreen #clusters { height: 2fr; }
    DedupeScreen #members { height: 3fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.clusters: list[Any] = []  # crmcli.dedupe.scan.Cluster

    def compose(self) -> ComposeResult:
        yield Static(_("crm — duplicates to review"), classes="title")
        yield DataTable(id="clusters", cursor_type="row")
        yield DataTable(id="members", cursor_type="row")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.clusters = model.review_clusters(self.crm.conn)
        self.show_list()
        self.query_one("#clusters", DataTable).focus()

    def show_list(self) -> None:
        fill(self.query_one("#clusters", DataTable), model.cluster_grid(self.clusters, self.crm.lang))
        self.show_members()
        left = len(self.clusters)
        self.say(_("{n} clusters to review").format(n=left) if left else _("no duplicates left to review"))

    def current(self) -> dict[str, Any] | None:
        key = selected_key(self.query_one("#clusters", DataTable))
        return next((c for c in self.clusters if str(c.cluster) == key), None)

    def show_members(self) -> None:
        c = self.current()
        members = self.query_one("#members", DataTable)
        if c is None:
            members.clear(columns=True)
            return
        fill(members, model.member_grid(c, self.crm.lang, self.crm.unmasked))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "clusters":
            self.show_members()

    def _done_with(self, c: Any, message: str) -> None:
        self.clusters = [x for x in self.clusters if x is not c]
        self.show_list()
        self.say(message)

    def action_merge(self) -> None:
        c = self.current()
        if c is None:
            return
        try:
            res = model.merge_cluster(self.crm.conn, c)
        except CrmError as e:
            self.say(str(e), error=True)
            return
        self._done_with(c, _("merged into {id} (merge {m}; `crm undo` reverses it)").format(
            id=res.plan.survivor, m=res.merge_id))

    def action_not_same(self) -> None:
        c = self.current()
        if c is None:
            return
        try:
            model.not_same(self.crm.conn, c)
        except CrmError as e:
            self.say(str(e), error=True)
            return
        self._done_with(c, _("remembered: not the same; never proposed again"))

    def action_skip(self) -> None:
        c = self.current()
        if c is not None:
            self._done_with(c, _("skipped (asked again next time)"))
