"""Blocking for a scan: which customers to compare, each pair once, in little memory.

Every customer gets a few blocking keys — each phone, each email, its name core (华信科技),
the pinyin of that core (huaxinkeji), the words of a Latin-script name — and only customers
sharing a key are compared (match.py says why). A pair sharing several keys (a name and a
phone, and nearly always a core and its pinyin) is scored in the first block that holds it.

At a million customers this used to cost more than the customers themselves: a set of every
pair compared (~3 million Python ints), a set of tuples for every contradicting pair and one
key string per customer and key kind. Now:
  * blocks are built one key kind at a time from the columns' own strings and kept as one
    flat array of record numbers plus block offsets (4 and 8 bytes an entry);
  * "first block that holds the pair" is computed once with numpy over every block's pairs
    (pair code i * n + j, first occurrence), so a block whose pairs were all compared already
    is skipped, rapidfuzz's batch comparison included;
  * contradicting pairs are kept as 8-byte pair codes (match.find_duplicates keeps only
    those between records some matched pair touches).
The blocks, their order and the pairs compared are the same as comparing block by block with
a set of pairs seen (tests/test_dedupe_blocking.py compares both on generated data).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from crmcli.dedupe.match import MAX_BLOCK, MAX_PERSON_NAME_BLOCK, PERSON, Pair, Records, Stats
from crmcli.dedupe.namekeys import pinyin_key

KINDS = ("p", "e", "n", "y", "N", "Y", "t")  # phone, email, core, pinyin (enterprise; N/Y: person), words


def keys(records: Records, kind: str) -> Iterator[tuple[int, str]]:
    """(record number, key) of one key kind, in record order."""
    if kind in "pe":
        for i, v in enumerate(records.phones if kind == "p" else records.emails):
            if v is None:
                continue
            if type(v) is str:
                yield i, v
            else:
                for k in v:
                    yield i, k
    elif kind in "nNyY":
        person = PERSON if kind in "NY" else 0
        pinyin = kind in "yY"
        for i, (core, flags) in enumerate(zip(records.cores, records.flags, strict=True)):
            if len(core) >= 2 and (flags & PERSON) == person:
                if not pinyin:
                    yield i, core
                elif (py := pinyin_key(core)) != core:
                    yield i, py
    else:
        for i, words in records.words.items():
            for w in words:
                yield i, w


def build_blocks(records: Records, stats: Stats) -> tuple[array[int], array[int]]:
    """(members, starts): block b holds members[starts[b]:starts[b + 1]], record numbers ascending;
    blocks in key kind order, then in the order their key first appears."""
    members = array("i")
    starts = array("q", [0])
    for kind in KINDS:  # one key kind at a time keeps the index small
        limit = MAX_PERSON_NAME_BLOCK if kind in "NY" else MAX_BLOCK
        index: dict[str, Any] = {}
        for i, k in keys(records, kind):
            cur = index.get(k)
            if cur is None:
                index[k] = i
            elif type(cur) is int:
                if cur != i:
                    index[k] = [cur, i]
            elif cur[-1] != i:
                cur.append(i)
        for block in index.values():
            if type(block) is int:
                continue
            if len(block) > limit:
                stats.skipped_blocks += 1
                continue
            stats.blocks += 1
            members.extend(block)
            starts.append(len(members))
        del index
    return members, starts


def first_pairs(members: array[int], starts: array[int], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(fresh, offsets): the pairs of block b, (x, y) for x < y in member order, are numbered from
    offsets[b]; fresh[k] is True when pair k is in no earlier block."""
    mem = np.frombuffer(members, dtype=np.intc)
    st = np.frombuffer(starts, dtype=np.int64)
    sizes = np.diff(st)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes * (sizes - 1) // 2, out=offsets[1:])
    codes = np.empty(int(offsets[-1]), dtype=np.int64)
    for size in np.unique(sizes).tolist():  # every block of one size at once
        blocks = np.flatnonzero(sizes == size)
        xs, ys = np.triu_indices(size, 1)
        rows = mem[st[blocks, None] + np.arange(size)].astype(np.int64)
        codes[offsets[blocks, None] + np.arange(len(xs))] = rows[:, xs] * n + rows[:, ys]
        del rows
    _, first = np.unique(codes, return_index=True)  # the index of each code's first occurrence
    del codes
    fresh = np.zeros(int(offsets[-1]), dtype=bool)
    fresh[first] = True
    return fresh, offsets


def candidate_pairs(records: Records, threshold: float, stats: Stats) -> tuple[list[Pair], array[int]]:
    """Score every pair that shares a blocking key, once; returns (pairs >= threshold, the pair
    codes i * n + j of contradicting pairs)."""
    matched: list[Pair] = []
    cannot = array("q")
    members, starts = build_blocks(records, stats)
    if len(starts) < 2:
        return matched, cannot
    n = len(records)
    fresh, offsets = first_pairs(members, starts, n)
    live = np.flatnonzero(np.logical_or.reduceat(fresh, offsets[:-1]))  # blocks with a pair to compare
    st = np.frombuffer(starts, dtype=np.int64)
    todo = zip(st[live].tolist(), st[live + 1].tolist(), offsets[live].tolist(), strict=True)
    is_fresh = fresh.tobytes()
    del fresh, offsets, live
    cores, score = records.cores, records.score
    reasons: dict[str, str] = {}  # a few hundred distinct reasons among a million pairs: one string each
    for s0, s1, k in todo:
        block = members[s0:s1].tolist()
        m = len(block)
        sims = process.cdist([cores[i] for i in block], [cores[i] for i in block], scorer=fuzz.WRatio,
                             dtype=None) if m > 2 else None
        for x in range(m - 1):
            i = block[x]
            for y in range(x + 1, m):
                if is_fresh[k]:
                    j = block[y]
                    stats.pairs_scored += 1
                    result = score(i, j, None if sims is None else float(sims[x, y]))
                    if result is None:
                        cannot.append(i * n + j)
                    elif result[0] >= threshold:
                        matched.append(Pair(i, j, result[0], reasons.setdefault(result[1], result[1])))
                        stats.pairs_matched += 1
                k += 1
    return matched, cannot
