"""Reports people look at: the self-contained HTML page (rendered in headless Chromium), the PDF
(read back with poppler), the partial current period, and suffixes a report cannot write."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from crmcli import db, reports
from crmcli.reports import charts, html, pdf
from crmcli.reports.base import partial_periods, period_bounds
from tests.conftest import need_program
from tests.reports_data import NOW, REVENUE, TODAY


def _revenue(db_path: Path) -> reports.Report:
    conn = db.connect(db_path)
    try:
        return reports.run(conn, "revenue", since="2023-12-01", today=TODAY, now=NOW)
    finally:
        conn.close()


# -- the partial period ------------------------------------------------------------------------

def test_period_bounds_and_partial_periods() -> None:
    assert period_bounds("2024-02") == (TODAY.replace(month=2, day=1), TODAY.replace(month=2, day=29))
    assert period_bounds("2024-Q4") == (TODAY.replace(month=10, day=1), TODAY.replace(month=12, day=31))
    keys = ["2024-04", "2024-05", "2024-06"]
    assert partial_periods(keys, None, None, TODAY) == ["2024-06"]  # the month so far
    assert partial_periods(keys[:2], "2024-04-10", "2024-05-31", TODAY) == ["2024-04"]  # cut by --since
    assert partial_periods(keys, "2024-04-01", "2024-06-30", TODAY) == []
    assert partial_periods(["2024-Q2", None, "x"], None, None, TODAY) == ["2024-Q2"]


def test_the_current_month_is_marked_partial(filled: Path) -> None:
    rep = _revenue(filled)
    by_period = rep.section("by_period")
    assert [r[0] for r in by_period.rows][-1] == "2024-06" and by_period.partial == ["2024-06"]
    assert rep.section("by_product").partial == []
    page = html.render_page([rep], "en")
    assert '<tr class="partial"><td class="nowrap">2024-06 (partial)</td>' in page
    svg = charts.to_svg(charts.chart_for(by_period, "en"))
    assert 'stroke-dasharray="5 4"' in svg and "(partial)" in svg  # the last segment dashed, and labelled


def test_json_lists_partial_periods(cli, filled: Path) -> None:
    r = cli(*REVENUE, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sections"]["by_period"]["partial"] == ["2024-06"]


# -- charts ------------------------------------------------------------------------------------

def test_chart_helpers() -> None:
    assert charts.nice_ticks(630000) == [0, 200000, 400000, 600000, 800000]
    assert charts.nice_ticks(0.75) == [0, 0.2, 0.4, 0.6, 0.8]
    assert charts.compact(125000, "zh") == "12.5万" and charts.compact(125000, "en") == "125k"
    assert charts.compact(125000, "zh-Hant") == "12.5萬" and charts.compact(0.25, "en", percent=True) == "25%"
    long = "信息传输、软件和信息技术服务业"
    cut = charts.clip(long, 11, 80)
    assert cut.endswith("…") and charts.text_width(cut, 11) <= 80 and long.startswith(cut[:-1])


def test_one_category_pie_is_a_whole_ring(filled: Path) -> None:
    conn = db.connect(filled)
    rep = reports.run(conn, "overview", ["customer_id=C1"], today=TODAY, now=NOW)
    conn.close()
    d = charts.chart_for(rep.section("by_status"), "en")
    wedges = [s for s in d.shapes if isinstance(s, charts.Wedge)]
    assert sum(w.end - w.start for w in wedges) == pytest.approx(360)
    assert all(w.end - w.start <= 180 for w in wedges)  # an arc over half a ring would not draw


# -- HTML ----------------------------------------------------------------------------------------

def test_html_is_one_self_contained_page(cli, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.html"
    r = cli("--lang", "zh", "report", "all", "--until", "2024-06-15", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text(encoding="utf-8")
    outside = re.findall(r"""src=|href="(?!#)|url\(|@import|<link|<script|https?://(?!www\.w3\.org/2000/svg)""", page)
    assert outside == []
    assert page.count('<a href="#report-') == 7  # contents: links inside the page
    conn = db.connect(filled)
    sections = [s for n in [d.name for d in reports.available()]
                for s in reports.run(conn, n, until="2024-06-15", today=TODAY, now=NOW).sections]
    conn.close()
    assert page.count('<section class="card"') == len(sections)
    assert page.count('<section class="card definitions"') == 1
    assert page.count("<svg") == sum(1 for s in sections if charts.chart_for(s, "zh") is not None) > 15
    assert "@page { size: A4" in page and "break-inside: avoid" in page
    assert "合作中" in page and "客户来源" in page  # --lang zh: the template's labels
    assert "<h2>关键指标</h2>" in page and "<h2>口径说明</h2>" in page and "<dt>筛选条件</dt>" in page  # and Chinese words
    assert "客户生命周期价值 = 每个成交客户" in page and "Key figures" not in page
    assert '<html lang="zh-CN">' in page


