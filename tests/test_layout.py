"""The shape of the code, checked: what a reader and a linter can see.

- no function in src/ over 80 lines, no module over 600 (STYLE: small pieces, one job each);
- every command is a module-level function (or a module-level callable): none is defined inside a
  function, where linters, call tracing and `grep def name` cannot see it;
- no `except ImportError` around an import of crmcli's own modules: what ships in the wheel is imported
  directly, so a broken install fails loudly instead of silently skipping a step.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "crmcli"
MAX_FUNCTION = 80
MAX_MODULE = 600
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"


def _is_command_decorator(node: ast.expr) -> bool:
    """`@app.command(...)`, `@group.callback()`: Typer's registering decorators."""
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr in ("command", "callback")


def _nested_commands(path: Path, tree: ast.Module) -> Iterator[str]:
    def visit(node: ast.AST, outer: ast.FunctionDef | ast.AsyncFunctionDef | None, nested: set[str]) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCS):
                if outer is not None and any(map(_is_command_decorator, child.decorator_list)):
                    yield f"{_where(path, child)} command {child.name}() is defined inside {outer.name}()"
                inner = {n.name for n in ast.iter_child_nodes(child) if isinstance(n, FUNCS)}
                yield from visit(child, child, nested | inner)
                continue
            # app.command("x")(fn) with fn a function or lambda made inside a function
            if (outer is not None and isinstance(child, ast.Call) and isinstance(child.func, ast.Call)
                    and _is_command_decorator(child.func) and child.args
                    and (isinstance(child.args[0], ast.Lambda)
                         or (isinstance(child.args[0], ast.Name) and child.args[0].id in nested))):
                yield f"{_where(path, child)} a command made inside {outer.name}() is registered"
            yield from visit(child, outer, nested)

    yield from visit(tree, None, set())


def _imports_crmcli(nodes: list[ast.stmt]) -> bool:
    for stmt in nodes:
        for node in ast.walk(stmt):
            if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] == "crmcli"):
                return True
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "crmcli" for a in node.names):
                return True
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(handler.type) if isinstance(n, ast.Attribute)}
    return bool(names & {"ImportError", "ModuleNotFoundError", "BaseException", "Exception"})


def _guarded_imports(path: Path, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and _imports_crmcli(node.body) and any(map(_catches_import_error, node.handlers)):
            yield f"{_where(path, node)} an import of crmcli's own code is wrapped in try/except ImportError"


def test_no_function_over_80_lines_and_no_module_over_600() -> None:
    long: list[str] = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE:
            long.append(f"{path.relative_to(SRC.parent)}: {len(text.splitlines())} lines (module limit {MAX_MODULE})")
        for node in ast.walk(_tree(path)):
            if isinstance(node, FUNCS):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > MAX_FUNCTION:
                    long.append(f"{_where(path, node)} {node.name}(): {n} lines (function limit {MAX_FUNCTION})")
    assert not long, "split these:\n" + "\n".join(long)


def test_no_command_is_defined_inside_a_function() -> None:
    found = [line for path in _modules() for line in _nested_commands(path, _tree(path))]
    assert not found, "\n".join(found)


def test_crmclis_own_modules_are_imported_without_an_import_error_escape() -> None:
    found = [line for path in _modules() for line in _guarded_imports(path, _tree(path))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("source", "check", "expected"), [
    ("def register(app):\n    @app.command()\n    def query(): ...\n", _nested_commands, 1),
    ("def register(app):\n    def add(): ...\n    app.command('add')(add)\n", _nested_commands, 1),
    ("@app.command()\ndef query(): ...\ndef build(w):\n    one.command(w)(AddRecord(w))\n", _nested_commands, 0),
    ("def f():\n    try:\n        from crmcli.dedupe import scan\n    except ImportError:\n        return None\n",
     _guarded_imports, 1),
    ("try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\n", _guarded_imports, 0),
])
def test_the_checks_see_what_they_look_for(source: str, check, expected: int) -> None:  # type: ignore[no-untyped-def]
    assert len(list(check(SRC / "x.py", ast.parse(source)))) == expected


# Lower layers never reach up, not even lazily inside a function: the export/workbook/template cycle
# (exporter -> workbook -> template_text -> exporter, for the module list) must not come back.
NEVER_IMPORTS = {
    "fields.py": ("crmcli.exporter", "crmcli.workbook", "crmcli.template_text", "crmcli.importer", "crmcli.cli"),
    "template_text.py": ("crmcli.exporter", "crmcli.workbook", "crmcli.cli"),
    "workbook.py": ("crmcli.exporter", "crmcli.importer", "crmcli.cli"),
    "outfile.py": ("crmcli.exporter", "crmcli.workbook", "crmcli.cli"),
    "exporter.py": ("crmcli.cli",),
}


def _imported(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


@pytest.mark.parametrize("name", sorted(NEVER_IMPORTS))
def test_lower_modules_do_not_import_upper_ones(name: str) -> None:
    imported = _imported(_tree(SRC / name))
    assert not [m for m in imported if m.startswith(NEVER_IMPORTS[name])]


def _calls(tree: ast.Module, owner: str, names: tuple[str, ...]) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in names and isinstance(n.func.value, ast.Name) and n.func.value.id == owner]


def test_one_output_path_json_documents_and_tables_come_from_output_py() -> None:
    """Commands and reports hand data to crmcli.output (write_document, render, new_table); they do not
    serialise JSON for stdout or build their own Rich tables. A JSON fragment inside a stderr message
    (crm log show's details line) is a message, not output."""
    found = []
    for path in [*sorted((SRC / "cli").glob("*.py")), *sorted((SRC / "reports").glob("*.py"))]:
        tree = _tree(path)
        messages = {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id in ("info", "err") for a in ast.walk(n)}
        found += [_where(path, c) for c in _calls(tree, "json", ("dumps", "dump")) if id(c) not in messages]
        rich_table = any(isinstance(n, ast.ImportFrom) and n.module == "rich.table" for n in ast.walk(tree))
        found += [f"{_where(path, n)} builds a rich Table" for n in ast.walk(tree) if rich_table
                  and isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Table"]
    assert not found, "\n".join(found)
