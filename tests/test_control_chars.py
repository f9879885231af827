"""Control characters (issue 14, finding 7): refused in settings, removed from every stored text,
never sent raw to a terminal; a broken settings file never blocks `crm config`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcli.normalize import drop_controls
from crmcli.output import printable
from tests.dbdump import dump

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\x00\x08"
RAW = ("\x1b", "\x07", "\x9b", "\x7f", "\x00", "\x08")


def customer(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM customers").fetchone())
    conn.close()
    return row


def test_config_refuses_a_control_character_and_writes_nothing(cli, tmp_path: Path) -> None:
    for value in ("bob\x7f", "bob\x1b[2J", "a\nb", "\t"):
        r = cli("config", "set", "user", value)
        assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1, r.output
        assert "\x7f" not in r.stderr and "\x1b" not in r.stderr
        assert not (tmp_path / "config.toml").exists()
    assert cli("add", "customer", "--name", "甲", "--phone", "13800000001").exit_code == 0


@pytest.mark.parametrize("content", ['user = "bob\x7f"\nlang = "en"\n', 'user = "bob\\u007f"\nlang = "en"\n',
                                     'user = 3\n', "user = \n", "\xff\xfe"])
def test_a_broken_config_never_blocks_crm_config(cli, db_path: Path, tmp_path: Path, content: str) -> None:
    (tmp_path / "config.toml").write_bytes(content.encode("utf-8", errors="surrogateescape")
                                           if content != "\xff\xfe" else b"\xff\xfe")
    before = dump(db_path)
    r = cli("add", "customer", "--name", "甲", "--phone", "13800000001")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
    assert "crm config" in r.stderr and "\x7f" not in r.stderr
    assert dump(db_path) == before
    r = cli("config", "list")
    assert r.exit_code == 0 and "Warning" in r.stderr, r.output
    assert cli("config", "get", "user").exit_code == 0
    r = cli("config", "set", "user", "bob")
    assert r.exit_code == 0, r.output
    assert cli("add", "customer", "--name", "甲", "--phone", "13800000001").exit_code == 0
    assert customer(db_path)["name"] == "甲"


def test_drop_controls_keeps_lines_and_tabs() -> None:
    assert drop_controls("a" + ESCAPES + "b") == "a[2J]0;pwned31mb"
    assert drop_controls("x\r\ny\rz\x0bw\x85v\u2028u\tt") == "x\ny\nz\nw\nv\nu\tt"
    assert drop_controls("北京华信") == "北京华信"


def test_add_and_update_store_text_without_control_characters(cli, db_path: Path) -> None:
    r = cli("add", "customer", "--name", "甲" + ESCAPES + "公司", "--phone", "13800000001",
            "--notes", "第一行\r\n第二行" + ESCAPES + "\t完")
    assert r.exit_code == 0, r.output
    row = customer(db_path)
    assert row["name"] == "甲[2J]0;pwned31m公司"
    assert row["notes"] == "第一行\n第二行[2J]0;pwned31m\t完"
    cid = str(row["customer_id"])
    assert cli("update", cid, "--set", "address=北京\x1b[31m市").exit_code == 0
    assert customer(db_path)["address"] == "北京[31m市"
    assert cli("tag", cid, "+重点\x1b维护").exit_code == 0
    conn = sqlite3.connect(db_path)
    assert [r[0] for r in conn.execute("SELECT tag FROM tags")] == ["重点维护"]
    conn.close()


@pytest.mark.parametrize("many", [False, True])  # one row: coerce per cell; many: the import's column fast path
def test_import_stores_text_without_control_characters(cli, db_path: Path, tmp_path: Path, many: bool) -> None:
    rows = [f"公司{i}{chr(27) + '[2J' if i % 10 == 0 else ''},1380000{i:04d},备注{i}{chr(0x9b) if i % 10 == 0 else ''}"
            + "，很长的备注" * 10 for i in range(30 if many else 1)]
    path = tmp_path / "in.csv"
    path.write_text("客户名称,联系电话,备注\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = cli("import", str(path))
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(db_path)
    stored = "".join(f"{a}{b}" for a, b in conn.execute("SELECT name, notes FROM customers"))
    conn.close()
    assert not any(c in stored for c in RAW) and "公司0[2J" in stored


@pytest.fixture
def legacy(cli, db_path: Path) -> str:
    """A customer stored before control characters were removed at input (or written by another program)."""
    assert cli("add", "customer", "--name", "[/]乙[bold]公司 :smile:", "--phone", "13800000002").exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE customers SET notes = ?, address = ?", ("旧" + ESCAPES, "上海\x1b]0;title\x07"))
    conn.commit()
    cid = conn.execute("SELECT customer_id FROM customers").fetchone()[0]
    conn.close()
    return str(cid)


@pytest.mark.parametrize("args", [("show", "{id}", "--format", "table"), ("query", "--format", "table"),
                                  ("query", "--format", "table", "--columns", "customer_id,name,notes,address")])
def test_terminal_output_never_carries_control_characters(cli, legacy: str, args: tuple[str, ...]) -> None:
    r = cli(*(a.format(id=legacy) for a in args))
    assert r.exit_code == 0, r.output
    assert not any(c in r.stdout for c in RAW), repr(r.stdout)
    assert "[/]乙[bold]公司 :smile:" in r.stdout  # brackets and emoji codes print as typed
    if "notes" in " ".join(args) or args[0] == "show":
        assert "\\x1b[2J" in r.stdout


def test_error_messages_quote_input_without_control_characters(cli, legacy: str) -> None:
    r = cli("query", "bogus\x1b[2J=1")
    assert r.exit_code == 1 and "\x1b" not in r.stderr and "\\x1b" in r.stderr


def test_printable() -> None:
    assert printable("a\x1b[2Jb\n\tc\r") == "a\\x1b[2Jb\n\tc\\x0d"
    assert printable("北京") == "北京"
