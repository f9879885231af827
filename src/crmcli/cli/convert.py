"""Option values converted without pydantic, as typer >= 0.29 converts them.

Typer 0.29 converts every parameter's value through a pydantic `TypeAdapter`, built
the first time the parameter is processed (`get_runtime_param` on its parameter
class); a parameter left out is processed too, so every command run (all but
`--help` / `--version`) imports pydantic (~55 ms CPU) and builds one adapter per
parameter of the command (~1-2 ms each): ~70 ms a call, more than the rest of
`crm query` together (benchmarks/NOTES.md). Typer has no public switch for it:
`typer.Option` no longer takes a click type, `parser=` is wrapped in an adapter too,
and the vendored click has no Option class to build a command from by hand.

crm's parameters are str, int, float, bool, Path and lists of str, constrained at most
by a maximum. `quicken(command)` gives each parameter of a built command a converter
for exactly those values, written as typer converts them (tests/test_convert.py
checks it against typer's own on the same values); any other value (a bad number,
a bound crossed, an unreadable path, a type not listed here) goes to typer's own
conversion, so errors read as typer words them. With typer < 0.29 (click's types,
no `get_runtime_param`) it changes nothing.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import typer.core

# typer >= 0.29: each parameter's values go through a converter from `get_runtime_param` (pydantic)
_TYPER_ADAPTS = hasattr(typer.core.TyperOption, "get_runtime_param")
MISS: Any = object()  # "not converted here": typer's own conversion decides
_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# A Path parameter with these settings (typer's defaults) only has to be readable when it exists.
_PLAIN_PATH = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False, "resolve_path": False,
               "allow_dash": False, "path_type": None}


def _in_bounds(number: Any, info: Any) -> Any:
    if getattr(info, "clamp", False):
        return MISS
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None and number < low) or (high is not None and number > high):
        return MISS
    return number


def _path(value: Any, info: Any) -> Any:
    if not isinstance(value, str) or any(getattr(info, k, v) != v for k, v in _PLAIN_PATH.items()):
        return MISS
    if getattr(info, "readable", True) and os.path.exists(value) and not os.access(value, os.R_OK):
        return MISS  # typer's "is not readable" error
    return Path(value)


def convert(annotation: Any, info: Any, value: Any) -> Any:
    """VALUE (not None) converted for a parameter of ANNOTATION and typer ParameterInfo INFO; MISS when
    typer's own conversion must decide (it may refuse the value)."""
    if getattr(info, "parser", None) is not None:
        return MISS
    if annotation is str or annotation is bool:
        return value if type(value) is annotation else MISS
    if annotation is int:
        if type(value) is int:
            return _in_bounds(value, info)
        return _in_bounds(int(value), info) if isinstance(value, str) and _INT.fullmatch(value) else MISS
    if annotation is float:
        if type(value) is float:
            return _in_bounds(value, info)
        return _in_bounds(float(value), info) if isinstance(value, str) and _FLOAT.fullmatch(value) else MISS
    if annotation is Path:
        return _path(value, info)
    if annotation == list[str]:
        return list(value) if isinstance(value, list | tuple) and all(type(v) is str for v in value) else MISS
    return MISS


class _Runtime:
    """What typer's parameter asks for a value's conversion (`.coerce`)."""

    def __init__(self, typer_runtime: Any) -> None:
        self._typer_runtime = typer_runtime  # () -> typer's own converter, built (pydantic) only when called

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # as typer: nothing given is None, or () for a list
            return () if param.multiple or param.nargs == -1 else None
        desc = param.type_descriptor
        out = convert(desc.annotation, desc.parameter_info, value)
        return self._typer_runtime().coerce(value, param=param, ctx=ctx) if out is MISS else out


_QUICK: dict[type, type] = {}  # typer's class (a parameter's or a command's) -> its quick subclass


def _subclass(cls: type, method: str, body: Any) -> type:
    """CLS with METHOD replaced by BODY(cls), once per class. A subclass with nothing but a method keeps the
    instance layout, so a built object can take it as its class."""
    if cls not in _QUICK:
        _QUICK[cls] = type(cls.__name__, (cls,), {"__module__": __name__, method: body(cls)})
    return _QUICK[cls]


def _param_method(cls: type) -> Any:
    def get_runtime_param(self: Any) -> _Runtime:
        return _Runtime(functools.partial(cls.get_runtime_param, self))  # type: ignore[attr-defined]
    return get_runtime_param


def quicken_params(params: list[Any]) -> list[Any]:
    """PARAMS (a command's, as click processes them) with their values converted here first; returned."""
    for param in params:
        cls = type(param)
        if cls not in _QUICK.values() and hasattr(cls, "get_runtime_param") and hasattr(param, "type_descriptor"):
            param.__class__ = _subclass(cls, "get_runtime_param", _param_method)
    return params


def _command_method(cls: type) -> Any:
    def get_params(self: Any, ctx: Any) -> list[Any]:
        return quicken_params(cls.get_params(self, ctx))  # type: ignore[attr-defined]
    return get_params


def quicken(command: Any) -> Any:
    """COMMAND (a built click command or group, and its built subcommands) converting its parameters' values
    here first; returned for chaining. Its parameters are quickened as click asks for them (`get_params`), so
    the help option and typer's completion options, made later, are too. A LazyGroup quickens its own."""
    if not _TYPER_ADAPTS:
        return command
    cls = type(command)
    if cls not in _QUICK.values() and not hasattr(cls, "factories"):
        command.__class__ = _subclass(cls, "get_params", _command_method)
    subcommands = getattr(command, "commands", None)
    if isinstance(subcommands, dict):  # built eagerly (a module's typer app); a LazyGroup's are quickened as built
        for sub in subcommands.values():
            quicken(sub)
    return command
