"""Fitting a table to a terminal's width without breaking a token.

Rich, left alone, folds any cell at the column edge: `C202312` / `19003`, `Custome` / `r ID`. Here every
column is measured in terminal cells (Rich's cell_len: a CJK character is two) and sorted into:

- token columns -- ids, dates, phones, amounts, labels, short values: every cell is one ASCII word,
  a date-time or at most SHORT cells wide. They get their full width and are never wrapped or cut.
- text columns -- names, summaries, notes: they may be shortened to one line ending in "…", down to
  TEXT_MIN cells (or their header).

A header is never cut inside a word (a CJK header is one word). When even the minimum widths do not fit,
the least important column drops out -- the rightmost one unless PRIORITIES say otherwise; the first
column stays -- and the caller says so under the table. Pure arithmetic on strings: output.py builds the
Rich table from the plan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SHORT = 16  # a cell this narrow is kept whole even with a space in it ("Need follow-up", "2024-06-15 10:30")
TEXT_MIN = 12
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


def cell_len(text: str) -> int:
    from rich.cells import cell_len as _cell_len

    return max((_cell_len(line) for line in text.split("\n")), default=0)


def is_token(text: str) -> bool:
    """Must TEXT stay whole? Short values, ASCII words (ids, phones, amounts, emails) and date-times do;
    longer prose -- and a long run of CJK, which has no spaces -- may be shortened."""
    if cell_len(text) <= SHORT or _DATETIME.match(text):
        return True
    return text.isascii() and len(text.split()) == 1


@dataclass
class Plan:
    keep: list[int]  # column indexes shown, in order
    widths: list[int]  # width of each kept column (same order)
    text: list[bool]  # is each kept column shortened with … when too long
    dropped: list[int]


def overhead(n: int) -> int:
    """Cells a Rich table with the default box and padding (0, 1) adds around N columns."""
    return 3 * n + 1 if n else 0


def plan(heads: Sequence[str], rows: Sequence[Sequence[str]], width: int,
         priorities: Sequence[float] | None = None) -> Plan:
    """Which columns to show at WIDTH and how wide each is."""
    n = len(heads)
    natural, minimum, text = [], [], []
    for i, h in enumerate(heads):
        cells = [r[i] for r in rows if r[i]]
        nat = max([cell_len(h), *(cell_len(c) for c in cells)])
        head_min = max((cell_len(w) for w in h.split()), default=0)
        is_text = not all(is_token(c) for c in cells)
        natural.append(nat)
        minimum.append(max(head_min, min(nat, TEXT_MIN)) if is_text else nat)
        text.append(is_text)
    prio = list(priorities) if priorities is not None else [float(n - i) for i in range(n)]
    keep = list(range(n))
    dropped: list[int] = []
    while len(keep) > 1 and sum(minimum[i] for i in keep) + overhead(len(keep)) > width:
        victim = min(keep[1:], key=lambda i: (prio[i], -i))
        keep.remove(victim)
        dropped.append(victim)
    widths = {i: minimum[i] for i in keep}
    spare = width - overhead(len(keep)) - sum(widths.values())
    growing = [i for i in keep if text[i] and widths[i] < natural[i]]
    while spare > 0 and growing:  # hand out the rest one cell at a time, so every text column gains alike
        for i in list(growing):
            if spare <= 0:
                break
            widths[i] += 1
            spare -= 1
            if widths[i] >= natural[i]:
                growing.remove(i)
    return Plan(keep, [widths[i] for i in keep], [text[i] for i in keep], sorted(dropped))


def shorten(text: str, width: int) -> str:
    """TEXT cut to WIDTH cells ending in "…", never inside an ASCII word (an id or a phone in prose stays
    whole or goes); CJK, which has no spaces, may be cut between any two characters."""
    if cell_len(text) <= width:
        return text
    from rich.cells import get_character_cell_size

    room, used, cut = width - 1, 0, 0
    for i, ch in enumerate(text):
        used += get_character_cell_size(ch)
        if used > room:
            break
        cut = i + 1
    head = text[:cut]
    if cut < len(text) and text[cut].isascii() and text[cut].isalnum() and head[-1:].isascii() and head[-1:].isalnum():
        m = re.search(r"[^A-Za-z0-9_.@*+-][A-Za-z0-9_.@*+-]*$", head)
        head = head[:m.start() + 1] if m else ""
    return head.rstrip() + "…"
