"""crm dedupe / merge / unmerge / merges through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmcli import db


@pytest.fixture
def dupes(db_path: Path) -> Path:
    """Cluster 1 (sure): C1 C2 C3. Cluster 2 (review only): C6 C7 share a name but not a phone.
    C4 (other city) and C5 (shares C3's switchboard) must stay out."""
    conn = db.connect(db_path)
    rows = [
        ("C1", "北京华信科技有限公司", "13812345678", None, "2024-01-01 09:00:00"),
        ("C2", "华信科技(北京)有限公司", "13812345678", "info@huaxin.cn", "2024-02-01 09:00:00"),
        ("C3", "北京華信科技有限責任公司", "010-62345678", "info@huaxin.cn", "2024-03-01 09:00:00"),
        ("C4", "上海华信科技有限公司", "021-55556666", None, "2024-01-01 09:00:00"),
        ("C5", "北京远大物流有限公司", "010-62345678", None, "2024-01-01 09:00:00"),
        ("C6", "杭州云帆网络有限公司", "13900001111", None, "2024-01-01 09:00:00"),
        ("C7", "杭州云帆网络有限公司", "13900002222", None, "2024-04-01 09:00:00"),
    ]
    conn.executemany("INSERT INTO customers (customer_id, name, phone, email, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?)", [(*r, r[4]) for r in rows])
    conn.execute("INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD1', 'C3', '2024-03-05', 900)")
    conn.close()
    return db_path


def _count(path: Path, sql: str) -> int:
    conn = db.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_dedupe_json_contract_and_writes_nothing(cli, dupes):
    res = cli("dedupe", "--format", "json")
    assert res.exit_code == 0, res.output
    clusters = json.loads(res.stdout)
    assert [c["cluster"] for c in clusters] == [1, 2]
    first = clusters[0]
    assert first["survivor"] == "C1" and first["score"] == 100.0
    assert [m["customer_id"] for m in first["members"]] == ["C1", "C2", "C3"]
    assert first["members"][1] == {"customer_id": "C2", "name": "华信科技(北京)有限公司", "phone": "138****5678",
                                   "email": "i***@huaxin.cn", "score": 100.0, "reason": "same name + same mobile"}
    assert first["members"][2]["reason"] == "same name + same email (with C2)"
    second = clusters[1]
    assert second["score"] == 80.0 and second["auto"] is False
    assert second["members"][1]["reason"] == "same name, different phone/email"
    assert _count(dupes, "SELECT count(*) FROM operations") == 0
    assert _count(dupes, "SELECT count(*) FROM customers") == 7


def test_dedupe_csv_unmask_and_threshold(cli, dupes):
    res = cli("dedupe", "--format", "csv", "--unmask", "--threshold", "85")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "cluster,score,action,customer_id,name,phone,email,reason"
    assert lines[1] == "1,100.0,auto,C1,北京华信科技有限公司,13812345678,,survivor: oldest record"
    assert len(lines) == 4   # the 80-point cluster is below --threshold 85


def test_dedupe_merge_yes_merges_only_sure_clusters(cli, dupes):
    res = cli("dedupe", "--merge", "--yes", "--format", "json")
    assert res.exit_code == 0, res.output
    clusters = json.loads(res.stdout)
    assert clusters[0]["action"] == "merged" and clusters[0]["merge_id"] == 1
    assert clusters[1]["action"] == "review" and "merge_id" not in clusters[1]
    assert "merged 1 clusters; 1 left for review" in res.stderr
    assert _count(dupes, "SELECT count(*) FROM customers") == 5
    assert _count(dupes, "SELECT count(*) FROM orders WHERE customer_id = 'C1'") == 1
    show = cli("show", "C3", "--format", "json")
    assert show.exit_code == 0, show.output
    card = json.loads(show.stdout)
    assert card["merged_from"] == "C3" and card["customer"]["customer_id"] == "C1"
    again = cli("dedupe", "--format", "json")
    assert [len(c["members"]) for c in json.loads(again.stdout)] == [2]


def test_dedupe_merge_needs_terminal_or_yes(cli, dupes):
    res = cli("dedupe", "--merge")
    assert res.exit_code == 1
    assert "add --yes" in res.stderr
    assert _count(dupes, "SELECT count(*) FROM customers") == 7
    assert cli("dedupe", "--yes").exit_code == 2


def _json_after_prompts(stdout: str):
    """Click's test runner echoes typed answers into stdout (a terminal would show them itself)."""
    return json.loads(stdout[stdout.index("[\n"):])


def test_dedupe_interactive_walk(cli, dupes):
    # cluster 1: drop C3, pick C2 as survivor, merge; cluster 2: skip
    res = cli("dedupe", "--merge", "--format", "json", input="d\n3\np\nC2\nm\ns\n", env={"CRM_INTERACTIVE": "1"})
    assert res.exit_code == 0, res.output
    clusters = _json_after_prompts(res.stdout)
    assert clusters[0]["action"] == "merged" and clusters[0]["survivor"] == "C2"
    assert clusters[1]["action"] == "skipped"
    assert "merged C1 into C2 (merge 1)" in res.stderr
    conn = db.connect(dupes)
    assert sorted(r[0] for r in conn.execute("SELECT customer_id FROM customers")) == ["C2", "C3", "C4", "C5", "C6", "C7"]
    assert conn.execute("SELECT survivor_id FROM merged_ids WHERE old_id = 'C1'").fetchone()[0] == "C2"
    conn.close()


def test_dedupe_interactive_quit_merges_nothing(cli, dupes):
    res = cli("dedupe", "--merge", "--format", "json", input="q\n", env={"CRM_INTERACTIVE": "1"})
    assert res.exit_code == 0, res.output
    assert [c["action"] for c in _json_after_prompts(res.stdout)] == ["skipped", "skipped"]
    assert _count(dupes, "SELECT count(*) FROM merges") == 0


def test_merge_and_unmerge_commands(cli, dupes):
    res = cli("merge", "C6", "C7", "--yes")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "1"
    assert "keep C6; merge C7 into it" in res.stderr
    assert "conflict phone: C6='139****1111', C7='139****2222' -> keeps '139****1111'" in res.stderr
    listing = cli("merges", "--format", "csv")
    assert listing.stdout.splitlines()[1].split(",")[2:5] == ["C6", "C7", "phone"]
    undo = cli("unmerge", "1")
    assert undo.exit_code == 0, undo.output
    assert undo.stdout.strip() == "C7"
    assert _count(dupes, "SELECT count(*) FROM customers") == 7
    assert cli("unmerge", "1").exit_code == 1
    assert "already undone" in cli("unmerge", "1").stderr


def test_merge_errors(cli, dupes):
    assert cli("merge", "C1").exit_code == 1
    bad = cli("merge", "C1", "C99", "--yes")
    assert bad.exit_code == 1 and "no customer C99" in bad.stderr
    assert "not asked without a terminal" in cli("merge", "C1", "C2").stderr
    assert cli("unmerge", "x").exit_code == 1
    assert cli("unmerge", "42").exit_code == 1
    assert _count(dupes, "SELECT count(*) FROM operations") == 0


def test_merge_with_survivor_option(cli, dupes):
    res = cli("merge", "C1", "C2", "--survivor", "C2", "--yes")
    assert res.exit_code == 0, res.output
    assert _count(dupes, "SELECT count(*) FROM customers WHERE customer_id = 'C1'") == 0
    assert _count(dupes, "SELECT count(*) FROM customers WHERE customer_id = 'C2'") == 1


def test_merge_unmask_shows_full_conflicting_phones(cli, dupes):
    res = cli("merge", "C6", "C7", "--yes", "--unmask")
    assert res.exit_code == 0, res.output
    assert "conflict phone: C6='13900001111', C7='13900002222' -> keeps '13900001111'" in res.stderr


def test_interactive_review_cluster_follows_earlier_merge(cli, dupes):
    """Sure clusters are merged; the look-alike of C1's group is listed against C1 on the next run
    (a customer is in at most one cluster of a run)."""
    conn = db.connect(dupes)
    conn.execute("INSERT INTO customers (customer_id, name, phone, created_at, updated_at) VALUES "
                 "('C8', '北京华欣科技有限公司', '010-88889999', '2024-05-01', '2024-05-01')")
    conn.close()
    res = cli("dedupe", "--merge", "--format", "json", input="m\nm\n", env={"CRM_INTERACTIVE": "1"})
    assert res.exit_code == 0, res.output
    clusters = _json_after_prompts(res.stdout)
    assert [c.get("action") for c in clusters] == ["merged", "merged"]
    res = cli("dedupe", "--merge", "--format", "json", input="s\n", env={"CRM_INTERACTIVE": "1"})
    clusters = _json_after_prompts(res.stdout)
    assert [c.get("action") for c in clusters] == ["skipped"]
    assert [m["customer_id"] for m in clusters[0]["members"]] == ["C1", "C8"]
    assert clusters[0]["members"][1]["reason"] == "name 95 (sounds alike), no shared contact"
    assert _count(dupes, "SELECT count(*) FROM customers") == 5


def test_dedupe_under_zh_translates_the_screen_not_the_data(cli, dupes):
    """The table a person reads is Chinese (headers, actions, reasons, summary); JSON and CSV keep the
    contract's English keys and reasons (DESIGN.md), whatever --lang says."""
    res = cli("--lang", "zh", "dedupe", "--format", "table", env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "重复客户" in res.stdout and "客户编号" in res.stdout and "理由" in res.stdout
    assert "同名 + 手机相同" in res.stdout and "同名 + 邮箱相同 （与 C2 比对）" in res.stdout
    assert "同名, 电话/邮箱不同" in res.stdout and "待审核" in res.stdout
    assert "same name" not in res.stdout and "customer_id" not in res.stdout
    assert "7 个客户" in res.stderr
    hant = cli("--lang", "zh-Hant", "dedupe", "--format", "table", env={"COLUMNS": "200"})
    assert "重複客戶" in hant.stdout and "同名 + 手機相同" in hant.stdout
    data = json.loads(cli("--lang", "zh", "dedupe", "--format", "json").stdout)
    assert data[0]["members"][1]["reason"] == "same name + same mobile"
    csv_head = cli("--lang", "zh", "dedupe", "--format", "csv").stdout.splitlines()[:2]
    assert csv_head[0] == "cluster,score,action,customer_id,name,phone,email,reason"
    assert csv_head[1].endswith(",auto,C1,北京华信科技有限公司,138****5678,,survivor: oldest record")


def test_dedupe_reason_parts_translate_and_stay_english_under_en():
    from crmcli import i18n
    from crmcli.dedupe.reasons import shown

    reasons = ["survivor: oldest record", "name 95 (sounds alike) + same landline (with C20250520001)",
               "name 88 + same mobile but different city 北京/上海", "same name, but that name exists in several cities",
               "name 90, no shared contact; merged into C20250520001 earlier", "same name + same phone + same email"]
    try:
        i18n.set_lang("en")
        assert [shown(r) for r in reasons] == reasons
        i18n.set_lang("zh")
        assert [shown(r) for r in reasons] == [
            "保留：最早的记录", "名称 95 分（读音相近） + 座机相同 （与 C20250520001 比对）",
            "名称 88 分 + 手机相同 但城市不同 北京/上海", "同名, 但该名称在多个城市都有",
            "名称 90 分, 无共同联系方式; 之前已并入 C20250520001", "同名 + 电话相同 + 邮箱相同"]
    finally:
        i18n.set_lang("en")


def test_merges_table_reads_chinese_and_scripts_keep_field_names(cli, dupes):
    assert cli("dedupe", "--merge", "--yes").exit_code == 0
    r = cli("merges", "--format", "table", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "保留的客户" in r.stdout and "不一致的字段" in r.stdout and "survivor_id" not in r.stdout
    assert "contact_name" not in r.stdout and "name," not in r.stdout
    r = cli("merges", "--format", "table", "--lang", "zh-Hant")
    assert "保留的客戶" in r.stdout
    r = cli("merges", "--format", "csv", "--lang", "zh")
    head = r.stdout.splitlines()[0]
    assert head == "merge_id,created_at,survivor_id,merged_ids,conflicts,undone_at"
    assert "保留" not in r.stdout
