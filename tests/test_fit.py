"""crmcli.fit: widths in terminal cells, tokens whole, text shortened, least important columns dropped."""

from __future__ import annotations

from crmcli.fit import cell_len, overhead, plan, shorten

HEADS = ["Follow-up ID", "Customer", "Date", "Summary", "Next step"]
ROWS = [["F20250101001", "广州市富春网络技术有限公司", "2025-01-01 15:30", "介绍产品功能并了解现有流程", "安排技术演示"],
        ["F20250103001", "陈思远", "2025-01-03 11:55", "discuss the quotation and the payment terms", "send the quote"]]


def test_cjk_counts_double() -> None:
    assert cell_len("华信") == 4 and cell_len("ab") == 2


def test_everything_fits_when_wide() -> None:
    p = plan(HEADS, ROWS, 200)
    assert p.keep == [0, 1, 2, 3, 4] and not p.dropped
    assert p.widths[0] == 12 and p.widths[2] == 16


def test_tokens_keep_their_width_text_shrinks_and_the_rightmost_drop() -> None:
    p = plan(HEADS, ROWS, 80)
    assert sum(p.widths) + overhead(len(p.keep)) <= 80
    assert p.widths[p.keep.index(0)] == 12 and p.widths[p.keep.index(2)] == 16  # id and date whole
    assert p.dropped == [4] or p.dropped == [3, 4]
    narrow = plan(HEADS, ROWS, 40)
    assert narrow.keep[0] == 0 and 2 not in narrow.keep


def test_priorities_choose_what_drops() -> None:
    p = plan(HEADS, ROWS, 60, priorities=[9, 1, 8, 7, 6])
    assert 1 in p.dropped and 2 in p.keep


def test_a_header_is_never_narrower_than_its_longest_word() -> None:
    p = plan(["客户编号", "Days since follow-up"], [["C20250101001", "3"]], 200)
    assert p.widths == [12, 20]


def test_shorten_keeps_ascii_words_whole() -> None:
    assert shorten("same landline (with C20250613001)", 28) == "same landline (with…"
    assert shorten("介绍产品功能并了解现有流程", 12) == "介绍产品功…"
    assert cell_len(shorten("介绍产品功能并了解现有流程", 12)) <= 12
    assert shorten("short", 12) == "short"