def _png_pixels(path: Path) -> list[tuple[int, int, int]]:
    from PIL import Image  # installed with reportlab

    with Image.open(path) as im:
        data = im.convert("RGB").tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def test_html_renders_in_chromium(cli, filled: Path, tmp_path: Path) -> None:
    chromium = need_program("chromium", "chromium-browser")
    out = tmp_path / "revenue.html"
    r = cli(*REVENUE, "-o", str(out))
    assert r.exit_code == 0, r.output
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1000,1400",
                        out.as_uri()], check=True, capture_output=True, timeout=60)
    pixels = _png_pixels(shot)
    ink = sum(1 for p in pixels if sum(p) < 600)
    chart_blue = sum(1 for p in pixels if abs(p[0] - 0x3B) < 12 and abs(p[1] - 0x6E) < 12 and abs(p[2] - 0xA8) < 12)
    assert ink > 0.02 * len(pixels), "the page rendered (nearly) blank"
    assert chart_blue > 2000, "no chart drawn"


# -- PDF ---------------------------------------------------------------------------------------------

def test_pdf_is_real_with_chinese_text(cli, filled: Path, tmp_path: Path) -> None:
    need_program("pdftotext")
    pdftoppm = need_program("pdftoppm")
    out = tmp_path / "overview.pdf"
    r = cli("--lang", "zh", "report", "overview", "--until", "2024-06-15", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:5] == b"%PDF-" and stat.S_IMODE(out.stat().st_mode) == 0o600
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "关键指标" in text and "按合作状态的客户" in text and "按客户分层的客户" in text  # section titles
    assert "合作中" in text and "潜在" in text  # labels in the tables and chart legends
    subprocess.run([pdftoppm, "-f", "1", "-l", "1", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True,
                   capture_output=True, timeout=60)
    pixels = _png_pixels(next(tmp_path.glob("page*.png")))
    assert sum(1 for p in pixels if sum(p) < 600) > 0.01 * len(pixels)


def test_pdf_of_every_report(filled: Path, tmp_path: Path) -> None:
    conn = db.connect(filled)
    reps = [reports.run(conn, d.name, today=TODAY, now=NOW) for d in reports.available()]
    conn.close()
    out = tmp_path / "all.pdf"
    pdf.build(reps, str(out), "en")
    data = out.read_bytes()
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>") >= len(reps)
    assert b"STSong-Light" in data


# -- suffixes -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("report", "revenue", "-o", "{tmp}/revenue.doc"), "crm report writes .html, .pdf, .xlsx, .csv, .tsv, .json"),
    (("report", "revenue", "-f", "csv", "-o", "{tmp}/revenue.pdf"), "a .pdf file holds pdf"),
    (("export", "customers", "-o", "{tmp}/customers.pdf"), "crm export writes .csv, .tsv"),
    (("export", "customers", "-f", "json", "-o", "{tmp}/customers.csv"), "a .csv file holds csv"),
    (("template", "-o", "{tmp}/template.pdf"), "crm template writes .xlsx"),
])
def test_a_suffix_that_cannot_be_written_is_an_error(cli, filled: Path, tmp_path: Path, args: tuple[str, ...],
                                                      message: str) -> None:
    args = tuple(a.format(tmp=tmp_path) for a in args)
    r = cli(*args)
    assert r.exit_code == 1, r.output
    assert message in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(("crm.db", "config"))] == []


# -- workbooks that print -----------------------------------------------------------------------------

def _prints_one_page_wide(ws, title_rows: str | None) -> None:
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)  # one page wide, as many down as needed
    assert ws.print_title_rows == title_rows


