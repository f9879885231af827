"""`--help` in the chosen language, and `--lang` after the subcommand.

Typer reads help texts (docstrings, `help=`) when the modules are imported, before `--lang` is known, so
they stay English literals in the source and are translated on the built click commands, just before
they run: only the invoked command and the groups on the way to it (`translate_invoked`); a group's
subcommands when its help lists them. Click's own words ("Usage:", "Show this message and exit.", "No such
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


def _descend(cmd: Any, argv: list[str], globals_with_value: tuple[str, ...] = ("--db", "--lang")) -> tuple[list[Any], int]:
    """The click commands ARGV invokes, the root first, and the index of the last one's name in ARGV (-1: the
    root). Looking a name up builds that command only (cli/lazy.py)."""
    i, path, at = 0, [cmd], -1
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        if a.startswith("-"):
            i += 2 if (len(path) == 1 and a in globals_with_value) else 1
            continue
        sub = getattr(path[-1], "commands", {}).get(a)
        if sub is None:
            break
        path.append(sub)
        at = i
        i += 1
    return path, at


def _leaf(cmd: Any, argv: list[str]) -> tuple[Any, int]:
    """The click command ARGV invokes and the index of its name in ARGV (-1: the root)."""
    path, at = _descend(cmd, argv)
    return path[-1], at


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


def _retext(obj: Any, attrs: tuple[str, ...]) -> None:
    """OBJ's ATTRS set to the translations of their English texts (kept on OBJ the first time: a command
    module's commands are built once a process and shared, so a second call must not translate a translation)."""
    english = obj.__dict__.setdefault("_crm_english", {a: getattr(obj, a, None) for a in attrs})
    for attr, text in english.items():
        if text:
            setattr(obj, attr, i18n._(text))


def translate_command(c: Any) -> None:
    """Replace the help texts of command C (not its subcommands) and of its options by their translations."""
    _retext(c, ("help", "short_help", "epilog"))
    for p in c.params:
        _retext(p, ("help",))


def translate_invoked(cmd: Any, argv: list[str]) -> None:
    """Translate what ARGV's call can show: the commands on its path (root first) and, when it ends at a group
    (its help, or a usage error), that group's subcommands' short helps, each as it is built; nothing else is
    built or translated."""
    path, _at = _descend(cmd, argv)
    for c in path:
        translate_command(c)
    subcommands = getattr(path[-1], "commands", None)
    if hasattr(subcommands, "when_built"):  # a lazy group: built only if its help lists them
        subcommands.when_built(translate_command)
    elif subcommands:
        for sub in subcommands.values():
            translate_command(sub)


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
        translate_invoked(cmd, argv)
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
