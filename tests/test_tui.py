"""`crm tui` driven by Textual's Pilot on a temporary demo database: each flow checks
the database after, through the same library the CLI uses."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crmcli import db, demo_data
from crmcli.tui.app import CardScreen, CrmApp, CustomersScreen, HelpScreen
from tests.conftest import need_program
from tests.dbdump import dump

LOG = ("operations", "changes", "merges", "merged_ids")


def data(path: Path) -> list[str]:
    """The customer data, minus the log and merge records (undo and merge add to those by design),
    sorted: an undone merge puts rows back whole, under new rowids."""
    return sorted(line for line in dump(path) if not any(line.startswith(f'INSERT INTO "{t}"') for t in LOG))

TODAY = date(2024, 6, 14)


@pytest.fixture(autouse=True)
def _quick_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's Pilot waits for the app to go idle after every key by sleeping 20 ms and comparing CPU
    time with wall time -- twice a key, so typing 13 characters idled half a second and the TUI tests
    spent half their time asleep. 5 ms steps make the same check (idle = under 1/20 of the step in
    CPU), finishing as soon as the app really is idle."""
    from textual import _wait

    monkeypatch.setattr(_wait, "SLEEP_GRANULARITY", 1 / 200)
    monkeypatch.setattr(_wait, "SLEEP_IDLE", 1 / 200 / 20)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "demo.db"
    conn = db.create(path)
    demo_data.build(conn, seed=2024, today=TODAY)
    conn.close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(demo_file, path)
    return path


def drive(path: Path, script: Callable[[Any, CrmApp], Awaitable[None]], *, lang: str = "en",
          size: tuple[int, int] = (80, 24)) -> None:
    """Run the app on PATH headless and hand the pilot to SCRIPT."""
    async def main() -> None:
        conn = db.connect(path)
        app = CrmApp(conn, lang=lang, today=TODAY)
        try:
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                await script(pilot, app)
        finally:
            conn.close()
    asyncio.run(main())


def text_of(app: CrmApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def first_customer_with(path: Path, sql: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def open_customer(cid: str) -> Callable[[Any, CrmApp], Awaitable[None]]:
    async def go(pilot: Any, app: CrmApp) -> None:
        await pilot.press("slash")
        app.screen.query_one("#filter").value = f"customer_id={cid}"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen)
        assert app.screen.customer_id == cid
    return go


def test_list_filter_live_count_and_did_you_mean(demo: Path) -> None:
    async def script(pilot: Any, app: CrmApp) -> None:
        assert isinstance(app.screen, CustomersScreen)
        assert "300 customers" in text_of(app, "#status")
        await pilot.press("slash", *"status=active")
        await pilot.pause()
        assert "customers match" in text_of(app, "#status")
        await pilot.press("enter")
        await pilot.pause()
        n = int(text_of(app, "#status").split()[0])
        conn = sqlite3.connect(demo)
        assert n == conn.execute("SELECT count(*) FROM customers WHERE status = 'active'").fetchone()[0]
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"statu=active")
        await pilot.pause()
        assert "did you mean status" in text_of(app, "#status")
    drive(demo, script)


def test_sort_cycles_columns(demo: Path) -> None:
    async def script(pilot: Any, app: CrmApp) -> None:
        await pilot.press("s", "s")  # customer_id ascending, then descending
        await pilot.pause()
        table = app.screen.query_one("#customers")
        first = str(table.coordinate_to_cell_key((0, 0)).row_key.value)
        assert first == first_customer_with(demo, "SELECT max(customer_id) FROM customers")
    drive(demo, script)


def test_log_followup_through_the_form(demo: Path) -> None:
    cid = first_customer_with(demo, "SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1")

    async def script(pilot: Any, app: CrmApp) -> None:
        await open_customer(cid)(pilot, app)
        await pilot.press("f")
        await pilot.press(*"电话", "enter", *"谈了报价", "enter", *"发送合同", "enter", *"2024-06-20", "enter")
        await pilot.pause()
        assert "logged F" in text_of(app, "#status")
    drive(demo, script)
    conn = sqlite3.connect(demo)
    row = conn.execute("SELECT method, summary, next_step, due_date, done FROM followups "
                       "WHERE customer_id = ? AND summary = '谈了报价'", (cid,)).fetchone()
    assert row == ("phone", "谈了报价", "发送合同", "2024-06-20", 0)
    assert conn.execute("SELECT kind FROM operations ORDER BY op_id DESC LIMIT 1").fetchone()[0] == "add"


def test_form_keeps_the_librarys_refusal(demo: Path) -> None:
    cid = first_customer_with(demo, "SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1")
    before = dump(demo)

    async def script(pilot: Any, app: CrmApp) -> None:
        await open_customer(cid)(pilot, app)
        await pilot.press("e", *"satisfaction=9", "enter")
        await pilot.pause()
        error = str(app.screen.query_one("#error").render())
        assert "satisfaction" in error  # the same message `crm update` gives
        await pilot.press("escape")
    drive(demo, script)
    assert dump(demo) == before


