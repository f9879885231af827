"""`crm query` and `crm fields` through the CLI, on the hand-made database of query_data.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.query_data import copy_of, make_template

PINNED = {"CRM_TODAY": "2024-06-15"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def db_path(tmp_path: Path, template: Path) -> Path:
    """Overrides conftest's empty database: a copy of the hand-made one."""
    return copy_of(template, tmp_path)


@pytest.fixture
def crm(cli):  # type: ignore[no-untyped-def]
    return cli


def _table_ids(text: str) -> list[str]:
    return [line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")]


def test_every_format_gives_the_same_rows(crm) -> None:  # type: ignore[no-untyped-def]
    args = ["query", "owner!=", "-c", "customer_id,name,phone,status,satisfaction", "--sort", "-satisfaction"]
    out = {fmt: crm(*args, "-f", fmt) for fmt in ("csv", "tsv", "json", "jsonl", "table")}
    for fmt, res in out.items():
        assert res.exit_code == 0, (fmt, res.output)
    expected = [
        {"customer_id": "C001", "name": "北京华信科技有限公司", "phone": "138****5678", "status": "active", "satisfaction": 5},
        {"customer_id": "C002", "name": "上海云帆贸易有限公司", "phone": "010-****5678", "status": "active", "satisfaction": 3},
        {"customer_id": "C005", "name": "广州天成咨询有限公司", "phone": "137****2222", "status": "lost", "satisfaction": 2},
        {"customer_id": "C003", "name": "深圳鹏程电子有限公司", "phone": "139****1111", "status": "intent", "satisfaction": None},
        {"customer_id": "C006", "name": "Robert'); DROP TABLE customers;-- 有限公司", "phone": "136****3333",
         "status": "active", "satisfaction": None},
    ]
    assert json.loads(out["json"].stdout) == expected
    assert [json.loads(line) for line in out["jsonl"].stdout.splitlines()] == expected
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected]
    assert list(csv.DictReader(io.StringIO(out["csv"].stdout))) == as_text
    assert list(csv.DictReader(io.StringIO(out["tsv"].stdout), delimiter="\t")) == as_text
    assert _table_ids(out["table"].stdout) == ["C001", "C002", "C005", "C003", "C006"]
    assert "5 customers" in out["table"].stderr  # the count is a message, not data


def test_table_shows_labels_in_the_chosen_language_and_masks_phones(crm) -> None:  # type: ignore[no-untyped-def]
    zh = crm("query", "owner=张伟", "-f", "table", "--lang", "zh")
    assert zh.exit_code == 0, zh.output
    assert "客户编号" in zh.stdout and "合作中" in zh.stdout and "意向" in zh.stdout and "老客户" in zh.stdout
    assert "138****5678" in zh.stdout and "13812345678" not in zh.stdout
    en = crm("--lang", "en", "query", "owner=张伟", "-f", "table")
    assert "Customer ID" in en.stdout and "Active" in en.stdout and "Intent" in en.stdout
    glob = crm("--lang", "zh", "query", "owner=张伟", "-f", "table")
    assert "合作中" in glob.stdout
    full = crm("query", "owner=张伟", "-f", "table", "--unmask")
    assert "13812345678" in full.stdout


def test_machine_formats_keep_stored_values_and_mask_unless_asked(crm) -> None:  # type: ignore[no-untyped-def]
    res = crm("query", "customer_id=C001", "-f", "json")
    row = json.loads(res.stdout)[0]
    assert row["status"] == "active" and row["phone"] == "138****5678" and row["email"] == "z***@huaxin.com"
    assert len(row) == 26  # every column in machine formats
    row = json.loads(crm("query", "customer_id=C001", "-f", "json", "--unmask", "--lang", "zh").stdout)[0]
    assert row["phone"] == "13812345678" and row["email"] == "zhang@huaxin.com" and row["status"] == "active"
    zh_csv = crm("query", "customer_id=C001", "-f", "csv", "-c", "customer_id,status", "--lang", "zh").stdout
    assert zh_csv.splitlines() == ["客户编号,合作状态", "C001,合作中"]  # --lang on CSV: for spreadsheets


def test_default_columns_curated_in_a_table_all_elsewhere(crm) -> None:  # type: ignore[no-untyped-def]
    table = crm("query", "customer_id=C001", "-f", "table").stdout
    assert "Name" in table and "Created" not in table and "Notes" not in table
    assert table.splitlines()[0].count("┳") == 7  # 8 columns
    wide = crm("query", "customer_id=C001", "-f", "table", "-c", "all").stdout  # 26 columns: more than 200 cells
    shown = wide.splitlines()[0].count("┳") + 1
    hidden = wide.split("hidden to fit 200 columns: ")[1].strip().split(", ")
    assert shown + len(hidden) == 26 and hidden[-1] == "Updated"  # the rightmost drop out, named under the table
    header = crm("query", "customer_id=C001").stdout.splitlines()[0]  # piped: csv
    assert header.split(",")[:3] == ["customer_id", "kind", "name"] and len(header.split(",")) == 26


