"""Commands built when they are invoked, through Typer's and click's public API.

A `crm` call runs one command. Typer builds a click object for every command it
knows, with all their options (the six `add` subcommands have ~25 options each),
so the root group and the `add` group know their commands by NAME only: a
`LazyCommands` mapping holds a factory per name and builds a command the first
time it is looked up. `crm query ...` imports `crmcli.cli.query_cmds` and builds
that module's commands; nothing else. `crm --help` and click's "Did you mean"
suggestions see every name (the mapping's keys) without building anything but
what help prints. Each command built gets crm's own value conversion (cli/convert.py:
typer >= 0.29 would import pydantic for it).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import typer
import typer.core

from crmcli.cli.convert import quicken, quicken_params

Factory = Callable[[], Any]  # () -> a click command

# What every crm Typer app shares. Each module's app is built on its own, so each needs them: plain
# (click) help without Rich (Rich costs start-up and is imported only to draw tables), no completion
# options, crm's own error boundary instead of Typer's pretty tracebacks.
SETTINGS: dict[str, Any] = {"rich_markup_mode": None, "add_completion": False, "pretty_exceptions_enable": False,
                            "context_settings": {"help_option_names": ["-h", "--help"]}}


def new_app(**settings: Any) -> typer.Typer:
    """A Typer app (a module's commands, or a command group) with crm's settings."""
    return typer.Typer(**{**SETTINGS, **settings})


class LazyCommands(MutableMapping[str, Any]):
    """name -> click command, built on first lookup from a factory; names in order."""

    def __init__(self, factories: Mapping[str, Factory], built: Mapping[str, Any] | None = None) -> None:
        self._factories = dict(factories)
        self._built: dict[str, Any] = dict(built or {})

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._factories:
                raise KeyError(name)
            self._built[name] = quicken(self._factories[name]())
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._factories.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._factories
        yield from (n for n in self._built if n not in self._factories)

    def __len__(self) -> int:
        return len(set(self._factories) | set(self._built))

    def __contains__(self, name: object) -> bool:
        return name in self._factories or name in self._built

    def built(self) -> list[str]:
        """The names built so far (a test's view of what a call cost)."""
        return list(self._built)


class LazyGroup(typer.core.TyperGroup):
    """A Typer group whose commands come from FACTORIES (set by `lazy_group`)."""

    factories: Mapping[str, Factory] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(self.factories, self.commands)

    def get_params(self, ctx: Any) -> list[Any]:
        return quicken_params(super().get_params(ctx))  # values converted without pydantic: cli/convert.py

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: building every command just to list them is what this avoids


def lazy_group(factories: Mapping[str, Factory]) -> type[LazyGroup]:
    """A group class for `typer.Typer(cls=...)` whose commands are FACTORIES' names."""
    return type("LazyGroup", (LazyGroup,), {"factories": dict(factories)})


@functools.cache
def module_command_group(module: str) -> Any:
    """The click command(s) of MODULE's `app` (a module-level Typer), built once per process."""
    return typer.main.get_command(importlib.import_module(module).app)


def _build_from_module(module: str, name: str) -> Any:
    built = module_command_group(module)
    commands = getattr(built, "commands", None)
    if commands is None:  # an app with a single command is that command
        return built
    if name not in commands:
        raise LookupError(f"{module}.app defines no command {name!r}")
    return commands[name]


def from_module(module: str, name: str) -> Factory:
    """A factory for command NAME, defined on the `app` of MODULE."""
    return functools.partial(_build_from_module, module, name)
