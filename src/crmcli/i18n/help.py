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


def _leaf(cmd: Any, argv: list[str], globals_with_value: tuple[str, ...] = ("--db", "--lang")) -> tuple[Any, int]:
    """The click command ARGV invokes and the index of its name in ARGV (-1: the root)."""
    i, node, at = 0, cmd, -1
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
        node, at = sub, i
        i += 1
    return node, at


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


def translate_tree(cmd: Any) -> None:
    """Replace every help text of CMD's tree by its translation (current language)."""
    tr = i18n._
    for _path, c in _walk(cmd):
        for attr in ("help", "short_help", "epilog"):
            text = getattr(c, attr, None)
            if text:
                setattr(c, attr, tr(text))
        for p in c.params:
            text = getattr(p, "help", None)
            if text:
                p.help = tr(text)


def install_click_gettext() -> None:
    """Route click's and Typer's own messages through our catalogs."""
    import importlib

    for name in _CLICK_MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "_"):
            mod._ = i18n._  # type: ignore[attr-defined]
        if hasattr(mod, "ngettext"):
            mod.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def prepare(cmd: Any, argv: list[str]) -> list[str]:
    """Everything main() does before running CMD: settle the language, translate, hoist --lang."""
    wanted = prescan(argv)
    try:
        i18n.set_lang(wanted)
    except Exception:  # an unknown --lang: the global option's own check reports it
        i18n.set_lang(None)
    if i18n.get_lang() != "en":
        translate_tree(cmd)
        install_click_gettext()
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