@pytest.mark.parametrize(("args", "expected"), [
    (["customer_type=老客户", "orders.date>=-3m", "orders.amount>=50000", "tickets.satisfaction>=4"], ["C001"]),
    (["followups.by~经理", "tag=重点维护"], ["C001", "C003"]),
    (["!followups.date>=-90d"], ["C002", "C004", "C005"]),
    (["orders", "amount>100000"], ["DD7"]),
    (["交易信息", "date=last-month"], ["DD1"]),
    (["needs", "stage=方案"], ["D1"]),  # needs is a module (and a customers field)
    (["followups", "date=2024-05-20"], ["F3"]),
    (["orders", "--sort", "-amount", "--limit", "2"], ["DD7", "DD4"]),
    (["orders.count=0"], ["C004"]),
    (["+重点维护", "--sort", "-customer_id"], ["C003", "C001"]),
])
def test_query_cli(crm, args: list[str], expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    res = crm("query", *args, "-f", "jsonl", env=PINNED)
    assert res.exit_code == 0, res.output
    assert [next(iter(json.loads(line).values())) for line in res.stdout.splitlines()] == expected


@pytest.mark.parametrize(("args", "message"), [
    (["status=意象"], "filter 'status=意象': invalid status '意象' (did you mean 意向?)"),
    (["industy=制造业"], "filter 'industy=制造业': unknown field 'industy' in customers (did you mean industry"),
    (["orders.date"], "quote the filter"),
    (["satisfaction"], "filter 'satisfaction': needs field OP value"),
    (["ordres", "amount>5"], "'ordres' is neither a filter"),
    (["--sort", "nmae"], "unknown field 'nmae'"),
    (["-c", "name,phoen"], "did you mean phone"),
])
def test_bad_input_is_one_line_exit_1(crm, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    res = crm("query", *args)
    assert res.exit_code == 1
    assert res.stdout == ""
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_bad_format_and_lang_are_usage_errors(crm) -> None:  # type: ignore[no-untyped-def]
    assert crm("query", "-f", "xml").exit_code == 2
    assert crm("query", "--lang", "fr", "-f", "table").exit_code == 2


def test_fields_lists_names_labels_types_and_allowed_values(crm) -> None:  # type: ignore[no-untyped-def]
    res = crm("fields", "交易信息", "-f", "json")
    assert res.exit_code == 0, res.output
    rows = {r["field"]: r for r in json.loads(res.stdout)}
    assert rows["amount"]["labels"].startswith("金额") and rows["amount"]["type"] == "money"
    assert "completed=已完成" in rows["status"]["allowed"]
    everything = json.loads(crm("fields", "-f", "json").stdout)
    assert {r["table"] for r in everything} == {"customers", "contacts", "followups", "orders", "tickets", "needs", "tags",
                                                "customer_metrics"}  # the figures segment rules read (metrics.*)
    assert any(r["table"] == "customers" and r["field"] == "tag" for r in everything)
    assert crm("fields", "nosuch").exit_code == 1


def test_a_terminal_table_stops_at_200_rows_unless_a_limit_is_given(crm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from crmcli.cli import query_cmds

    monkeypatch.setattr(query_cmds, "TABLE_ROWS", 4)
    res = crm("query", "-f", "table")
    assert _table_ids(res.stdout) == ["C001", "C002", "C003", "C004"]
    assert "the first 4 customers; more match" in res.stderr
    assert len(_table_ids(crm("query", "-f", "table", "--limit", "5").stdout)) == 5
    assert len(crm("query", "-f", "csv").stdout.splitlines()) == 7  # header + every row


@pytest.mark.parametrize(("args", "expected"), [
    (["!followups.date>=-90d"], "3"),
    (["orders", "status=completed"], "6"),
    (["owner=无此人"], "0"),
])
def test_count_prints_one_number(crm, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    res = crm("query", *args, "--count", env=PINNED)
    assert res.exit_code == 0, res.output
    assert res.stdout == expected + "\n"


def _readme_query_commands() -> list[list[str]]:
    """The command lines of README.md's `## Query` section, as a shell would split them."""
    import shlex

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Query\n", 1)[1].split("\n## ", 1)[0]
    out = []
    for line in section.splitlines():
        if line.startswith("    crm "):
            words = shlex.split(line.strip(), comments=True)
            out.append(words[1:words.index(">")] if ">" in words else words[1:])
    return out


def test_readme_query_section_commands_run(crm) -> None:  # type: ignore[no-untyped-def]
    commands = _readme_query_commands()
    assert len(commands) >= 5
    for words in commands:
        res = crm(*words, env=PINNED)
        assert res.exit_code == 0, (words, res.output)
