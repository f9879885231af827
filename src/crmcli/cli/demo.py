"""`crm demo`: a guided showcase on a throw-away demo database.

Each step is a real `crm` command line, printed before its output, run in this
process against a fresh demo database. Features add their steps to STEPS when
they land; `{first}` style placeholders are filled from the demo data.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from crmcli import i18n
from crmcli.cli.counts import rows_per_table
from crmcli.i18n import _

# (title, command line without the leading `crm --db ...`); each title has its zh entry in po/zh/demo.po
# (tests/test_i18n.py checks), shown through _() when the step runs.
STEPS: list[tuple[str, str]] = [
    ("The template's fields, in Chinese and English", "fields orders"),
    ("Add a customer: phone and labels are normalised, a template id is printed",
     "add customer --name 南京星河软件有限公司 --phone '+86 139-0000-1234' --source 展会 --customer-type 新客户"
     " --industry 信息传输、软件和信息技术服务业"),
    ("A bad phone is refused with one clear line (exit 1, nothing written)", "add customer --name 坏电话公司 --phone 12345"),
    ("一客一档 at the door: the same customer again is refused, naming the stored one (--force adds anyway)",
     "add customer --name 南京星河软件有限公司 --phone 13900001234"),
    ("Names work wherever ids go; removing a tag it does not have is only a note",
     "tag 南京星河软件 +重点维护 -高风险"),
    ("Delete shows what hangs on a record and asks (--yes in scripts); undo puts every row back",
     "delete 南京星河软件有限公司 --yes"),
    ("", "undo --yes"),
    ("Numbers outside the mainland are stored in E.164 and masked like the others",
     "add customer --name 香港恒丰贸易有限公司 --phone '+852 2345 6789' --source 展会"),
    ("A Taiwan mobile as written there (09xx-xxx-xxx) is read as +886; other local numbers of Taiwan, Hong Kong "
     "or Macau after `crm config set region TW` (HK, MO)", "add customer --name 台中鼎昌精密股份有限公司 --phone 0912-345-678"),
    ("Seed 000's first example: old customers with a big recent order and a satisfied ticket",
     "query customer_type=老客户 orders.date>=-3m orders.amount>=50000 tickets.satisfaction>=4"
     " --columns customer_id,name,owner,phone --limit 5"),
    ("Seed 000's second example: followed up by a manager, tagged 重点维护",
     "query followups.by~经理 tag=重点维护 --columns customer_id,name,industry --limit 5"),
    ("No follow-up for 90 days: who is drifting away",
     "query !followups.date>=-90d orders.count>=1 --columns customer_id,name,owner --limit 5"),
    ("Chinese module and field names, an any-of list, labels shown in Chinese",
     "query 交易信息.金额>=10万 交易信息.订单状态=已完成 '合作状态=合作中|意向' --columns 客户编号,客户全称,负责人 --limit 5 --lang zh"),
    ("Bulk update: the count and every change first; --dry-run writes nothing (--yes would)",
     "update tag=重点维护 level= --set level=VIP --dry-run"),
    ("Everything about one customer on one screen", "show {first} --format table"),
    ("Tag it, then change its level", "tag {first} +重点跟进 +行为标签:价格敏感"),
    ("", "update {first} --set level=VIP"),
    ("Every write is in the operation log (操作日志): who, when, the command, the rows", "log --limit 3 --format table"),
    ("Undo reverses one operation exactly (here: the level change) and is itself logged", "undo --yes"),
    ("A consistent, verified backup, then a health check of the whole file", "backup --keep 3"),
    ("", "doctor --format table"),
    ("Were the file damaged, doctor would name the backup to restore; salvage copies every readable row "
     "into a new, checked file (restore it with crm restore)", "doctor --salvage"),
    ("Import a CSV as Excel on Chinese Windows saves it (GBK, Chinese headers): check first, then load;"
     " a customer already stored (by id, or same name and phone) is updated, not duplicated",
     "import {gbk_csv} --on-conflict update --dry-run"),
    ("", "import {gbk_csv} --on-conflict update"),
    ("A ledger with bad cells (a landline a digit too long, an e-mail without a domain): all or nothing by default",
     "import {ledger}"),
    ("--keep-invalid: the rows go in, each bad cell kept aside for seed 003's quarterly clean-up",
     "import {ledger} --keep-invalid"),
    ("", "query 'invalid=phone|email' --columns customer_id,name,phone,email"),
    ("Monthly de-duplication (一客一档): Chinese-aware fuzzy names + phones, each with a reason; writes nothing",
     "dedupe --format table"),
    ("Merge one cluster: empty fields filled, records moved, conflicts kept", "merge {dup_ids} --yes"),
    ("The merged-away id still resolves to the survivor", "show {dup_old} --format table"),
    ("And the merge undoes exactly", "unmerge 1"),
    ("Look-alikes a person knows are different (上海华信, 北京华信): said once, never proposed or merged again",
     "dedupe --not-same {neg_ids}"),
    ("", "dedupe --decisions --format table"),
    ("Seed 001's tiers as rules: classify every customer (a cron job's weekly run)", "segment run"),
    ("Customers per tier; high-value and churn-risk are reviewed weekly", "segment list"),
    ("The churn-risk list with the figures that put each customer there",
     "segment show 流失风险 --sort -yearly_amount --limit 5"),
    ("Why is a customer where it is? Every rule evaluated with its figures", "segment explain {first}"),
    ("A salesperson's day: overdue next steps, today's, tickets near their deadline, the weekly review",
     "today --days 3 --owner 张伟 --format table"),
    ("Reports: the template's analyses, one line each", "report"),
    ("The month on one screen: status and segment shares, new and lost, revenue, open tickets, follow-ups due",
     "report overview"),
    ("Filters narrow any report: manufacturing customers' revenue by quarter",
     "report revenue industry~制造 --by quarter --section by_period"),
    ("Service levels: on-time handling by urgency (urgent 2 h / 24 h, normal 3 working days)",
     "report service --section on_time"),
    ("Reports people look at: one self-contained page (tables, charts, definitions; prints on A4) and a PDF",
     "report all -o {dir}/report.html"),
    ("", "report revenue --by quarter -o {dir}/revenue.pdf"),
    ("Export for pipelines: stored values, English column names, phones masked",
     "export customers customer_type=高价值客户 orders.date>=-1m --columns customer_id,name,phone,owner"),
    ("For people: --lang zh gives Chinese headers and labels", "export orders date>=-14d amount>=100000"
     " --columns order_id,customer_id,date,amount,status --lang zh"),
    ("Excel: one sheet per module, dropdowns for fixed labels, real dates, frozen header", "export all -o {dir}/全部客户.xlsx"),
    ("The round trip: edit that workbook in Excel and import it back — only your edits change; masked cells"
     " are not data, nothing is duplicated (here, unedited: every row unchanged)",
     "import {dir}/全部客户.xlsx --on-conflict update"),
    ("The blank template workbook, with an instructions sheet (说明)", "template -o {dir}/客户信息模板.xlsx"),
    ("For the day at the terminal: `crm tui`, a full-screen workspace (customers, the card, quick actions, "
     "duplicates); its keys", "tui --help"),
]


def run(*, keep: bool = False, pause: bool = False) -> None:
    from crmcli import db, demo_data
    from crmcli.importer.examples import example_file

    workdir = Path(tempfile.mkdtemp(prefix="crm-demo-"))
    path = workdir / "demo.db"
    conn = db.create(path)
    counts = demo_data.build(conn)
    first = conn.execute("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1").fetchone()[0]
    dups = demo_data.duplicate_clusters(conn)[0]
    negative = demo_data.hard_negatives(conn)[0][:2]  # 上海华信 and one 北京华信: alike, not the same
    names = {"first": first, "dup_ids": " ".join(dups), "dup_old": max(dups), "neg_ids": " ".join(negative),
             "gbk_csv": shlex.quote(str(example_file("customers-gbk.csv"))), "dir": shlex.quote(str(workdir)),
             "ledger": shlex.quote(str(_ledger(workdir)))}
    conn.close()
    say = _printer()
    lang = i18n.get_lang()  # every step runs in the language the demo was started in
    try:
        say(_("Demo database {path}: {counts}").format(path=path, counts=rows_per_table(counts)))
        for title, line in STEPS:
            _step(say, path, title, line.format(**names), lang)
            if pause and sys.stdin.isatty():
                input(_("Press Enter to continue (Ctrl-C ends the demo) "))
        say("")
        if keep:
            say(_("The demo database stays at {path}; try: crm --db {path} query status=意向").format(path=path))
        else:
            say(_("That was a throw-away database. Start your own with `crm init` (or `crm init --demo`)."))
    finally:  # Ctrl-C included: a throw-away database leaves nothing behind
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def _step(say: Any, path: Path, title: str, line: str, lang: str) -> None:
    from crmcli.cli import app
    from crmcli.cli.common import state

    if title:
        say("")
        say(f"# {_(title)}")
    say(f"$ crm {shlex.join(shlex.split(line))}")  # quoted as a user would type it
    sys.stdout.flush()
    from crmcli.i18n.help import prepare

    command = typer.main.get_command(app)
    try:  # as main() runs it: `crm tui --help` in the demo's language too
        command.main(prepare(command, ["--db", str(path), "--lang", lang, *shlex.split(line)]), prog_name="crm",
                     standalone_mode=False)
    except SystemExit:
        pass
    except typer.Exit:
        pass
    except Exception as e:  # a failing step must not end the show
        typer.echo(_("Error: {message}").format(message=e), err=True)
    finally:
        state.close()
    sys.stdout.flush()


def _ledger(workdir: Path) -> Path:
    """A small ledger as people keep them: two rows with one bad contact cell each."""
    path = workdir / "台账.csv"
    path.write_text("客户全称,联系电话,联系邮箱,负责人\n武汉长江物流有限公司,027-876543210,info@cjwl.cn,张伟\n"
                    "苏州园林设计有限公司,13912340000,design@,李娜\n", encoding="utf-8")
    return path


def _printer():  # type: ignore[no-untyped-def]
    def say(text: str) -> None:
        typer.echo(text)

    return say
