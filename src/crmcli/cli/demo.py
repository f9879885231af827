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

import typer

# (title, command line without the leading `crm --db ...`)
STEPS: list[tuple[str, str]] = [
    ("The template's fields, in Chinese and English", "fields orders"),
    ("Add a customer: phone and labels are normalised, a template id is printed",
     "add customer --name 南京星河软件有限公司 --phone '+86 139-0000-1234' --source 展会 --customer-type 新客户"
     " --industry 信息传输、软件和信息技术服务业"),
    ("A bad phone is refused with one clear line (exit 1, nothing written)", "add customer --name 坏电话公司 --phone 12345"),
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
    ("Everything about one customer on one screen", "show {first}"),
    ("Tag it, then change its level", "tag {first} +重点跟进 +行为标签:价格敏感"),
    ("", "update {first} --set level=VIP"),
    ("Every write is in the operation log (操作日志): who, when, the command, the rows", "log --limit 3 --format table"),
    ("Undo reverses one operation exactly (here: the level change) and is itself logged", "undo --yes"),
    ("A consistent, verified backup, then a health check of the whole file", "backup --keep 3"),
    ("", "doctor --format table"),
]


def run(*, keep: bool = False, pause: bool = False) -> None:
    from crmcli import db, demo_data
    from crmcli.cli import app
    from crmcli.cli.common import state

    workdir = Path(tempfile.mkdtemp(prefix="crm-demo-"))
    path = workdir / "demo.db"
    conn = db.create(path)
    counts = demo_data.build(conn)
    first = conn.execute("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1").fetchone()[0]
    conn.close()
    say = _printer()
    say(f"Demo database {path}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for title, line in STEPS:
        line = line.format(first=first)
        if title:
            say("")
            say(f"# {title}")
        say(f"$ crm {line}")
        sys.stdout.flush()
        try:
            app(["--db", str(path), *shlex.split(line)], prog_name="crm", standalone_mode=False)
        except SystemExit:
            pass
        except typer.Exit:
            pass
        except Exception as e:  # a failing step must not end the show
            typer.echo(f"Error: {e}", err=True)
        finally:
            state.close()
        sys.stdout.flush()
        if pause and sys.stdin.isatty():
            input()
    say("")
    if keep:
        say(f"The demo database stays at {path}; try: crm --db {path} query status=意向")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        say("That was a throw-away database. Start your own with `crm init` (or `crm init --demo`).")


def _printer():  # type: ignore[no-untyped-def]
    def say(text: str) -> None:
        typer.echo(text)

    return say
