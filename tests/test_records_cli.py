"""crm add / show / update / tag through the CLI, and every bad input of the foundation issue."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crmcli import db


def dump(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        rows = []
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            rows += [(name, *r) for r in conn.execute(f"SELECT * FROM {name}")]
        return rows
    finally:
        conn.close()


def add_customer(cli, *extra: str) -> str:
    r = cli("add", "customer", "--name", "北京华信科技有限公司", "--phone", "+86 138-1234-5678", *extra)
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip()


def test_add_customer_prints_a_template_id_and_normalises(cli, db_path: Path) -> None:
    cid = add_customer(cli, "--source", "展会", "--customer-type", "老客户", "--email", "Zhang@Example.COM",
                       "--first-contact-date", "2024年5月20日", "--satisfaction", "4")
    assert cid.startswith("C") and len(cid) == 12
    row = sqlite3.connect(db_path).execute(
        "SELECT phone, source, customer_type, email, first_contact_date, satisfaction FROM customers").fetchone()
    assert row == ("13812345678", "exhibition", "returning", "Zhang@example.com", "2024-05-20", 4)


@pytest.mark.parametrize("kind,args,table,check", [
    ("contact", ["--name", "王芳", "--title", "采购经理", "--phone", "(010)62345678", "--role", "基础联系人"],
     "contacts", ("SELECT name, phone, role FROM contacts", ("王芳", "010-62345678", "main"))),
    ("followup", ["--date", "2024/5/20 14:30", "--method", "电话", "--type", "需求跟进", "--by", "王经理",
                  "--due", "2024-06-01", "--done", "否"],
     "followups", ("SELECT date, method, type, followed_by, due_date, done FROM followups",
                   ("2024-05-20 14:30:00", "phone", "need_followup", "王经理", "2024-06-01", 0))),
    ("order", ["--date", "2024-05-20", "--amount", "1.2万元", "--product", "年度服务", "--status", "已完成", "--tax-included", "含税"],
     "orders", ("SELECT date, amount, product, status, tax_included FROM orders", ("2024-05-20", 12000.0, "年度服务", "completed", 1))),
    ("ticket", ["--date", "2024-05-20 09:00", "--type", "技术支持", "--urgency", "紧急", "--channel", "在线客服",
                "--satisfaction", "5"],
     "tickets", ("SELECT type, urgency, channel, status, satisfaction FROM tickets",
                 ("tech_support", "urgent", "online_chat", "pending", 5))),
    ("need", ["--type", "服务定制", "--budget", "10-20万", "--stage", "方案制定", "--expected-close-date", "2024.12.1"],
     "needs", ("SELECT type, budget, stage, expected_close_date FROM needs", ("customization", "10-20万", "proposal", "2024-12-01"))),
])
def test_add_each_module(cli, db_path: Path, kind: str, args: list[str], table: str, check: tuple) -> None:
    cid = add_customer(cli)
    r = cli("add", kind, "--customer", cid, *args)
    assert r.exit_code == 0, r.stderr
    new_id = r.stdout.strip()
    prefix = {"followup": "F", "order": "DD", "ticket": "SR", "need": "D"}.get(kind)
    if prefix:
        assert new_id.startswith(prefix)
    sql, expected = check
    assert sqlite3.connect(db_path).execute(sql).fetchone() == expected


def test_show_lists_every_module_as_json(cli) -> None:
    cid = add_customer(cli)
    assert cli("add", "order", "--customer", cid, "--amount", "50000").exit_code == 0
    assert cli("tag", cid, "+重点维护").exit_code == 0
    r = cli("show", cid, "--format", "json")
    assert r.exit_code == 0, r.stderr
    card = json.loads(r.stdout)
    assert card["customer"]["name"] == "北京华信科技有限公司"
    assert card["customer"]["phone"] == "138****5678"  # masked by default
    assert [o["amount"] for o in card["orders"]] == [50000.0]
    assert [t["tag"] for t in card["tags"]] == ["重点维护"]
    assert set(card) >= {"contacts", "followups", "orders", "tickets", "needs", "tags"}
    unmasked = json.loads(cli("show", cid, "--format", "json", "--unmask").stdout)
    assert unmasked["customer"]["phone"] == "13812345678"


def test_show_on_a_terminal_draws_the_card(cli) -> None:
    cid = add_customer(cli)
    r = cli("show", cid, "--format", "table")
    assert r.exit_code == 0, r.stderr
    assert "北京华信科技有限公司" in r.stdout and "Orders (0)" in r.stdout and "138****5678" in r.stdout


def test_update_changes_fields_and_logs_them(cli, db_path: Path) -> None:
    cid = add_customer(cli)
    r = cli("update", cid, "--set", "客户等级=VIP", "--set", "owner=李娜")
    assert r.exit_code == 0, r.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT level, owner FROM customers").fetchone() == ("vip", "李娜")
    kinds = [r[0] for r in conn.execute("SELECT kind FROM operations ORDER BY op_id")]
    assert kinds == ["add", "update"]
    old, new = conn.execute("SELECT old, new FROM changes WHERE action = 'update'").fetchone()
    assert json.loads(old)["level"] is None and json.loads(new)["level"] == "vip"


def test_status_intent_needs_a_need_and_a_budget(cli, db_path: Path) -> None:
    cid = add_customer(cli)
    r = cli("update", cid, "--set", "status=意向")
    assert r.exit_code == 1 and "budget" in r.stderr
    r = cli("update", cid, "--set", "status=意向", "--set", "needs=ERP 升级", "--set", "budget=50万")
    assert r.exit_code == 0, r.stderr


def test_tag_adds_and_removes_with_groups(cli, db_path: Path) -> None:
    cid = add_customer(cli)
    r = cli("tag", cid, "+重点维护,合同到期2024-12", "+行为标签:价格敏感")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.split() == ["价格敏感", "合同到期2024-12", "重点维护"]
    r = cli("tag", cid, "-合同到期2024-12")
    assert r.exit_code == 0, r.stderr
    rows = sqlite3.connect(db_path).execute("SELECT tag, tag_group FROM tags ORDER BY tag").fetchall()
    assert rows == [("价格敏感", "behaviour"), ("重点维护", "other")]


@pytest.mark.parametrize("args,message", [
    (["add", "customer", "--name", "坏电话公司", "--phone", "12345"], "invalid phone"),
    (["add", "customer", "--name", "坏邮箱公司", "--email", "not-an-email"], "email"),
    (["add", "customer", "--name", "坏来源公司", "--phone", "13900001111", "--source", "地摊"], "allowed: exhibition"),
    (["add", "customer", "--name", "坏日期公司", "--phone", "13900001111", "--first-contact-date", "2024-02-30"], "date"),
    (["add", "customer", "--phone", "13900001111"], "needs a name"),
    (["add", "customer", "--name", "无联系方式公司"], "phone or an email"),
    (["add", "customer", "--name", "X", "--phone", "138****5678"], "masked"),
    (["add", "order", "--customer", "C19990101001", "--amount", "100"], "no customer C19990101001"),
    (["add", "order", "--amount", "100"], "needs a customer"),
    (["show", "C19990101001"], "no customer"),
    (["update", "C19990101001", "--set", "level=VIP"], "no record"),
    (["update", "{cid}", "--set", "levle=VIP"], "did you mean level"),
    (["update", "{cid}", "--set", "level=超级"], "allowed: vip"),
    (["update", "{cid}", "--set", "created_at=2020-01-01"], "kept by the system"),
    (["tag", "C19990101001", "+x"], "no customer"),
    (["update", "{cid}", "--set", "phone="], "phone or an email"),  # would leave no way to reach it
])
def test_bad_input_is_one_line_exit_1_and_writes_nothing(cli, db_path: Path, args: list[str], message: str) -> None:
    cid = add_customer(cli)
    before = dump(db_path)
    r = cli(*[a.format(cid=cid) for a in args])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert dump(db_path) == before


def test_every_command_on_a_missing_database_names_crm_init(cli, tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for args in (["query"], ["show", "C1"], ["add", "customer", "--name", "x", "--phone", "13900001111"],
                 ["update", "C1", "--set", "level=vip"], ["tag", "C1", "+x"]):
        r = cli(*args, db=missing)
        assert r.exit_code == 1 and "crm init" in r.stderr, (args, r.stderr)
    assert not missing.exists()


def test_init_creates_and_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert cli("init", db=path).exit_code == 0
    assert db.connect(path).execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    r = cli("init", db=path)
    assert r.exit_code == 1 and "already exists" in r.stderr


def test_config_set_get_and_user_recorded(cli, db_path: Path) -> None:
    assert cli("config", "set", "user", "张伟").exit_code == 0
    assert cli("config", "get", "user").stdout.strip() == "张伟"
    add_customer(cli)
    assert sqlite3.connect(db_path).execute("SELECT user FROM operations").fetchone()[0] == "张伟"
    r = cli("config", "set", "lang", "fr")
    assert r.exit_code == 1 and "en, zh, zh-Hant" in r.stderr


def test_config_db_is_used_when_no_flag(cli, tmp_path: Path) -> None:
    path = tmp_path / "via-config.db"
    assert cli("config", "set", "db", str(path)).exit_code == 0
    assert cli("init", db=None).exit_code == 0 and path.exists()
    r = cli("add", "customer", "--name", "配置公司", "--phone", "13900002222", db=None)
    assert r.exit_code == 0, r.stderr


def test_lang_zh_shows_chinese_labels(cli) -> None:
    cid = add_customer(cli, "--customer-type", "returning")
    r = cli("--lang", "zh", "query", "--format", "table", "--columns", "customer_id,customer_type")
    assert r.exit_code == 0 and "老客户" in r.stdout and cid in r.stdout
