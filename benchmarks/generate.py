"""Generate a large crmcli database (or customers CSV) for benchmarks.

    python benchmarks/generate.py --customers 1000000 --db bench.db [--seed 1] [--csv customers.csv]

Per customer about 3 orders, 2 follow-ups, 1 ticket and 0.5 tags, drawn from the
demo data vocabularies (crmcli.demo_data) with dates over the last 3 years. Speed
comes from drawing whole columns at once with `random.choices`, inserting rows in id
order with executemany, loading with journal_mode=OFF / synchronous=OFF and foreign
key checks off, and building the secondary indexes from schema.sql after the load.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import random
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if importlib.util.find_spec("crmcli") is None:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crmcli import db, demo_data, fields
from crmcli.demo_data import CITIES, INDUSTRIES, LABELS, OWNERS, SIZES

BATCH = 100_000
YEARS_DAYS = 3 * 365
CHARS: tuple[tuple[str, str], ...] = (
    ("华", "hua"), ("信", "xin"), ("鹏", "peng"), ("程", "cheng"), ("云", "yun"), ("帆", "fan"), ("恒", "heng"),
    ("通", "tong"), ("天", "tian"), ("成", "cheng"), ("金", "jin"), ("石", "shi"), ("长", "chang"), ("风", "feng"),
    ("新", "xin"), ("锐", "rui"), ("宏", "hong"), ("达", "da"), ("汇", "hui"), ("智", "zhi"), ("海", "hai"),
    ("纳", "na"), ("联", "lian"), ("创", "chuang"), ("万", "wan"), ("象", "xiang"), ("鼎", "ding"), ("盛", "sheng"),
    ("锦", "jin"), ("星", "xing"), ("辰", "chen"), ("凯", "kai"), ("越", "yue"), ("嘉", "jia"), ("禾", "he"),
    ("中", "zhong"), ("科", "ke"), ("永", "yong"), ("安", "an"), ("世", "shi"), ("东", "dong"), ("方", "fang"),
    ("宇", "yu"), ("明", "ming"), ("德", "de"), ("睿", "rui"), ("蓝", "lan"), ("银", "yin"), ("志", "zhi"),
    ("远", "yuan"), ("卓", "zhuo"), ("泰", "tai"), ("和", "he"), ("富", "fu"), ("春", "chun"), ("弘", "hong"),
    ("毅", "yi"), ("国", "guo"), ("润", "run"), ("优", "you"), ("精", "jing"), ("工", "gong"), ("众", "zhong"),
    ("诚", "cheng"), ("泽", "ze"), ("光", "guang"), ("青", "qing"), ("航", "hang"), ("北", "bei"), ("美", "mei"),
    ("同", "tong"), ("合", "he"), ("力", "li"), ("齐", "qi"), ("心", "xin"), ("正", "zheng"), ("元", "yuan"),
    ("思", "si"), ("源", "yuan"), ("康", "kang"), ("朗", "lang"), ("辉", "hui"), ("鑫", "xin"), ("立", "li"),
    ("瑞", "rui"), ("腾", "teng"),
)
WORDS = [(sec, w, tag) for sec, (_, ws) in INDUSTRIES.items() for w, tag in ws]
LEGAL = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
TYPES = ("new", "returning", "high_value", "potential", "lost")
STATUS_OF = {"new": "active", "returning": "active", "high_value": "active", "potential": "intent",
             "lost": "lost"}
TAGS = (("重点维护", "other", 0.01), ("重点跟进", "other", 0.05), ("高风险", "other", 0.04),
        ("价格敏感", "behaviour", 0.12), ("定期采购", "behaviour", 0.10), ("战略客户", "source", 0.03),
        ("展会获客", "source", 0.05), ("ERP需求", "need", 0.05), ("IT行业", "industry", 0.05))
CUSTOMER_COLS = [f.name for f in fields.TABLES["customers"].fields]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class _Pools:
    """Precomputed strings so each row is a few list lookups."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.days = [(today - timedelta(days=k)).isoformat() for k in range(YEARS_DAYS + 40)]
        self.stamps = [d.replace("-", "") for d in self.days]
        self.times = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(8, 20) for m in range(0, 60, 7) for s in (5, 37)]
        rng = self.rng
        self.people = [s + g for s, _ in demo_data.SURNAMES for g, _ in demo_data.GIVEN]
        self.amounts = sorted(round(min(300_000, max(2_000, rng.lognormvariate(10.3, 0.9))), -2) for _ in range(4096))
        self.serial: dict[tuple[str, str], int] = {}

    def ids(self, prefix: str, count: int) -> tuple[list[str], list[int]]:
        """`count` ids with day offsets, oldest first so ids ascend with insertion order."""
        ks = sorted(self.rng.choices(range(YEARS_DAYS), k=count), reverse=True)
        out: list[str] = []
        last_k, n = -1, 0
        for k in ks:
            if k != last_k:
                if last_k >= 0:
                    self.serial[prefix, self.stamps[last_k]] = n
                last_k, n = k, 0
            n += 1
            out.append(f"{prefix}{self.stamps[k]}{n:03d}")
        if last_k >= 0:
            self.serial[prefix, self.stamps[last_k]] = n
        return out, ks


