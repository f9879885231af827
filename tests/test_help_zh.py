"""`crm --help` in Chinese: every help text translated, laid out in terminal cells, no English prose left.

The screens are rendered the way main() renders them (crmcli.i18n.help.prepare on the built command tree)
for every command of the tree, in zh and zh-Hant, at 60 and 80 columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from crmcli import fields, i18n
from crmcli.i18n import build, help
from crmcli.i18n.helpformat import fill, short_help, width
from tests.screen_check import english_words

# Words a help text keeps as they are, in any language: option values and formats, metavar types, file
# names of the examples. Command, module, field and label names are added from the tree and the registry.
LITERALS = {"csv", "tsv", "json", "jsonl", "xlsx", "html", "pdf", "table", "all", "str", "int", "float", "path",
            "list", "range", "shell", "fail", "skip", "update", "month", "quarter", "key", "value", "field",
            "module", "column", "avg", "today", "tag", "backups", "time", "rejects", "invalid", "csvstat", "moved",
            "monthly", "revenue", "overview", "service", "overdue", "due", "review", "lang", "mask", "user", "name",
            "customers", "orders", "tickets", "followups", "needs", "contacts", "amount", "date", "status",
            "industry", "owner", "level"}
_LABEL = re.compile(r"^\s*(示例|範例|定时任务|定時任務|用法)：.*$")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    help.untranslate()
    help.install_click_gettext(on=False)
    i18n.set_lang("en")


def _tree() -> typer.core.TyperGroup:
    from crmcli.cli import app

    return typer.main.get_command(app)


def run(argv: list[str], columns: int = 80) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `crm ARGV` through main()'s preparation (language, translated help and
    usage errors, --lang hoisted)."""
    cmd = _tree()
    args = help.prepare(cmd, argv)
    code = 0
    with CliRunner().isolation() as (out, err, *_rest):
        try:
            cmd.main(args, prog_name="crm", terminal_width=columns)
        except SystemExit as e:
            code = int(e.code or 0)
        return code, out.getvalue().decode(), err.getvalue().decode()


def screen(argv: list[str], columns: int = 80) -> str:
    code, out, err = run(argv, columns)
    assert code == 0, (argv, err)
    return out


def _literals() -> set[str]:
    words = set(LITERALS)
    for path, _c in help._walk(_tree()):
        words.update(path.split())
    for t in fields.TABLES.values():
        words.update((t.name, *t.name.split("_")))
        for f in t.fields:
            words.update((f.name, *f.name.split("_")))
            words.update(lab.value for lab in f.labels)
            words.update(part for lab in f.labels for part in lab.value.split("_"))
    return words


def test_every_help_text_has_a_chinese_entry() -> None:
    have = build.known()
    texts = dict((t, p) for p, t in help.texts())
    assert len(texts) > 200
    for text, path in texts.items():
        zh = have.get(text)
        assert isinstance(zh, str), (path, text)
        assert re.search(r"[\u4e00-\u9fff]", zh), (path, zh)
        if len(re.findall(r"\b[a-z]{3,}\b", re.sub(r"`[^`]*`|Example:.*", "", text))) >= 4:
            assert zh != text, (path, text)  # English prose, not just literals


def test_a_new_untranslated_help_text_fails_the_catalog_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = build.help_texts
    monkeypatch.setattr(build, "help_texts", lambda: iter([*real(), ("crm new --opt", "a help text nobody translated")]))
    monkeypatch.setattr(build, "extracted", lambda: iter([]))  # the _() strings are test_i18n's (and slow to extract)
    assert build.missing() == [("crm new --opt", "a help text nobody translated")]
    assert build.missing(include_help=False) == []


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
def test_every_help_screen_reads_in_chinese_and_fits(lang: str) -> None:
    literals = _literals()
    for path, _c in list(help._walk(_tree())):
        argv = path.split()[1:]
        for columns in (60, 80):
            text = screen(["--lang", lang, *argv, "--help"], columns)
            assert "用法：" in text or "用法：" in text, (path, text)
            # example lines are kept as written (click's \\b blocks), as in English
            wide = [line for line in text.splitlines() if width(line) > columns and not (columns < 80 and _LABEL.match(line))]
            assert not wide, (path, lang, columns, wide)
            prose = "\n".join(_LABEL.sub("", line) for line in text.splitlines())
            english = [w for w in english_words(prose, set()) if w.strip("'") not in literals]
            assert not english, (path, lang, columns, english, text)


