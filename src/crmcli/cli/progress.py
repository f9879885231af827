"""Progress on stderr, on a terminal only (the contract: stdout is data; scripts and cron see
nothing). Every step that can take more than two seconds runs inside `steps()` or `task()`:
a bar when the step knows how much there is, a spinner with the elapsed time when it does not.
Rich is imported only when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

Advance = Callable[..., None]


def _quiet() -> bool:
    return not sys.stderr.isatty() or os.environ.get("CRM_NO_PROGRESS") == "1"


def _bar(total: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        columns += [BarColumn(), TaskProgressColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    else:
        columns += [TextColumn("{task.completed:,.0f}", style="dim"), TimeElapsedColumn()]
    return Progress(*columns, console=Console(stderr=True), transient=True)


@contextlib.contextmanager
def task(label: str, total: int | None = None) -> Iterator[Advance]:
    """`with task("dedupe", total=n) as advance: ... advance(k)` (or `advance(completed=k)`)."""
    if _quiet():
        yield lambda *a, **k: None
        return
    with _bar(total is not None) as bar:
        tid = bar.add_task(label, total=total)

        def advance(n: int = 1, *, completed: int | None = None, total: int | None = None) -> None:
            if completed is None:
                bar.advance(tid, n)
            else:
                bar.update(tid, completed=completed, total=total)
        yield advance


def sheets(prefix: str) -> tuple[Callable[[str, int, int], None] | None, Any]:
    """Import's per-sheet bars: (update(sheet, done, total), the bar to stop) or (None, None) off a terminal."""
    if _quiet():
        return None, None
    bar = _bar(True)
    tasks: dict[str, Any] = {}

    def update(sheet: str, done: int, total: int) -> None:
        if sheet not in tasks:
            bar.start()
            tasks[sheet] = bar.add_task(f"{prefix} {sheet}", total=total or None)
        bar.update(tasks[sheet], completed=done)

    return update, bar