def _customers(p: _Pools, n: int) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
    cids, ks = p.ids("C", n)

    def rows() -> Iterator[list[tuple[Any, ...]]]:
        rng, combos = p.rng, len(CITIES) * len(CHARS) ** 2 * len(WORDS) * len(LEGAL)
        step = 7_368_787 if combos % 7_368_787 else 7_368_791  # a prime: i -> distinct name for i < combos
        for start in range(0, n, BATCH):
            b = min(BATCH, n - start)
            ctype = rng.choices(TYPES, (20, 35, 8, 25, 12), k=b)
            src = rng.choices(LABELS["source"], k=b)
            lvl = rng.choices(LABELS["level"], k=b)
            owner = rng.choices(OWNERS, k=b)
            person = rng.choices(p.people, k=b)
            size = rng.choices(SIZES, k=b)
            times = rng.choices(p.times, k=b)
            sat = rng.choices((None, None, 1, 2, 3, 4, 5), k=b)
            out = []
            for j in range(b):
                i = start + j
                k = ks[i]
                x = (i * step + 12_345) % combos
                x, city_i = divmod(x, len(CITIES))
                x, c1 = divmod(x, len(CHARS))
                x, c2 = divmod(x, len(CHARS))
                leg, w = divmod(x, len(WORDS))
                city = CITIES[city_i]
                sec, word, tag = WORDS[w]
                created = p.days[k]
                if i % 10 == 7:
                    kind, name, industry, sz, email = "individual", person[j], None, None, f"u{i}@163.com"
                else:
                    kind, industry, sz = "enterprise", sec, size[j]
                    name = f"{city[0]}{CHARS[c1][0]}{CHARS[c2][0]}{word}{LEGAL[leg % 4]}"
                    email = f"info@{CHARS[c1][1]}{CHARS[c2][1]}-{tag}{city[1]}.com"
                if i % 10 < 7:
                    phone = f"1{'35789'[i % 5]}{(i * 7_919 + 4_321) % 10**9:09d}"
                else:
                    phone = f"{city[2]}-{5 + i % 4}{(i * 104_729) % 10**7:07d}"
                ct = ctype[j]
                st = STATUS_OF[ct]
                out.append((
                    cids[i], kind, name, person[j], "采购经理" if kind == "enterprise" else None, phone, email,
                    industry, sz, f"{city[3]}{city[4][i % 4]}{demo_data.STREETS[i % 14]}{i % 997 + 1}号",
                    src[j], ct, st, "价格因素，转向竞争对手" if st == "lost" else None, lvl[j], created,
                    p.days[max(0, k - 30)] if st != "intent" else None, owner[j],
                    # seed 001: 意向 only with a clear need and a confirmed budget (the one rule set refuses it otherwise)
                    "升级现有系统" if st == "intent" else None, "10-50万" if st == "intent" else None, None, sat[j], None,
                    None, f"{created} {times[j]}", f"{created} {times[j]}"))
            yield out
    return cids, rows()


