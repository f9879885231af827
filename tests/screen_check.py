"""Checks on what a person sees: no token broken by a table, no line wider than the terminal, and under
zh / zh-Hant no English word of the interface.

- split tokens: an id (C/F/DD/SR/D + 8-digit date + serial) with too few digits, a date cut after its
  month, a masked phone missing a half, an amount whose thousands groups are cut, a table header on two
  lines (the rows between ┏ and ┡);
- English: ASCII words of 3+ letters that are not data (every ASCII word stored in the database counts as
  data), not an option or command (`--columns`, `crm`, anything between backquotes), and not in ALLOWED (abbreviations Chinese
  writing uses as they are).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from rich.cells import cell_len

ID = re.compile(r"(?<![A-Za-z0-9])(?:C|F|DD|SR|D)(\d{4,})(?![\d])")
CUT_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-(?!\d{2})")
CUT_PHONE = re.compile(r"(?<![\d*])\d{3}\*{4}(?!\d{4})|(?<![\d*-])\*{4}\d{4}")
AMOUNT = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d+)+(?:\.\d+)?")
# a filter (status=lost, metrics.deals>=1, needs.stage!=won|dropped) is syntax, not English
WORD = re.compile(r"(?<![A-Za-z0-9_./@*:=|!<>~-])[A-Za-z][A-Za-z'’]{2,}(?![A-Za-z0-9_@-]|\.[a-z]|[=<>!~])")
ALLOWED = {"VIP", "ERP", "CRM", "SaaS", "API", "CSV", "TSV", "JSON", "JSONL", "XLSX", "HTML", "PDF", "SQL", "SQLite",
           "ICS", "WAL", "OpenCC", "Big", "HKSCS", "GBK", "UTF", "NPS", "KPI", "ROI", "LTV", "TOML", "Excel",
           "WeChat", "crm", "CRM_DB", "CRM_LANG", "demo", "Enter", "Ctrl", "YYYY", "MM", "DD", "HH", "utf", "gbk"}


def split_tokens(text: str) -> list[str]:
    problems = []
    for m in ID.finditer(text):
        if len(m.group(1)) != 11:
            problems.append(f"id cut: {m.group(0)!r}")
    problems += [f"date cut: {m.group(0)!r}" for m in CUT_DATE.finditer(text)]
    problems += [f"phone cut: {m.group(0)!r}" for m in CUT_PHONE.finditer(text)]
    for m in AMOUNT.finditer(text):
        groups = m.group(0).split(".")[0].split(",")[1:]
        if any(len(g) != 3 for g in groups):
            problems.append(f"amount cut: {m.group(0)!r}")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("┏"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(("┡", "└"))), i + 2)
            if end - i - 1 > 1:
                problems.append(f"header on {end - i - 1} lines: {lines[i + 1]!r}")
    return problems


def too_wide(text: str, width: int) -> list[str]:
    """Table lines wider than WIDTH (messages are prose: the terminal wraps them between words)."""
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└╭╰" and cell_len(line) > width]


def data_words(db: Path) -> set[str]:
    """Every ASCII word stored in a text column: names, emails, products are data, not interface."""
    conn = sqlite3.connect(db)
    words: set[str] = set()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for t in tables:
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
        for c in cols:
            for (v,) in conn.execute(f'SELECT DISTINCT "{c}" FROM "{t}" WHERE typeof("{c}") = \'text\''):
                words.update(re.findall(r"[A-Za-z][A-Za-z'’]+", v))
    conn.close()
    return words


def english_words(text: str, data: set[str]) -> list[str]:
    found = []
    for line in text.splitlines():
        for m in WORD.finditer(line):
            w = m.group(0)
            before = line[:m.start()]
            in_command = before.count("`") % 2 == 1  # inside a `crm segment run` quoted command
            if w in data or w in ALLOWED or before.endswith(("--", "-", "crm ", "$")) or w.upper() == w or in_command:
                continue
            found.append(w)
    return found