def test_the_three_screens_of_the_issue() -> None:
    top = screen(["--lang", "zh", "--help"])
    assert "选项：" in top and "命令：" in top and "显示此帮助并退出。" in top
    assert "  import    从 CSV 或 Excel 导入客户" in top
    query = screen(["query", "--help", "--lang", "zh"])
    assert "field=value != > >= < <= ~（包含）" in query  # the filter syntax stays literal
    assert "示例：crm query '!followups.date>=-90d' --count" in query
    hant = screen(["--lang", "zh-Hant", "import", "--help"])
    assert "匯入" in hant and "导入" not in hant
    assert "範例：crm import" in hant and "示例" not in hant  # Taiwan's word (po/zh_Hant/help.po)
    assert "--on-conflict <str>" in hant


def test_english_help_is_click_s_own_after_a_chinese_call() -> None:
    before = screen(["query", "--help"])
    assert "Find records with stacked filters" in before
    screen(["--lang", "zh", "query", "--help"])
    after = screen(["query", "--help"])
    assert after == before


def test_chinese_lines_break_between_characters_not_inside_words_or_before_closing_marks() -> None:
    text = "终端表格只显示一组便于阅读的列（--columns all 显示全部列），未指定 --limit 时最多 200 行。"
    for room in range(16, 60):
        lines = fill(text, room).splitlines()
        assert all(width(line) <= room for line in lines), (room, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), room
        assert not any(line[0] in "），。" for line in lines), (room, lines)
        assert not any(line.endswith("（") for line in lines), (room, lines)
        assert all(any(tok in line for line in lines) for tok in ("--columns", "--limit")), room  # whole


def test_short_help_cuts_at_a_clause() -> None:
    assert short_help("查看一个客户的全部信息：客户卡片、联系人、跟进记录、订单、服务单、需求、标签。\n\n示例：…", 40) == \
        "查看一个客户的全部信息"
    assert short_help("为客户添加或移除标签。\n\n示例：crm tag", 40) == "为客户添加或移除标签"
    assert width(short_help("检查数据库" + "完整性" * 20, 30)) <= 30


@pytest.mark.parametrize(("argv", "said"), [
    (["query", "--bogus"], "错误：没有这个选项：--bogus（可用的选项："),
    (["import"], "错误：缺少参数 'FILE'。"),
    (["fields", "a", "b", "c"], "错误：多余的参数（b c）"),
    (["query", "--limit", "abc"], "错误：'--limit' / '-n' 的值无效：应为整数"),
    (["export", "--format", "xx"], "错误：--format 的值无效："),
])
def test_usage_errors_in_chinese(argv: list[str], said: str, tmp_path: Path) -> None:
    code, _out, err = run(["--db", str(tmp_path / "x.db"), "--lang", "zh", *argv])
    assert code == 2
    assert err.startswith("用法：crm ") and f"运行“crm {argv[0]} -h”查看帮助。" in err, err
    assert said in err, err
    assert not english_words(err.split("\n", 1)[1], set(_literals()) | {"FILE"}), err


def test_usage_errors_in_english_after_chinese(tmp_path: Path) -> None:
    run(["--db", str(tmp_path / "x.db"), "--lang", "zh", "query", "--bogus"])
    code, _out, err = run(["--db", str(tmp_path / "x.db"), "query", "--bogus"])
    assert code == 2 and "Try 'crm query -h' for help." in err and "Error: No such option: --bogus" in err