def _orders(p: _Pools, cids: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    rng, oids, ks = p.rng, *p.ids("DD", 3 * len(cids))
    products = [x[0] for x in demo_data.PRODUCTS]
    for start in range(0, len(oids), BATCH):
        b = min(BATCH, len(oids) - start)
        cust = rng.choices(cids, k=b)
        amt = rng.choices(p.amounts, k=b)
        prod = rng.choices(products, k=b)
        st = rng.choices(("completed", "cancelled", "pending_payment", "partial_refund"), (85, 6, 5, 4), k=b)
        tax = rng.choices((1, 1, 1, 1, 0), k=b)
        own = rng.choices(OWNERS, k=b)
        tm = rng.choices(p.times, k=b)
        yield [(oids[start + j], cust[j], d := p.days[ks[start + j]], prod[j], amt[j], tax[j], st[j], own[j], None,
                f"{d} {tm[j]}", f"{d} {tm[j]}") for j in range(b)]


def _followups(p: _Pools, cids: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    rng, fids, ks = p.rng, *p.ids("F", 2 * len(cids))
    managers = ["王经理", "李经理", "刘经理"] + [f"销售经理{o}" for o in OWNERS]
    by_pool, by_w = list(OWNERS) + managers, [98 / len(OWNERS)] * len(OWNERS) + [2 / len(managers)] * len(managers)
    for start in range(0, len(fids), BATCH):
        b = min(BATCH, len(fids) - start)
        cust = rng.choices(cids, k=b)
        by = rng.choices(by_pool, by_w, k=b)
        meth = rng.choices(LABELS["method"], k=b)
        typ = rng.choices(LABELS["ftype"], k=b)
        who = rng.choices(p.people, k=b)
        summ = rng.choices(demo_data.SUMMARY, k=b)
        nxt = rng.choices(demo_data.NEXT_STEPS, k=b)
        tm = rng.choices(p.times, k=b)
        due = rng.choices(range(3, 31), k=b)
        done = rng.choices((0, 1, 1, 1), k=b)
        out = []
        for j in range(b):
            k = ks[start + j]
            dk = k - due[j]
            when = f"{p.days[k]} {tm[j]}"
            out.append((fids[start + j], cust[j], when, who[j], meth[j], typ[j], by[j], None, summ[j], None, None,
                        nxt[j], p.days[max(dk, 0)] if dk >= 0 else p.days[0], done[j] if dk > 0 else 0, when, when))
        yield out


def _tickets(p: _Pools, cids: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    rng, tids, ks = p.rng, *p.ids("SR", len(cids))
    for start in range(0, len(tids), BATCH):
        b = min(BATCH, len(tids) - start)
        cust = rng.choices(cids, k=b)
        typ = rng.choices(LABELS["ttype"], k=b)
        ch = rng.choices(LABELS["channel"], k=b)
        urg = rng.choices(("normal", "urgent", "critical"), (75, 20, 5), k=b)
        st = rng.choices(LABELS["tstatus"], (40, 40, 7, 8, 5), k=b)
        sat = rng.choices((1, 2, 3, 4, 5, None), (4, 6, 15, 35, 30, 10), k=b)
        desc = rng.choices(demo_data.TICKET_TEXT, k=b)
        hd = rng.choices(demo_data.HANDLERS, k=b)
        hour = rng.choices(range(8, 18), k=b)
        late = rng.choices((0, 0, 0, 0, 1), k=b)
        out = []
        for j in range(b):
            k, s = ks[start + j], st[j]
            h = hour[j]
            d = p.days[k]
            closed = s in ("closed", "done")
            fin_k = max(0, k - (0 if urg[j] != "normal" and not late[j] else 2 + 6 * late[j]))
            out.append((tids[start + j], cust[j], f"{d} {h:02d}:15:00", typ[j], ch[j], urg[j], desc[j], s, hd[j],
                        None, "已解决" if closed else None, sat[j] if closed else None,
                        None if s == "pending" else f"{d} {h + 1 + 3 * late[j]:02d}:05:00",
                        f"{p.days[fin_k]} {min(23, h + 6):02d}:30:00" if closed else None,
                        f"{d} {h:02d}:15:00", f"{d} {h:02d}:15:00"))
        yield out


def _tags(p: _Pools, cids: list[str]) -> list[tuple[Any, ...]]:
    rows = []
    n = len(cids)
    for tag, grp, share in TAGS:
        for i in p.rng.sample(range(n), int(n * share)):
            rows.append((cids[i], tag, grp, f"{p.days[i % 365]} 09:00:00"))
    rows.sort()
    return rows


def _insert(conn: sqlite3.Connection, table: str, batches: Any) -> int:
    cols = {"customers": CUSTOMER_COLS}.get(table) or [c for c in db.columns(conn, table)]
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    n = 0
    for rows in ([batches] if isinstance(batches, list) else batches):
        conn.executemany(sql, rows)
        n += len(rows)
    return n


_INDEX_RE = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON [^;]+;")


def generate(path: str | os.PathLike[str], customers: int, seed: int = 1) -> dict[str, int]:
    """Create a benchmark database at PATH with CUSTOMERS customers; returns row counts."""
    t0 = time.perf_counter()
    conn = db.create(path)
    conn.execute("PRAGMA journal_mode = OFF")
    for pragma in ("synchronous = OFF", "foreign_keys = OFF", "locking_mode = EXCLUSIVE", "cache_size = -262144",
                   "ignore_check_constraints = ON", "temp_store = MEMORY", "threads = 2"):
        conn.execute(f"PRAGMA {pragma}")
    indexes = _INDEX_RE.findall(db.schema_sql())
    statements = [m.group(0) for m in _INDEX_RE.finditer(db.schema_sql())]
    p = _Pools(seed, date.today())
    counts: dict[str, int] = {}
    conn.execute("BEGIN")
    for name in indexes:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    cids, crows = _customers(p, customers)
    for table, rows in (("customers", crows), ("orders", _orders(p, cids)), ("followups", _followups(p, cids)),
                        ("tickets", _tickets(p, cids)), ("tags", _tags(p, cids))):
        t = time.perf_counter()
        counts[table] = _insert(conn, table, rows)
        _log(f"{table}: {counts[table]:,} rows in {time.perf_counter() - t:.1f}s")
    conn.executemany("INSERT INTO id_counters (prefix, day, last) VALUES (?, ?, ?)",
                     [(a, b, n) for (a, b), n in sorted(p.serial.items())])
    t = time.perf_counter()
    for stmt in statements:
        conn.execute(stmt)
    conn.execute("COMMIT")
    _log(f"indexes: {time.perf_counter() - t:.1f}s")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA locking_mode = NORMAL")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    _log(f"total: {sum(counts.values()):,} rows in {time.perf_counter() - t0:.1f}s")
    return counts


def write_customers_csv(path: str | os.PathLike[str], customers: int, seed: int = 1) -> None:
    """A UTF-8 CSV of CUSTOMERS generated customers with the table's English column headers."""
    t = time.perf_counter()
    _, rows = _customers(_Pools(seed, date.today()), customers)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUSTOMER_COLS)
        for batch in rows:  # intent rows carry a need and a budget already (_customers)
            w.writerows(batch)
    _log(f"csv: {customers:,} customers in {time.perf_counter() - t:.1f}s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", type=Path)
    args = ap.parse_args(argv)
    counts = generate(args.db, args.customers, args.seed)
    _log(", ".join(f"{k}={v:,}" for k, v in counts.items()))
    if args.csv:
        write_customers_csv(args.csv, args.customers, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
