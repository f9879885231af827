"""The quick-action dialogs: each collects a few values and hands them to one library
call; a refusal (the library's own message) stays on the dialog, in red, so the
salesperson fixes the value instead of losing what they typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from crmcli.errors import CrmError
from crmcli.i18n import N_, _


class Form(ModalScreen[Any]):
    """A dialog of labelled inputs; Enter in the last one (or Ctrl+S) submits, Esc cancels.

    ACTION receives {input id: text} and returns what the dialog dismisses with;
    a CrmError it raises is shown under the inputs and the dialog stays open."""

    DEFAULT_CSS = """
    Form { align: center middle; }
    Form > Vertical { width: 76; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
                      background: $surface; }
    Form .title { text-style: bold; margin-bottom: 1; }
    Form Input { margin-bottom: 0; }
    Form .error { color: $error; height: auto; }
    Form .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("cancel")), Binding("ctrl+s", "submit", N_("save"))]

    def __init__(self, title: str, inputs: list[tuple[str, str, str]],
                 action: Callable[[dict[str, str]], Any]) -> None:
        super().__init__()
        from crmcli.tui.app import translate_bindings

        translate_bindings(self)
        self.form_title = title
        self.inputs = inputs  # (id, label, placeholder)
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.form_title, classes="title")
            for ident, label, placeholder in self.inputs:
                yield Label(label)
                yield Input(placeholder=placeholder, id=ident)
            yield Static("", id="error", classes="error")
            yield Static(_("Enter: save   Esc: cancel"), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = [i[0] for i in self.inputs]
        here = ids.index(event.input.id or "")
        if here + 1 < len(ids):
            self.query_one(f"#{ids[here + 1]}", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = {i[0]: self.query_one(f"#{i[0]}", Input).value for i in self.inputs}
        try:
            result = self.action(values)
        except CrmError as e:
            self.query_one("#error", Static).update(str(e))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
