"""Chinese for what crm writes beyond messages: empty report sections (crm today), workbooks and the
template's instructions sheet."""

from __future__ import annotations

from tests.conftest import Runner


def test_an_empty_today_section_says_none_not_unfilled(cli: Runner) -> None:
    for lang, none in (("zh", "（无）"), ("zh-Hant", "（無）"), ("en", "(none)")):
        r = cli("--lang", lang, "today", "--format", "table", env={"CRM_TODAY": "2025-06-30", "COLUMNS": "120"})
        assert r.exit_code == 0, r.output
        assert r.stdout.count(none) == 4, (lang, r.stdout)  # overdue, due, tickets, review: all empty
        assert "未填写" not in r.stdout and "未填寫" not in r.stdout