def test_report_workbook_prints(cli, filled: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "all.xlsx"
    r = cli("report", "all", "--until", "2024-06-15", "-o", str(out))
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    _prints_one_page_wide(wb["Report"], None)
    for ws in wb.worksheets[1:]:
        _prints_one_page_wide(ws, "$2:$2")  # the column headers repeat on every page
    # a table too long to share a page with its chart puts the chart on the next page
    by_month = next(ws for ws in wb.worksheets if ws["A1"].value == "New and lost customers by month")
    anchor = by_month._charts[0].anchor._from.row  # 0-based: the row above the chart, 1-based
    assert by_month.max_row > 14 and [b.id for b in by_month.row_breaks.brk] == [anchor]
    by_status = next(ws for ws in wb.worksheets if ws["A1"].value == "Customers by status (合作状态)")
    assert by_status.max_row < 10 and by_status._charts and list(by_status.row_breaks.brk) == []


def test_report_workbook_marks_the_partial_month(filled: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from crmcli.reports import xlsx

    out = tmp_path / "revenue.xlsx"
    xlsx.write_workbook([_revenue(filled)], out, lang="en")
    ws = load_workbook(out)["Revenue by month"]
    last = ws.max_row
    while ws.cell(last, 1).value is None or not hasattr(ws.cell(last, 1).value, "year"):
        last -= 1
    assert ws.cell(last, 1).number_format == 'yyyy-mm "(partial)"'
    assert ws.cell(last - 1, 1).number_format == "yyyy-mm"
    assert ws.cell(last, 2).font.i is True
    chart = ws._charts[0]
    assert "2024-06 (partial)" in str(chart.title.tx.rich.p[0].r[0].t)
    assert [p.idx for p in chart.series[0].dPt] == [last - 3]  # the point of the partial month, dashed
    assert chart.series[0].dPt[0].spPr.ln.prstDash == "dash"


def test_long_category_names_get_horizontal_bars(filled: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from crmcli.reports import xlsx

    conn = db.connect(filled)
    rep = reports.run(conn, "structure", today=TODAY, now=NOW)
    conn.close()
    out = tmp_path / "structure.xlsx"
    xlsx.write_workbook([rep], out)
    chart = load_workbook(out)["Customers by industry (所属行业)"]._charts[0]
    assert chart.type == "bar" and chart.x_axis.scaling.orientation == "maxMin"


def test_blank_template_prints_one_page_wide(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from crmcli import workbook

    path = tmp_path / "template.xlsx"
    workbook.write_template(path, "zh")
    wb = load_workbook(path)
    for ws in wb.worksheets[:-1]:
        _prints_one_page_wide(ws, "$1:$1")
    _prints_one_page_wide(wb["说明"], None)


def test_labels_follow_the_language(filled: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from crmcli.reports import xlsx

    rep = _revenue(filled)
    hant = html.render_page([rep], "zh-Hant")
    assert '<html lang="zh-TW">' in hant and "<h2>月度收入</h2>" in hant and "（未完）" in hant
    assert "口徑說明" in hant  # Traditional script
    xlsx.write_workbook([rep], tmp_path / "zh.xlsx", lang="zh")
    wb = load_workbook(tmp_path / "zh.xlsx")
    assert wb.sheetnames[0] == "报表" and "月度收入" in wb.sheetnames
    assert [c.value for c in wb["月度收入"][2]] == ["月份", "金额（元）", "订单数", "平均订单金额"]
    en = html.render_page([rep], "en")
    assert "<h2>Revenue by month</h2>" in en and "月度收入" not in en


def test_titles_with_figures_are_translated_around_them() -> None:
    from crmcli.reports.render import tr

    assert tr("Overdue open tickets (oldest 20 of 171)", "zh") == "超时未结服务单（最早的 20 张，共 171 张）"
    assert tr("Top 10 customers by lifetime value", "zh") == "生命周期价值前 10 名客户"  # an entry of its own
    assert tr("Overdue open tickets (oldest 20 of 171)", "en") == "Overdue open tickets (oldest 20 of 171)"
    assert tr("No entry for 3 of these", "zh") == "No entry for 3 of these"


def test_reports_with_different_periods_each_say_theirs(filled: Path) -> None:
    conn = db.connect(filled)
    reps = [reports.run(conn, n, today=TODAY, now=NOW) for n in ("overview", "revenue")]  # this month / all history
    same = [reports.run(conn, n, since="2024-01-01", until="2024-06-15", today=TODAY, now=NOW) for n in ("overview", "revenue")]
    conn.close()
    page = html.render_page(reps, "en")
    assert "<dt>Period</dt><dd>as given under each report</dd>" in page
    assert "Period: 2024-06-01 to today · " in page and "Period: start of records to today · " in page
    page = html.render_page(same, "en")
    assert "<dt>Period</dt><dd>2024-01-01 to 2024-06-15</dd>" in page and "Period: 2024" not in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rendering_leaves_the_report_and_its_shared_columns_as_they_were(filled: Path, tmp_path: Path, lang: str) -> None:
    """Renderers draw their own chart column, translated labels, partial marks: none edits the report
    (sections share Column objects such as CUSTOMERS_COL, and a report object may be rendered twice)."""
    import copy
    import dataclasses
    import io

    from crmcli.reports import files, render
    from crmcli.reports.base import Column

    conn = db.connect(filled)
    reps = [reports.run(conn, d.name, today=TODAY, now=NOW) for d in reports.available()]
    conn.close()
    before = copy.deepcopy(reps)
    for rep in reps:
        render.write_terminal(rep, io.StringIO(), lang=lang)
    for fmt in ("html", "pdf", "xlsx", "csv", "json"):
        files.write(reps, fmt, tmp_path / f"all-{lang}.{fmt}", lang=lang)
    assert reps == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        reps[0].sections[0].columns[0].label = "changed"  # type: ignore[misc]
    assert isinstance(reps[0].sections[0].columns[0], Column)
