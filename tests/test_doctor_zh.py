"""crm doctor's findings carry stable codes and read in the reader's language: Chinese under zh / zh-Hant
on the terminal and in JSON (same keys plus `code` / `fix_code`), English under en as before."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crmcli import doctor, i18n
from crmcli.findings import Msg, Word, shown
from tests.doctor_data import add_problems
from tests.screen_check import data_words, english_words

CODES = {"constraints.broken", "schema.missing", "schema.extra", "schema.journal_mode", "orphans.lost",
         "orphans.merged_away", "orphans.dangling_merge", "labels.outside_list", "labels.not_stored_value",
         "formats.not_stored_form", "formats.unreadable", "masked.stored_masked", "invalid.kept_aside",
         "ids.malformed", "duplicate_ids.case_or_spaces", "duplicate_ids.live_and_merged"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _en_after() -> Iterator[None]:
    yield
    i18n.set_lang("en")


@pytest.fixture
def bad(db_path: Path) -> Path:
    conn = sqlite3.connect(db_path)
    add_problems(conn)
    conn.close()
    return db_path


def test_every_finding_has_a_stable_code(bad: Path) -> None:
    conn = sqlite3.connect(bad)
    found = doctor.diagnose(conn)
    conn.close()
    assert {f.code for f in found} == CODES
    by_code = {f.code: f for f in found}
    assert by_code["schema.missing"].as_dict()["fix_code"] == "schema.create"
    assert by_code["labels.not_stored_value"].as_dict()["fix_code"] == "labels.canonical"
    assert by_code["ids.malformed"].examples[0].code == "ids.spaces_around"  # type: ignore[attr-defined]


def test_json_keeps_its_keys_english_under_en_chinese_under_zh(cli, bad: Path) -> None:  # type: ignore[no-untyped-def]
    en = json.loads(cli("doctor", "--format", "json").stdout)
    zh = json.loads(cli("--lang", "zh", "doctor", "--format", "json").stdout)
    assert [f["code"] for f in en["findings"]] == [f["code"] for f in zh["findings"]]
    words = data_words(bad)
    for e, z in zip(en["findings"], zh["findings"], strict=True):
        assert {"check", "table", "count", "message", "fix", "examples", "code"} <= set(z)
        assert (e["check"], e["table"], e["count"]) == (z["check"], z["table"], z["count"])  # machine keys unchanged
        assert not CJK.search(e["message"].replace("联系方式", "")), e["message"]
        assert CJK.search(z["message"]) and not english_words(z["message"], words), z["message"]
        assert (z["fix"] is None) == (e["fix"] is None)
        if z["fix"]:
            assert CJK.search(z["fix"]) and not english_words(z["fix"], words), z["fix"]
    labels = next(f for f in zh["findings"] if f["code"] == "labels.outside_list")
    assert "客户类型" in labels["message"] and "老客户" in labels["message"]  # field and labels by their names
    ids = next(f for f in zh["findings"] if f["code"] == "ids.malformed")
    assert "'C20241399001'：编号中的日期 20241399 不存在" in ids["examples"]


def test_zh_hant_terminal_and_fix_lines(cli, bad: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--lang", "zh-Hant", "doctor", "--format", "table")
    assert r.exit_code == 3
    assert "記錄編號 [客戶基本資訊]：4 個客戶基本資訊編號格式不對" in r.stdout
    assert "--fix 把它們移到合併後保留的客戶名下" in r.stdout
    r = cli("--lang", "zh", "doctor", "--fix", "--format", "json")
    assert "已修复：孤立记录：1 条记录已移到保留的客户名下" in r.stderr
    assert "表结构：日志模式已设为 WAL" in json.loads(r.stdout)["fixed"]
    logged = json.loads(cli("log", "--limit", "1", "--format", "json").stdout)[0]
    assert "孤立记录：1 条记录已移到保留的客户名下" in logged["summary"]  # the log speaks the writer's language


def test_every_word_a_message_takes_is_translated() -> None:
    """Schema object kinds and value types reach the messages as Words (msgctxt entries by hand)."""
    i18n.set_lang("zh")
    for kind in ("table", "index", "trigger", "view"):
        assert CJK.search(shown(Word(kind, "schema object"))), kind
    for kind in ("date", "datetime", "phone", "email"):
        assert CJK.search(shown(Word(kind, "value type"))), kind


def test_a_message_is_its_english_text_until_shown() -> None:
    m = Msg("ids.wrong_prefix", "prefix {prefix} belongs to another module", prefix="DD")
    i18n.set_lang("zh")
    assert m == "prefix DD belongs to another module" and m.code == "ids.wrong_prefix"
    assert shown(m) == "前缀 DD 属于其他模块"


@pytest.mark.parametrize("kind", ["pages", "truncated", "index", "stale_wal"])
def test_damage_reads_in_chinese(cli, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    """SQLite's commonest damage lines have msgids too: a damaged file reads whole in zh (tests/test_damaged.py)."""
    from tests.test_damaged import build, damage

    path = tmp_path / "damaged.db"
    build(path)
    damage(path, kind)
    r = cli("--lang", "zh", "doctor", "--format", "table", db=path)
    assert r.exit_code == 3 and r.stdout.startswith("文件损坏：数据库文件已损坏：")
    assert not english_words(r.stdout, set()), english_words(r.stdout, set())
    data = json.loads(cli("--lang", "zh-Hant", "doctor", "--format", "json", db=path).stdout)
    assert [f["code"] for f in data["findings"]] == ["integrity.damaged"] and CJK.search(data["findings"][0]["examples"][0])
