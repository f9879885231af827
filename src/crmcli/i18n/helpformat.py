"""`--help` laid out for Chinese: widths in terminal cells, lines broken between CJK characters.

Click measures text with len() and breaks lines only at spaces: a Chinese help line (two cells a
character, no spaces) runs to twice the terminal's width, and joining a paragraph's lines puts a stray
space between two characters. `WideHelpFormatter` is click's formatter with those three steps redone;
`short_help` is click's one-line command summary cut at a clause instead of a word. `crmcli.i18n.help`
installs both when the language is not English (English help keeps click's own layout).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from typer._click.formatting import HelpFormatter

from crmcli.i18n import _

# Never first on a line (closing punctuation) / never last on a line (opening punctuation).
_NO_START = set("，。、；：！？）」』》〉】…,.;:!?)]}%")
_NO_END = set("（「『《〈【([{")
_CLAUSE_END = "。；：，"
_LABELLED = re.compile(r"^\s*[^\s\x00-\x7f：]{1,6}：\S")  # 示例：… 定时任务：… (a label, a full-width colon)


def char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(text: str) -> int:
    """TEXT's width in terminal cells (a CJK character is two)."""
    return sum(char_width(ch) for ch in text) if not text.isascii() else len(text)


def _is_wide(ch: str) -> bool:
    return char_width(ch) == 2 or ch in _NO_START or ch in _NO_END or ch == "…"


def chunks(text: str) -> list[str]:
    """TEXT as units a line may break between: runs of spaces, runs of narrow characters (a word, an
    option, a path), and single wide characters."""
    out: list[str] = []
    for ch in text:
        kind = "s" if ch.isspace() else "w" if _is_wide(ch) else "n"
        if out and kind != "w" and not _is_wide(out[-1][-1]) and out[-1][-1].isspace() == (kind == "s"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def join_lines(lines: Sequence[str]) -> str:
    """A paragraph's source lines as one line: a space between two words, none next to a CJK character."""
    out = ""
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(line[0])):
            out += " "
        out += line
    return out


def fill(text: str, room: int, first: str = "", rest: str = "") -> str:
    """TEXT in lines of at most ROOM cells (FIRST / REST prefixed): breaks at spaces and between CJK
    characters, never inside an ASCII word (an option, a path, an example) unless it alone is too long,
    never before closing punctuation or after opening punctuation."""
    lines: list[list[str]] = [[]]
    used = width(first)
    for c in chunks(text):
        cw = width(c)
        line = lines[-1]
        if c.isspace():
            if line:
                line.append(" ")
                used += 1
            continue
        if used + cw > room and any(not x.isspace() for x in line):
            carry: list[str] = []
            head = c
            while head[0] in _NO_START:  # the word before a closing mark goes down with it
                spaces = 0
                while len(line) > spaces + 1 and line[-1 - spaces].isspace():
                    spaces += 1
                if len(line) <= spaces + 1:
                    break
                moved = line[-1 - spaces:]
                del line[-1 - spaces:]
                carry[:0] = moved
                head = moved[0]
            while line and (line[-1].isspace() or line[-1][-1] in _NO_END) and len(line) > 1:
                popped = line.pop()
                if not popped.isspace():
                    carry.insert(0, popped)
            lines.append(carry)
            line = lines[-1]
            used = width(rest) + sum(width(x) for x in carry)
        line.append(c)
        used += cw
    out = [("".join(x)).rstrip() for x in lines]
    return "\n".join((first if i == 0 else rest) + line for i, line in enumerate(out))


def wrap_paragraphs(text: str, room: int, indent: str = "") -> str:
    """click's wrap_text(preserve_paragraphs=True) measured in cells: paragraphs split at blank lines,
    a paragraph opened by a \\b line kept as written."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip("\n")):
        lines = para.split("\n")
        if lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
        else:
            groups: list[list[str]] = []
            for line in lines:  # an example line (示例：crm …) starts a line of its own, never runs on
                if not groups or _LABELLED.match(line):
                    groups.append([])
                groups[-1].append(line)
            out.append("\n".join(fill(join_lines(g), room, indent, indent) for g in groups))
    return "\n\n".join(out)


def short_help(help: str, limit: int = 45) -> str:
    """The first sentence of HELP's first paragraph; when wider than LIMIT cells, cut at the last clause
    mark that fits, else shortened with …"""
    para = join_lines(help.split("\n\n")[0].replace("\b", "").split("\n"))
    end = para.find("。")
    sentence = para[:end] if end >= 0 else para.rstrip(".")
    if width(sentence) <= limit:
        return sentence
    used, cut = 0, 0
    for i, ch in enumerate(sentence):
        used += char_width(ch)
        if used > limit - 1:
            break
        if ch in _CLAUSE_END and width(sentence[:i]) >= limit // 3:
            cut = i
    if cut:
        return sentence[:cut]
    used, keep = 0, 0
    for i, ch in enumerate(sentence):
        used += char_width(ch)
        if used > limit - 1:
            break
        keep = i + 1
    return sentence[:keep].rstrip() + "…"


class WideHelpFormatter(HelpFormatter):
    """click's HelpFormatter with widths in cells, CJK line breaking and a translated "Usage:"."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = _("Usage:")
            prefix += "" if _is_wide(prefix[-1]) else " "
        head = f"{' ' * max(self.current_indent - width(prefix), 0)}{prefix}{prog} "
        room = self.width - self.current_indent
        if room >= width(head) + 20:
            self.write(fill(args, room, head, " " * width(head)))
        else:
            pad = " " * (max(self.current_indent, width(prefix)) + 4)
            self.write(head + "\n" + fill(args, room, pad, pad))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}{':' if heading.isascii() else '：'}\n")

    def write_text(self, text: str) -> None:
        self.write(wrap_paragraphs(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(r[0]) for r in rows), default=0), col_max) + col_spacing
        lead = " " * self.current_indent
        for term, text in rows:
            text = _(text) if text else text  # click's own option help ("Show this message and exit.")
            self.write(lead + term)
            if not text:
                self.write("\n")
                continue
            if width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_paragraphs(text, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((" " * (first_col + self.current_indent) + line).rstrip() + "\n")
