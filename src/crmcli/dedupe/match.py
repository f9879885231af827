"""Find duplicate customers: blocking, pair scoring, clustering.

Never all pairs: every customer gets a few blocking keys — each phone, each email,
its name core (华信科技) and the pinyin of that core (huaxinkeji) — and only
customers sharing a key are compared, with rapidfuzz's `process.cdist` over each
block. Candidate pairs therefore grow with the number of true look-alikes, not
with the square of the table.

A pair's score mixes name similarity with contact evidence, and carries the
reason in words ("name 96 + same mobile"). Contradictions weigh more than
similarity, because a wrong merge is worse than a missed one:
  * places that cannot agree (北京华信 / 上海华信) with no shared contact: no match;
  * a shared phone with clearly different names (a switchboard): no match;
  * name alone reaches the auto-merge threshold only when the cores are identical
    and the other record has no phone or email to contradict it.

Clustering joins pairs strongest first and refuses to join two groups that hold
a contradicting pair, so A~B and B~C never drag in a C that contradicts A. A
cluster's score is its weakest link.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from crmcli.dedupe import places
from crmcli.dedupe.namekeys import NameParts, intern_places, name_parts, pinyin_key
from crmcli.normalize import phone_key

DEFAULT_THRESHOLD = 80.0   # report pairs at or above this
AUTO_THRESHOLD = 90.0      # `--merge --yes` merges clusters at or above this
MAX_BLOCK = 500            # a key shared by more records than this (a call centre) is not used
# A person's name is a weak key: 张伟 is shared by hundreds of thousands of people, and
# name alone never merges a person. Past this many bearers, people meet by phone/email only.
MAX_PERSON_NAME_BLOCK = 50
MIN_NAME = {False: 60.0, True: 80.0}  # below this, names are "clearly different" (enterprise, person)

_WORD = re.compile(r"[a-z]{3,}")
_LATIN_NOISE = {"the", "and", "company", "limited", "ltd", "inc", "corp", "corporation", "group", "llc", "co"}
_E164 = re.compile(r"\+(?!86)[1-9]\d{6,14}(?:-\d{1,6})?")
_CANON_PHONE = re.compile(r"^(1[3-9]\d{9})$|^(0\d{2,3})-(\d{7,8})(?:-\d+)?$|^(400|800)-(\d{3})-(\d{4})$")


def fast_phone_key(phone: str | None) -> str | None:
    """Digits of a stored phone (extension dropped); falls back to full normalisation for odd input."""
    if not phone:
        return None
    if phone[0] == "+" and _E164.fullmatch(phone):  # outside the mainland, stored in E.164: no extension
        return phone.split("-")[0]
    m = _CANON_PHONE.match(phone)
    if m:
        return m.group(1) or (m.group(2) + m.group(3) if m.group(2) else m.group(4) + m.group(5) + m.group(6))
    key = phone_key(phone)
    if key and len(key) > 12:  # landline + extension from a non-canonical form
        key = key[:12]
    return key


def is_mobile(key: str) -> bool:
    return len(key) == 11 and key[0] == "1"


@dataclass(slots=True)
class Record:
    """What matching needs of one customer."""
    customer_id: str
    name: str
    phone: str | None
    email: str | None
    created_at: str
    person: bool
    parts: NameParts
    pinyin: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    places: frozenset[tuple[str, str]]   # from the name, else from a landline's area code
    ambiguous: bool = False              # no place of its own, and its name exists in several cities

    @property
    def city(self) -> str:
        return "/".join(sorted({c or p for p, c in self.places})) or "?"


def make_record(customer_id: str, name: str, phone: str | None = None, email: str | None = None,
                created_at: str = "", kind: str | None = None, extra_phones: Iterable[str] = (),
                extra_emails: Iterable[str] = ()) -> Record:
    person = kind == "individual"
    parts = name_parts(name, person=person)
    phones = {k for k in (fast_phone_key(p) for p in (phone, *extra_phones)) if k}
    emails = {e.strip().lower() for e in (email, *extra_emails) if e and "@" in e}
    where = parts.places
    if not where and not person:
        where = intern_places({pl for pl in (places.place_of_phone(k) for k in phones) if pl})
    return Record(customer_id, name, phone, email, created_at or "", person, parts, pinyin_key(parts.core),
                  tuple(sorted(phones)), tuple(sorted(emails)), where)


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    score: float
    reason: str


@dataclass
class Cluster:
    members: list[int]                       # record indexes, survivor first
    score: float                             # the weakest link
    reasons: dict[int, str] = field(default_factory=dict)   # member -> why it is here
    scores: dict[int, float] = field(default_factory=dict)


def _contact_evidence(a: Record, b: Record) -> tuple[list[str], bool]:
    """(what is shared, whether their contacts contradict each other)."""
    shared: list[str] = []
    common_phones = set(a.phones) & set(b.phones)
    if any(is_mobile(p) for p in common_phones):
        shared.append("same mobile")
    if any(not is_mobile(p) and p[0] != "+" for p in common_phones):
        shared.append("same landline")
    if any(p[0] == "+" for p in common_phones):  # outside the mainland: weighed like a landline
        shared.append("same phone")
    if set(a.emails) & set(b.emails):
        shared.append("same email")
    # A mobile and a landline do not contradict (a company has both); two different
    # mobiles, two different landlines or two different emails do.
    contradict = not common_phones and any(is_mobile(p) == is_mobile(q) for p in a.phones for q in b.phones)
    contradict = contradict or (bool(a.emails and b.emails) and not set(a.emails) & set(b.emails))
    return shared, contradict


def name_similarity(a: Record, b: Record, raw: float | None = None) -> tuple[float, str]:
    """(0-100, label): identical cores 100; same pinyin (华信/华欣) at least 95; else rapidfuzz WRatio."""
    if a.parts.core == b.parts.core:
        return 100.0, "same name"
    n = fuzz.WRatio(a.parts.core, b.parts.core) if raw is None else raw
    if a.pinyin == b.pinyin and len(a.parts.core) == len(b.parts.core):
        return max(n, 95.0), f"name {max(n, 95.0):.0f} (sounds alike)"
    return n, f"name {n:.0f}"


def score_pair(a: Record, b: Record, raw: float | None = None) -> tuple[float, str] | None:
    """Score one candidate pair (0-100, one decimal) and say why; None means "not the same customer"."""
    result = _score(a, b, raw)
    return None if result is None else (round(result[0], 1), result[1])


def _score(a: Record, b: Record, raw: float | None) -> tuple[float, str] | None:
    n, label = name_similarity(a, b, raw)
    person = a.person or b.person
    shared, contradict = _contact_evidence(a, b)
    if n < MIN_NAME[person]:
        return None  # clearly different names, whatever they share (a switchboard, a family phone)
    if not places.compatible(a.places, b.places):
        if not shared:
            return None
        where = f"{a.city}/{b.city}"
        return min(75.0, 40 + 0.35 * n), f"{label} + {' + '.join(shared)} but different city {where}"
    if "same mobile" in shared or "same email" in shared:
        score = 55 + 0.45 * n
        if "same mobile" in shared and "same email" in shared:
            score = min(100.0, 60 + 0.4 * n + 2)
    elif shared:  # only a landline: could be a shared switchboard
        score = 45 + 0.5 * n
    elif contradict:
        if person:  # two people called 张伟 with their own phones are two people
            return None
        score = 0.8 * n
        return score, f"{label}, different phone/email"
    elif n == 100.0 and (a.ambiguous or b.ambiguous):
        # 华信科技 with no city, beside 华信科技 in 北京 and in 上海: a person could not tell either
        return 75.0, f"{label}, but that name exists in several cities"
    elif n == 100.0 and (a.phones or a.emails or b.phones or b.emails):
        score = 85.0 if person else 92.0
        return score, f"{label}, no conflicting contact"
    else:  # similar, not identical, and nothing shared: a person's name sounding alike is common
        score = (0.8 if person else 0.85) * n
        return score, f"{label}, no shared contact"
    return score, " + ".join([label, *shared])


def blocking_keys(r: Record) -> Iterator[str]:
    for p in r.phones:
        yield "p" + p
    for e in r.emails:
        yield "e" + e
    if len(r.parts.core) >= 2:
        yield ("N" if r.person else "n") + r.parts.core
        if r.pinyin != r.parts.core:
            yield ("Y" if r.person else "y") + r.pinyin
    if " " in r.parts.cleaned and r.parts.cleaned.isascii():
        # Latin-script names (foreign customers): each word is a key, so "lachlan berry"
        # meets "lachlan bery" and "berry lachlan"
        for word in _WORD.findall(r.parts.cleaned):
            if word not in _LATIN_NOISE:
                yield "t" + word


@dataclass
class Stats:
    records: int = 0
    blocks: int = 0
    pairs_scored: int = 0
    pairs_matched: int = 0
    skipped_blocks: int = 0


def candidate_pairs(records: list[Record], threshold: float, stats: Stats) -> tuple[list[Pair], set[tuple[int, int]]]:
    """Score every pair that shares a blocking key; returns (pairs >= threshold, contradicting pairs)."""
    matched: list[Pair] = []
    cannot: set[tuple[int, int]] = set()
    seen: set[int] = set()
    n = len(records)
    for kind in ("p", "e", "n", "y", "N", "Y", "t"):  # one key kind at a time keeps the index small
        index: dict[str, Any] = {}
        for i, r in enumerate(records):
            for k in blocking_keys(r):
                if k[0] != kind:
                    continue
                cur = index.get(k)
                if cur is None:
                    index[k] = i
                elif isinstance(cur, int):
                    if cur != i:
                        index[k] = [cur, i]
                elif cur[-1] != i:
                    cur.append(i)
        for members in index.values():
            if isinstance(members, int):
                continue
            if len(members) > (MAX_PERSON_NAME_BLOCK if kind in "NY" else MAX_BLOCK):
                stats.skipped_blocks += 1
                continue
            stats.blocks += 1
            _score_block(records, members, threshold, seen, n, matched, cannot, stats)
        del index
    return matched, cannot


def _score_block(records: list[Record], members: list[int], threshold: float, seen: set[int], n: int,
                 matched: list[Pair], cannot: set[tuple[int, int]], stats: Stats) -> None:
    cores = [records[i].parts.core for i in members]
    sims = process.cdist(cores, cores, scorer=fuzz.WRatio, dtype=None) if len(members) > 2 else None
    for x in range(len(members)):
        for y in range(x + 1, len(members)):
            i, j = members[x], members[y]
            if i > j:
                i, j = j, i
            code = i * n + j
            if code in seen:
                continue
            seen.add(code)
            stats.pairs_scored += 1
            raw = float(sims[x][y]) if sims is not None else None
            result = score_pair(records[i], records[j], raw)
            if result is None:
                cannot.add((i, j))
            elif result[0] >= threshold:
                matched.append(Pair(i, j, result[0], result[1]))
                stats.pairs_matched += 1


def cluster(records: list[Record], pairs: list[Pair], cannot: set[tuple[int, int]]) -> list[Cluster]:
    """Join pairs strongest first, never across a contradicting pair; survivor = oldest record."""
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    weakest: dict[int, float] = {}
    avoid: dict[int, set[int]] = {}
    for i, j in cannot:
        avoid.setdefault(i, set()).add(j)
        avoid.setdefault(j, set()).add(i)
    joined_by: dict[int, Pair] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for p in sorted(pairs, key=lambda p: (-p.score, p.a, p.b)):
        ra, rb = find(p.a), find(p.b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        small, other = (ma, rb) if len(ma) <= len(mb) else (mb, ra)
        if any(find(c) == other for m in small for c in avoid.get(m, ())):
            continue
        parent[rb] = ra
        members[ra] = ma + mb
        members.pop(rb, None)
        weakest[ra] = min(weakest.get(ra, 101.0), weakest.pop(rb, 101.0), p.score)
        for end in (p.a, p.b):
            joined_by.setdefault(end, p)
    best: dict[int, list[Pair]] = {}
    for p in pairs:
        best.setdefault(p.a, []).append(p)
        best.setdefault(p.b, []).append(p)
    out: list[Cluster] = []
    for root, group in members.items():
        group = sorted(group, key=lambda i: (records[i].created_at, records[i].customer_id))
        survivor = group[0]
        inside = set(group)
        c = Cluster(group, weakest[root])
        c.reasons[survivor] = "survivor: oldest record"
        for m in group[1:]:
            # the strongest link into the cluster, preferring the survivor on a tie
            links = [p for p in best.get(m, ()) if (p.b if p.a == m else p.a) in inside]
            p = max(links, key=lambda p: (p.score, survivor in (p.a, p.b)), default=joined_by[m])
            other = p.b if p.a == m else p.a
            c.reasons[m] = p.reason if other == survivor else f"{p.reason} (with {records[other].customer_id})"
            c.scores[m] = p.score
        out.append(c)
    out.sort(key=lambda c: (-c.score, records[c.members[0]].customer_id))
    return out


def mark_ambiguous(records: list[Record]) -> None:
    """Flag place-less records whose name core is used in places that cannot be one company."""
    seen: dict[str, Any] = {}
    multi: set[str] = set()
    for r in records:
        if not r.places or r.person:
            continue
        first = seen.get(r.parts.core)
        if first is None:
            seen[r.parts.core] = r.places
        elif first != r.places and not places.compatible(first, r.places):
            multi.add(r.parts.core)
    for r in records:
        r.ambiguous = not r.places and not r.person and r.parts.core in multi


def find_duplicates(records: list[Record], threshold: float = DEFAULT_THRESHOLD, auto: float = AUTO_THRESHOLD,
                    stats: Stats | None = None, different: set[frozenset[str]] | None = None) -> list[Cluster]:
    """Sure clusters (every link >= AUTO) first, then review clusters (some link below AUTO).

    The sure clusters are built from the strong pairs alone, so one weak look-alike
    hanging on a group of certain duplicates does not hold the whole group back from
    `--merge --yes`. A customer is in at most one cluster: review clusters are built from
    the customers no sure cluster holds, so that weak look-alike is listed against the
    group's survivor on the run after the group is merged.

    DIFFERENT: pairs of customer ids a person marked "not the same" (dedupe.decisions):
    never a pair, and a contradiction, so no cluster holds both.
    """
    stats = stats if stats is not None else Stats()
    stats.records = len(records)
    mark_ambiguous(records)
    pairs, cannot = candidate_pairs(records, threshold, stats)
    if different:
        index = {r.customer_id: i for i, r in enumerate(records)}
        for pair in different:
            ends = sorted(index[c] for c in pair if c in index)
            if len(ends) == 2:
                cannot.add((ends[0], ends[1]))
        pairs = [p for p in pairs if (p.a, p.b) not in cannot]
    sure = cluster(records, [p for p in pairs if p.score >= auto], cannot)
    taken = {m for c in sure for m in c.members}
    review = [c for c in cluster(records, [p for p in pairs if p.a not in taken and p.b not in taken], cannot)
              if c.score < auto]
    return sure + review


def load_records(conn: sqlite3.Connection, *, with_contacts: bool = True,
                 progress: Callable[[int], None] | None = None) -> list[Record]:
    """Every live customer as a Record; contact people's phones and emails count as the customer's too."""
    extra_p: dict[str, list[str]] = {}
    extra_e: dict[str, list[str]] = {}
    if with_contacts:
        for cid, phone, email in conn.execute(
                "SELECT customer_id, phone, email FROM contacts WHERE phone IS NOT NULL OR email IS NOT NULL"):
            if phone:
                extra_p.setdefault(cid, []).append(phone)
            if email:
                extra_e.setdefault(cid, []).append(email)
    out: list[Record] = []
    for n, (cid, name, phone, email, created, kind) in enumerate(conn.execute(
            "SELECT customer_id, name, phone, email, created_at, kind FROM customers ORDER BY customer_id")):
        out.append(make_record(cid, name, phone, email, created, kind, extra_p.get(cid, ()), extra_e.get(cid, ())))
        if progress and n % 50000 == 0:
            progress(n)
    return out
