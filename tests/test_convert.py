"""crm's option conversion (cli/convert.py) gives what typer's own gives, value for value.

Under typer >= 0.29 crm converts its options' values itself (typer's converter imports
pydantic, ~70 ms a call). The same command is built twice, once as typer builds it and
once quickened, and each is run on the same command lines: the values reaching the
command, and every error message, must be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer

from crmcli.cli import convert

needs_adapters = pytest.mark.skipif(not convert._TYPER_ADAPTS, reason="typer < 0.29 converts with click's types")


def _command(seen: list[dict[str, Any]]) -> Any:
    app = typer.Typer(add_completion=False)

    @app.command()
    def cmd(
        names: Annotated[list[str] | None, typer.Argument()] = None,
        s: Annotated[str | None, typer.Option()] = None,
        n: Annotated[int | None, typer.Option()] = None,
        top: Annotated[int | None, typer.Option(max=10)] = None,
        f: Annotated[float | None, typer.Option()] = None,
        p: Annotated[Path | None, typer.Option()] = None,
        many: Annotated[list[str] | None, typer.Option()] = None,
        limit: Annotated[int, typer.Option()] = 20,
        flag: Annotated[bool, typer.Option()] = False,
    ) -> None:
        seen.append({"names": names, "s": s, "n": n, "top": top, "f": f, "p": p, "many": many, "limit": limit,
                     "flag": flag})

    return typer.main.get_command(app)


def _run(command: Any, args: list[str], seen: list[dict[str, Any]]) -> Any:
    seen.clear()
    try:
        command.main(args, prog_name="cmd", standalone_mode=False)
    except Exception as e:  # a usage error: its message is what the user reads
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        return type(e).__name__, message
    return [{k: (type(v).__name__, v) for k, v in row.items()} for row in seen]


LINES = [
    [], ["a", "b"], ["--s", "中文"], ["--s", ""], ["--n", "5"], ["--n", "007"], ["--n", "-3"], ["--n", "+5"],
    ["--n", " 5"], ["--n", "1.0"], ["--n", "1.5"], ["--n", "abc"], ["--n", "99999999999999999999999"],
    ["--top", "10"], ["--top", "11"], ["--top", "-4"], ["--f", "1.5"], ["--f", "5"], ["--f", ".5"], ["--f", "1e3"],
    ["--f", "x"], ["--p", "a.txt"], ["--p", ""], ["--p", "/nonexistent/x"], ["--p", "/tmp"],
    ["--many", "a", "--many", "b"], ["--limit", "3"], ["--flag"], ["x", "--n", "2", "--many", "y", "--p", "."],
]


@needs_adapters
@pytest.mark.parametrize("args", LINES, ids=lambda a: " ".join(a) or "(none)")
def test_quickened_conversion_equals_typers_own(args: list[str]) -> None:
    seen_typer: list[dict[str, Any]] = []
    seen_crm: list[dict[str, Any]] = []
    typers, crms = _command(seen_typer), convert.quicken(_command(seen_crm))
    assert _run(crms, args, seen_crm) == _run(typers, args, seen_typer)


@needs_adapters
def test_a_plain_value_never_reaches_typers_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of it: typer's converter (what imports pydantic) is not even built for crm's usual values."""
    import typer.core

    built: list[str] = []
    real = typer.core.TyperOption.get_runtime_param

    def spy(self: Any) -> Any:
        built.append(self.name)
        return real(self)

    monkeypatch.setattr(typer.core.TyperOption, "get_runtime_param", spy)
    monkeypatch.setattr(typer.core.TyperArgument, "get_runtime_param", spy)
    seen: list[dict[str, Any]] = []
    command = convert.quicken(_command(seen))
    command.main(["x", "--s", "a", "--n", "3", "--f", "2.5", "--p", "f.csv", "--many", "m", "--flag"],
                 prog_name="cmd", standalone_mode=False)
    assert seen and built == []
    with pytest.raises(Exception, match="valid integer"):
        command.main(["--n", "abc"], prog_name="cmd", standalone_mode=False)
    assert built == ["n"]  # a value crm does not convert goes to typer's converter, which words the error


def test_the_converter_leaves_anything_unlisted_to_typer() -> None:
    class Info:
        parser = None
        min = max = None
        clamp = False

    assert convert.convert(int, Info(), "12") == 12
    assert convert.convert(int, Info(), "1_000") is convert.MISS
    assert convert.convert(bytes, Info(), b"x") is convert.MISS
    info = Info()
    info.parser = int  # type: ignore[assignment]
    assert convert.convert(int, info, "12") is convert.MISS
