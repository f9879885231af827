"""A scan in little memory (issue 19): columns instead of a Record per customer, pairs compared
once without a set of every pair, and the very same clusters as before."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import tracemalloc
from typing import Any

from crmcli.dedupe import blocking, match, scan

CITIES = {"北京": "010", "上海": "021", "广州": "020", "深圳": "0755", "杭州": "0571", "成都": "028"}
BRANDS = ["华信", "华欣", "远大", "长城", "东方", "金桥", "恒通", "宏达", "鼎盛",
          "嘉禾", "瑞丰", "天成", "博远", "中科", "星河", "海纳", "启明", "卓越"]
INDUSTRIES = ["科技", "电子", "物流", "贸易", "网络", "医药", "机械", "食品"]
LEGAL = ("有限公司", "有限责任公司", "股份有限公司", "")
PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "張偉", "王芳", "李強"]  # few names: some person-name blocks pass 50
LATIN = ["lachlan berry", "lachlan bery", "berry lachlan", "anna smith", "anna smyth", "john lee"]


def generated(n: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """N customers (id, kind, name, phone, email, created) full of look-alikes, and contact phones."""
    rnd = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    contacts: list[tuple[str, str]] = []
    mobiles = [f"13{rnd.randrange(10 ** 9):09d}" for _ in range(n // 3)]
    for k in range(n):
        cid = f"G{k:06d}"
        created = f"2024-{1 + k % 12:02d}-{1 + k % 28:02d} 09:00:00"
        r = rnd.random()
        if r < 0.25:
            name = rnd.choice(PEOPLE)
            rows.append((cid, "individual", name, rnd.choice(mobiles) if rnd.random() < 0.7 else None,
                         f"p{rnd.randrange(n // 4)}@qq.com" if rnd.random() < 0.3 else None, created))
            continue
        if r < 0.28:
            rows.append((cid, "enterprise", rnd.choice(LATIN).title() + " Co., Ltd.", rnd.choice(mobiles), None,
                         created))
            continue
        city = rnd.choice(list(CITIES))
        core = rnd.choice(BRANDS) + rnd.choice(INDUSTRIES)
        form = rnd.random()
        name = (f"{city}{core}{rnd.choice(LEGAL)}" if form < 0.4 else f"{core}({city}){rnd.choice(LEGAL)}"
                if form < 0.7 else f"{core}{rnd.choice(LEGAL)}")
        phone = (rnd.choice(mobiles) if rnd.random() < 0.6
                 else f"{CITIES[city]}-{rnd.randrange(2, 9)}{rnd.randrange(10 ** 6):06d}" if rnd.random() < 0.8 else None)
        email = f"info@{core[:2]}{rnd.randrange(40)}.cn" if rnd.random() < 0.3 else None
        rows.append((cid, "enterprise", name, phone, email, created))
        if rnd.random() < 0.05:
            contacts.append((cid, rnd.choice(mobiles)))
    return rows, contacts


def store(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], contacts: list[tuple[str, str]]) -> None:
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO customers (customer_id, kind, name, phone, email, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?,?)", [(*r, r[5]) for r in rows])
    conn.executemany("INSERT INTO contacts (customer_id, name, phone) VALUES (?, '联系人', ?)", contacts)
    conn.execute("COMMIT")


def reference_pairs(recs: match.Records, threshold: float, stats: match.Stats
                    ) -> tuple[list[match.Pair], set[tuple[int, int]]]:
    """Blocking as it was: block by block, a set of every pair seen."""
    from rapidfuzz import fuzz, process

    matched: list[match.Pair] = []
    cannot: set[tuple[int, int]] = set()
    seen: set[tuple[int, int]] = set()
    for kind in blocking.KINDS:
        index: dict[str, list[int]] = {}
        for i, k in blocking.keys(recs, kind):
            block = index.setdefault(k, [])
            if not block or block[-1] != i:
                block.append(i)
        for block in index.values():
            if len(block) < 2:
                continue
            if len(block) > (match.MAX_PERSON_NAME_BLOCK if kind in "NY" else match.MAX_BLOCK):
                stats.skipped_blocks += 1
                continue
            stats.blocks += 1
            cores = [recs.cores[i] for i in block]
            sims = process.cdist(cores, cores, scorer=fuzz.WRatio, dtype=None) if len(block) > 2 else None
            for x, i in enumerate(block):
                for y in range(x + 1, len(block)):
                    if (i, block[y]) in seen:
                        continue
                    seen.add((i, block[y]))
                    stats.pairs_scored += 1
                    result = recs.score(i, block[y], None if sims is None else float(sims[x][y]))
                    if result is None:
                        cannot.add((i, block[y]))
                    elif result[0] >= threshold:
                        matched.append(match.Pair(i, block[y], *result))
                        stats.pairs_matched += 1
    return matched, cannot


def test_pairs_compared_once_as_block_by_block_with_a_seen_set() -> None:
    rows, _ = generated(3000)
    recs = match.Records()
    for cid, kind, name, phone, email, created in rows:
        recs.append(cid, name, phone, email, created, kind)
    match.mark_ambiguous(recs)
    new, old = match.Stats(), match.Stats()
    pairs, cannot = blocking.candidate_pairs(recs, 60.0, new)
    want_pairs, want_cannot = reference_pairs(recs, 60.0, old)
    assert pairs == want_pairs  # the same pairs in the same order: ties in clustering fall the same way
    assert {divmod(c, len(recs)) for c in cannot} == want_cannot and len(cannot) == len(want_cannot)
    assert new == old
    # the data exercises what it should: repeated pairs, skipped person-name blocks, Latin words
    assert old.pairs_scored < sum(len(b) * (len(b) - 1) // 2 for b in _blocks(recs))
    assert old.skipped_blocks > 0 and recs.words and len(pairs) > 500 and len(cannot) > 500


def _blocks(recs: match.Records) -> list[list[int]]:
    members, starts = blocking.build_blocks(recs, match.Stats())
    return [list(members[starts[b]:starts[b + 1]]) for b in range(len(starts) - 1)]


# Clusters of `generated(3000)` as the matcher found them before it kept columns (commit e1094ae):
# the JSON of every cluster (members, survivor, scores, reasons) hashed, and the scan's counts.
EXPECTED_DIGEST = "edff91499044938b475c68ac1ec5b33bb6e819f9e2a19fea634118d67b4b9abd"
EXPECTED_STATS = match.Stats(records=3000, blocks=1079, pairs_scored=21692, pairs_matched=6031, skipped_blocks=12)


def test_scan_finds_the_same_clusters_as_before(conn: sqlite3.Connection) -> None:
    store(conn, *generated(3000))
    res = scan.scan(conn)
    text = json.dumps([c.to_dict() for c in res.clusters], ensure_ascii=False, sort_keys=True)
    assert res.stats == EXPECTED_STATS
    assert hashlib.sha256(text.encode()).hexdigest() == EXPECTED_DIGEST
    assert len(res.clusters) == 637 and sum(c.auto for c in res.clusters) == 385
    assert all(m["name"] for c in res.clusters for m in c.members)  # details read back from the table


def test_columns_take_little_memory_per_customer(conn: sqlite3.Connection) -> None:
    """A million customers must fit in a gigabyte with everything else a scan holds: what
    load_records keeps takes ~340 bytes a customer here (a Record per customer took ~790)."""
    store(conn, *generated(5_000, seed=3))  # 20,000 give the same figure, 4x slower
    match.Records().append("X", "北京華信科技有限公司", "13812345678")  # OpenCC and the pinyin table, loaded once
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        recs = match.load_records(conn)
        per_customer = (tracemalloc.get_traced_memory()[0] - before) / 5_000
    finally:
        tracemalloc.stop()
    assert len(recs) == 5_000
    assert per_customer < 400, per_customer


def test_a_json_array_is_written_one_item_at_a_time() -> None:
    """`crm dedupe --format json` at a million customers: clusters are masked and written one by one,
    never held as one document string (exactly json.dumps' indented layout all the same)."""
    import io

    from crmcli.output import write_document

    items = [{"cluster": 1, "members": [{"name": "华信\n科技", "phone": None}]}, {"cluster": 2, "members": []},
             {"cluster": 3, "members": [{"name": "x", "score": 92.5}]}]
    out = io.StringIO()

    def lazily() -> Any:
        for k, item in enumerate(items):
            assert out.getvalue().count('"cluster"') == max(k - 1, 0)  # all but the one before it: written
            yield item

    write_document(lazily(), out)
    assert out.getvalue() == json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    for empty in ([], iter([])):
        out = io.StringIO()
        write_document(empty, out)
        assert out.getvalue() == "[]\n"