def test_mark_next_step_done(demo: Path) -> None:
    fid, cid = sqlite3.connect(demo).execute(
        "SELECT followup_id, customer_id FROM followups WHERE done = 0 AND next_step IS NOT NULL "
        "ORDER BY date DESC LIMIT 1").fetchone()

    async def script(pilot: Any, app: CrmApp) -> None:
        await open_customer(cid)(pilot, app)
        app.screen.query_one("#tabs").active = "tab-followups"
        table = app.screen.query_one("#grid-followups")
        table.move_cursor(row=table.get_row_index(fid))
        await pilot.press("x")
        await pilot.pause()
        assert f"{fid}: next step done" in text_of(app, "#status")
    drive(demo, script)
    assert sqlite3.connect(demo).execute("SELECT done FROM followups WHERE followup_id = ?", (fid,)).fetchone()[0] == 1


def test_tag_and_close_ticket(demo: Path) -> None:
    tid, cid = sqlite3.connect(demo).execute(
        "SELECT ticket_id, customer_id FROM tickets WHERE status != 'closed' ORDER BY ticket_id LIMIT 1").fetchone()

    async def script(pilot: Any, app: CrmApp) -> None:
        await open_customer(cid)(pilot, app)
        await pilot.press("g", *"+重点维护", "enter")
        await pilot.pause()
        table = app.screen.query_one("#grid-tickets")
        table.move_cursor(row=table.get_row_index(tid))
        await pilot.press("c", *"已上门更换", "enter")
        await pilot.pause()
    drive(demo, script)
    conn = sqlite3.connect(demo)
    assert conn.execute("SELECT 1 FROM tags WHERE customer_id = ? AND tag = '重点维护'", (cid,)).fetchone()
    status, result, closed = conn.execute("SELECT status, result, closed_at FROM tickets WHERE ticket_id = ?",
                                          (tid,)).fetchone()
    assert (status, result) == ("closed", "已上门更换") and closed


def test_unmask_is_logged(demo: Path) -> None:
    phone = first_customer_with(demo, "SELECT phone FROM customers WHERE phone LIKE '1%' "
                                      "ORDER BY customer_id LIMIT 1")

    async def script(pilot: Any, app: CrmApp) -> None:
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("s")  # re-sort by id so the first mobile is on screen
        await pilot.pause()
        cells = [str(c) for row in range(app.screen.query_one("#customers").row_count)
                 for c in app.screen.query_one("#customers").get_row_at(row)]
        assert phone in cells
    drive(demo, script)
    conn = sqlite3.connect(demo)
    assert conn.execute("SELECT kind FROM operations ORDER BY op_id DESC LIMIT 1").fetchone()[0] == "unmask"


def test_masked_by_default(demo: Path) -> None:
    phones = {r[0] for r in sqlite3.connect(demo).execute("SELECT phone FROM customers WHERE phone IS NOT NULL")}

    async def script(pilot: Any, app: CrmApp) -> None:
        table = app.screen.query_one("#customers")
        cells = {str(c) for row in range(table.row_count) for c in table.get_row_at(row)}
        assert not cells & phones
    drive(demo, script)


def test_help_screen(demo: Path) -> None:
    async def script(pilot: Any, app: CrmApp) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
    drive(demo, script)


def test_merge_from_review_then_undo(demo: Path, cli: Any) -> None:
    before = data(demo)

    async def script(pilot: Any, app: CrmApp) -> None:
        await pilot.press("d")
        await pilot.pause()
        assert "clusters to review" in text_of(app, "#status")
        await pilot.press("m")
        await pilot.pause()
        assert "merged into" in text_of(app, "#status")
    drive(demo, script)
    assert data(demo) != before
    r = cli("undo", "--yes", db=demo)
    assert r.exit_code == 0, r.output
    assert data(demo) == before


@pytest.mark.parametrize("lang,heads,count", [("zh", ["客户编号", "客户全称"], "300 个客户"),
                                              ("zh-Hant", ["客戶編號", "客戶全稱"], "300 個客戶")])
def test_chinese_screens(demo: Path, lang: str, heads: list[str], count: str) -> None:
    async def script(pilot: Any, app: CrmApp) -> None:
        table = app.screen.query_one("#customers")
        assert [str(c.label) for c in table.columns.values()][:2] == heads
        assert count in text_of(app, "#status")
    drive(demo, script, lang=lang)


# --------------------------------------------------------------------------- snapshots at 80x24 and 160x50


SNAPSHOTS = [(screen, lang, size) for screen in ("customers", "card", "today", "duplicates")
             for lang in ("en", "zh", "zh-Hant") for size in ((80, 24), (160, 50))
             if size == (80, 24) or (lang != "zh-Hant" and screen in ("customers", "card"))]


@pytest.mark.parametrize("screen,lang,size", SNAPSHOTS,
                         ids=[f"{s}-{lang}-{w}x{h}" for s, lang, (w, h) in SNAPSHOTS])
