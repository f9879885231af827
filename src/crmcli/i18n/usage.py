"""click's usage errors (`No such option`, `Missing argument`, `Try 'crm query -h' for help.`) in the chosen
language.

Typer vendors click without click's gettext calls: these messages are English f-strings built where the
error is raised. While the language is not English, `install` replaces the two `show` methods that print
them; the message is rebuilt from the exception's fields (the option, the parameter, the hint) with the
msgids click itself uses (po/zh/click.po) or ours (po/zh/usage.po). `uninstall` puts
click's back.
"""

from __future__ import annotations

import re
from typing import IO, Any

from crmcli.i18n import N_, _, ngettext

_EXTRA = re.compile(r"^Got unexpected extra argument\(s\) \((.*)\)$", re.S)
_originals: dict[str, Any] = {}
_PYDANTIC = {"Input should be a valid integer, unable to parse string as an integer": N_("a whole number is needed"),
             "Input should be a valid number, unable to parse string as a number": N_("a number is needed")}


def _hint(e: Any) -> str:
    from typer._click import exceptions as x

    if e.param_hint is not None:
        return str(x._join_param_hints(e.param_hint))
    return str(x._join_param_hints(e.param.get_error_hint())) if e.param is not None else ""


def _missing(e: Any) -> str:
    kind = e.param_type or (e.param.param_type_name if e.param is not None else "parameter")
    hint = _hint(e)
    text = {"argument": _("Missing argument {name}."), "option": _("Missing option {name}.")}.get(
        kind, _("Missing parameter {name}.")).format(name=hint)
    extra = e.message or ""
    if e.param is not None:
        more = e.param.get_missing_message(ctx=e.ctx)
        extra = f"{extra} {more}".strip() if more else extra
    return f"{text} {extra}".strip()


def message(e: Any) -> str:
    """What E says, in the current language (its own English text when nothing here knows it)."""
    from typer._click import exceptions as x

    if isinstance(e, x.NoSuchOption):
        text = _("No such option: {name}").format(name=e.option_name) \
            if e.message.startswith("No such option: ") else e.message
        if e.possibilities:
            text = _("{message} (Possible options: {options})").format(
                message=text, options=", ".join(sorted(e.possibilities)))
        return text
    if isinstance(e, x.MissingParameter):
        return _missing(e)
    if isinstance(e, x.BadParameter):
        hint = _hint(e)
        why = _(_PYDANTIC[e.message]) if e.message in _PYDANTIC else e.message  # Typer checks values with pydantic
        if not hint:
            return _("Invalid value: {message}").format(message=why)
        return _("Invalid value for {param_hint}: {message}").format(param_hint=hint, message=why)
    extra = _EXTRA.match(e.message or "")
    if extra:
        args = extra.group(1)
        return ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})",
                        len(args.split())).format(args=args)
    return str(e.format_message())


def _show_usage_error(self: Any, file: IO[Any] | None = None) -> None:
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    file = file or get_text_stderr()
    color = None
    if self.ctx is not None:
        color = self.ctx.color
        hint = ""
        if self.ctx.command.get_help_option(self.ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=self.ctx.command_path, option=self.ctx.help_option_names[0]) + "\n"
        echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
    echo(_("Error: {message}").format(message=message(self)), file=file, color=color)


def _show_error(self: Any, file: IO[Any] | None = None) -> None:
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    echo(_("Error: {message}").format(message=self.format_message()), file=file or get_text_stderr(),
         color=self.show_color)


def install() -> None:
    from typer._click import exceptions as x

    if not _originals:
        _originals.update(usage=x.UsageError.show, click=x.ClickException.show)
        x.UsageError.show = _show_usage_error  # type: ignore[method-assign]
        x.ClickException.show = _show_error  # type: ignore[method-assign]


def uninstall() -> None:
    from typer._click import exceptions as x

    if _originals:
        x.UsageError.show = _originals.pop("usage")  # type: ignore[method-assign]
        x.ClickException.show = _originals.pop("click")  # type: ignore[method-assign]
