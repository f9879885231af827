"""`--help` in the chosen language, and `--lang` after the subcommand.

Typer reads help texts (docstrings, `help=`) when the modules are imported, before `--lang` is known, so
they stay English literals in the source and are translated on the built click command tree, just
before it runs (`translate_tree`). Click's own words ("Usage:", "Show this message and exit.", "No such
option") come from click's `_()` calls; `install_click_gettext` points those at our catalogs. Both only
run when the language is not English.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmcli import i18n

# Typer vendors click (typer._click, plain English strings); its own module calls gettext.
_CLICK_MODULES = ("typer.core",)


def prescan(argv: list[str]) -> str | None:
    """The value of the last --lang anywhere in ARGV (before a bare --), or None."""
    found = None
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif a.startswith("--lang="):
            found = a.split("=", 1)[1]
    return found


def _chain(cmd: Any, argv: list[str], globals_with_value: tuple[str, ...] = ("--db", "--lang")) -> list[tuple[Any, int]]:
    """The click commands ARGV invokes, root first, each with the index of its name in ARGV (-1: the root)."""
    i, node, chain = 0, cmd, [(cmd, -1)]
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        if a.startswith("-"):
            i += 2 if (node is cmd and a in globals_with_value) else 1
            continue
        sub = getattr(node, "commands", {}).get(a)
        if sub is None:
            break
        node = sub
        chain.append((sub, i))
        i += 1
    return chain


def _leaf(cmd: Any, argv: list[str]) -> tuple[Any, int]:
    """The click command ARGV invokes and the index of its name in ARGV (-1: the root)."""
    return _chain(cmd, argv)[-1]


def hoist_lang(cmd: Any, argv: list[str]) -> list[str]:
    """Move a `--lang X` given after the subcommand to the global position. A command with its own
    --lang (export: the labels written in the file) keeps it, and the global option gets a copy."""
    leaf, at = _leaf(cmd, argv)
    if at < 0:
        return argv
    if any("--lang" in getattr(p, "opts", ()) for p in leaf.params):
        own = prescan(argv[at + 1:])
        return ["--lang", own, *argv] if own is not None else argv
    out, moved, i = list(argv[:at + 1]), [], at + 1
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out.extend(argv[i:])
            break
        if a == "--lang" and i + 1 < len(argv):
            moved = ["--lang", argv[i + 1]]
            i += 2
            continue
        if a.startswith("--lang="):
            moved = ["--lang", a.split("=", 1)[1]]
            i += 1
            continue
        out.append(a)
        i += 1
    return moved + out if moved else argv


def _walk(cmd: Any, path: str = "crm") -> Iterator[tuple[str, Any]]:
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _walk(sub, f"{path} {name}")


_HELP_ATTRS = ("help", "short_help", "epilog")
# (object, attribute, English text) of everything translated in this process: a later English call (a
# test, the TUI) puts it back, since the built commands are cached per process (cli/lazy.py).
_translated: list[tuple[Any, str, str]] = []


def _set(obj: Any, attr: str, text: str) -> None:
    original = next((en for o, a, en in _translated if o is obj and a == attr), None)
    if original is None:
        _translated.append((obj, attr, text))
        original = text
    setattr(obj, attr, i18n._(original))


def translate_tree(cmd: Any, argv: list[str] | None = None) -> None:
    """Translate the help texts ARGV reaches (current language): the root, each group on the way and
    the command invoked, with their options. Only those are built; the other commands' one-line
    summaries in a "Commands" listing are translated as they are shown (`_short_help`).
    Without ARGV, every command of the tree (builds them all)."""
    nodes = [c for c, _at in _chain(cmd, argv)] if argv is not None else [c for _p, c in _walk(cmd)]
    for c in nodes:
        for attr in _HELP_ATTRS:
            if getattr(c, attr, None):
                _set(c, attr, getattr(c, attr))
        for p in c.params:
            if getattr(p, "help", None):
                _set(p, "help", p.help)


def untranslate() -> None:
    """Every help text translate_tree changed, back in English."""
    while _translated:
        obj, attr, text = _translated.pop()
        setattr(obj, attr, text)


_click_originals: dict[str, Any] = {}


def _short_help(help: str, limit: int = 45) -> str:
    """click's one-line command summary (make_default_short_help), of the translated text."""
    from crmcli.i18n.helpformat import short_help

    text = i18n._(help)
    return _click_originals["short"](text, limit) if text.isascii() else short_help(text, limit)


def install_click_gettext(on: bool = True) -> None:
    """Route click's and Typer's own messages through our catalogs (usage errors: crmcli.i18n.usage), and
    lay help out for CJK text (crmcli.i18n.helpformat); ON=False puts click's own back."""
    import gettext
    import importlib

    import typer._click.core as click_core

    from crmcli.i18n import usage

    if on:
        usage.install()
    else:
        usage.uninstall()
    if on and not _click_originals:
        from crmcli.i18n.helpformat import WideHelpFormatter

        _click_originals.update(formatter=click_core.Context.formatter_class,
                                short=click_core.make_default_short_help)
        click_core.Context.formatter_class = WideHelpFormatter
        click_core.make_default_short_help = _short_help  # type: ignore[assignment]
    elif not on and _click_originals:
        click_core.Context.formatter_class = _click_originals.pop("formatter")
        click_core.make_default_short_help = _click_originals.pop("short")
    for name in _CLICK_MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "_"):
            mod._ = i18n._ if on else gettext.gettext  # type: ignore[attr-defined]
        if hasattr(mod, "ngettext"):
            mod.ngettext = i18n.ngettext if on else gettext.ngettext  # type: ignore[attr-defined]


def prepare(cmd: Any, argv: list[str]) -> list[str]:
    """Everything main() does before running CMD: settle the language, translate, hoist --lang."""
    wanted = prescan(argv)
    try:
        i18n.set_lang(wanted)
    except Exception:  # an unknown --lang: the global option's own check reports it
        i18n.set_lang(None)
    if i18n.get_lang() != "en":
        translate_tree(cmd, argv)
        install_click_gettext()
    elif _translated or _click_originals:  # an earlier call in this process was in Chinese
        untranslate()
        install_click_gettext(on=False)
    return hoist_lang(cmd, argv)


def texts() -> Iterator[tuple[str, str]]:
    """(command path, help text) for the whole `crm` tree: what po/zh/help.po must translate."""
    import typer

    from crmcli.cli import app

    for path, c in _walk(typer.main.get_command(app)):
        for attr in ("help", "short_help", "epilog"):
            text = getattr(c, attr, None)
            if text:
                yield path, text
        for p in c.params:
            text = getattr(p, "help", None)
            if text:
                yield f"{path} {p.name}", text