def test_snapshot(demo: Path, snap_compare: Any, screen: str, lang: str, size: tuple[int, int]) -> None:
    cid = first_customer_with(demo, "SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1")
    conn = db.connect(demo)
    app = CrmApp(conn, lang=lang, today=TODAY)

    async def before(pilot: Any) -> None:
        await pilot.pause()
        if screen == "card":
            await open_customer(cid)(pilot, app)
        elif screen == "duplicates":
            await pilot.press("d")
        elif screen == "today":
            await pilot.press("t")
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=size, run_before=before)
    finally:
        conn.close()


# --------------------------------------------------------------------------- in a real terminal


def run_in_tmux(tmux: str, demo: Path, tmp_path: Path, name: str) -> tuple[float, str, Path]:
    """Start `crm tui` in a detached 80x24 tmux session; (seconds until customers show, the screen, rc file)."""
    import os
    import subprocess
    import sys
    import time

    rc = tmp_path / "rc"
    env = {**os.environ, "TERM": "xterm-256color"}
    cmd = f"{sys.executable} -m crmcli --db {demo} tui; echo $? > {rc}"
    subprocess.run([tmux, "-L", name, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd], check=True, env=env)
    start, screen = time.perf_counter(), ""
    while time.perf_counter() - start < 90:  # generous: a loaded machine draws slowly
        screen = subprocess.run([tmux, "-L", name, "capture-pane", "-p", "-t", name], capture_output=True,
                                text=True).stdout
        if "300 customers" in screen and "C20" in screen:  # the count and the rows are drawn
            break
        time.sleep(0.05)
    return time.perf_counter() - start, screen, rc


def test_real_terminal_shows_customers_and_q_quits(demo: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import time

    tmux = need_program("tmux")
    name = f"crmtui{os.getpid()}"  # unique per process: two test runs on one machine must not share a tmux server
    try:
        _, screen, rc = run_in_tmux(tmux, demo, tmp_path, name)
        assert "300 customers" in screen, screen
        lines = screen.splitlines()
        assert all(len(line) <= 80 for line in lines) and len(lines) <= 24
        subprocess.run([tmux, "-L", name, "send-keys", "-t", name, "q"], check=True)
        deadline = time.time() + 60  # a loaded machine
        while not rc.exists() and time.time() < deadline:
            time.sleep(0.05)
        assert rc.read_text().strip() == "0"
    finally:
        subprocess.run([tmux, "-L", name, "kill-server"], capture_output=True)


def test_today_lists_the_agenda_and_opens_a_customer(demo: Path) -> None:
    from crmcli import today

    conn = db.connect(demo)
    expected = today.agenda(conn, day=TODAY, days=7).section("overdue")
    conn.close()
    assert expected.rows, "the demo data has overdue next steps"

    async def script(pilot: Any, app: CrmApp) -> None:
        from crmcli.tui.agenda import TodayScreen

        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        table = app.screen.query_one("#agenda-overdue")
        assert table.row_count == len(expected.rows)
        first = expected.records()[0]
        assert str(table.coordinate_to_cell_key((0, 0)).row_key.value) == first["followup_id"]
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen) and app.screen.customer_id == first["customer_id"]
    drive(demo, script)


def test_not_the_same_is_remembered(demo: Path, cli: Any) -> None:
    async def script(pilot: Any, app: CrmApp) -> None:
        await pilot.press("d")
        await pilot.pause()
        first = app.screen.clusters[0]
        ids = sorted(first.ids())
        await pilot.press("n")
        await pilot.pause()
        assert "remembered" in text_of(app, "#status")
        app.ids = ids  # type: ignore[attr-defined]
    drive(demo, script)
    r = cli("dedupe", "--format", "json", db=demo)
    assert r.exit_code == 0, r.output
    import json

    proposed = [sorted(m["customer_id"] for m in c["members"]) for c in json.loads(r.stdout)]
    remembered = sqlite3.connect(demo).execute("SELECT customer_a, customer_b FROM dedupe_decisions").fetchall()
    assert remembered
    assert all(not set(pair) <= set(ids) for pair in remembered for ids in proposed)


def test_card_segment_tab_explains_the_tier(demo: Path, cli: Any) -> None:
    assert cli("segment", "run", "--date", TODAY.isoformat(), db=demo).exit_code == 0
    (cid,) = sqlite3.connect(demo).execute(
        "SELECT customer_id FROM customers WHERE segment = 'high_value' ORDER BY customer_id LIMIT 1").fetchone()

    async def script(pilot: Any, app: CrmApp) -> None:
        await open_customer(cid)(pilot, app)
        assert "High value" in text_of(app, "#verdict")
        table = app.screen.query_one("#grid-segment")
        assert table.row_count > 0
        holds = [str(table.get_row_at(r)[3]) for r in range(table.row_count)]
        assert "✓" in holds and "✗" in holds
    drive(demo, script)
