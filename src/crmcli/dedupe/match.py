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
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

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


Places = frozenset[tuple[str, str]]


@dataclass(slots=True)
class Record:
    """What matching needs of one customer (the entry check and tests; a scan keeps columns: Records)."""
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
    places: Places                       # from the name, else from a landline's area code
    ambiguous: bool = False              # no place of its own, and its name exists in several cities

    @property
    def city(self) -> str:
        return _city(self.places)


def _city(where: Places) -> str:
    return "/".join(sorted({c or p for p, c in where})) or "?"


def _derive(name: str, phone: str | None, email: str | None, kind: str | None, extra_phones: Iterable[str],
            extra_emails: Iterable[str]) -> tuple[bool, NameParts, tuple[str, ...], tuple[str, ...], Places]:
    """(person, name parts, phone keys, emails, places) of one customer."""
    person = kind == "individual"
    parts = name_parts(name, person=person)
    phones = {k for k in (fast_phone_key(p) for p in (phone, *extra_phones)) if k}
    emails = {e.strip().lower() for e in (email, *extra_emails) if e and "@" in e}
    where = parts.places
    if not where and not person:
        where = intern_places({pl for pl in (places.place_of_phone(k) for k in phones) if pl})
    return person, parts, tuple(sorted(phones)), tuple(sorted(emails)), where


def make_record(customer_id: str, name: str, phone: str | None = None, email: str | None = None,
                created_at: str = "", kind: str | None = None, extra_phones: Iterable[str] = (),
                extra_emails: Iterable[str] = ()) -> Record:
    person, parts, phones, emails, where = _derive(name, phone, email, kind, extra_phones, extra_emails)
    return Record(customer_id, name, phone, email, created_at or "", person, parts, pinyin_key(parts.core), phones,
                  emails, where)


PERSON, AMBIGUOUS = 1, 2   # bits of Records.flags
Keys = str | tuple[str, ...] | None   # one phone/email as itself, none as None, several as a tuple
_NO_KEYS: tuple[str, ...] = ()


def _pack(keys: tuple[str, ...]) -> Keys:
    return keys[0] if len(keys) == 1 else (keys or None)


def _unpack(keys: Keys) -> tuple[str, ...]:
    return _NO_KEYS if keys is None else (keys,) if type(keys) is str else keys  # type: ignore[return-value]


class Records:
    """The customers a scan compares, as columns indexed by record number.

    A scan of a million customers used to hold a Record object each (name, phone, email,
    cleaned name, name parts, a tuple per phone and email list: ~1 KB a customer). Matching
    needs only the id, the creation time, the name core, the phone and email keys, the places
    and two flags; names, phones and emails as written are read again for the customers that
    end up in a cluster (scan.py), and the pinyin of a core is computed where it is compared
    (a str.translate: cheaper than keeping 70 MB of it). A single phone or email is kept as the
    string itself, places as shared frozensets.
    """

    __slots__ = ("cores", "created", "emails", "flags", "ids", "phones", "places", "words")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.created: list[str] = []
        self.cores: list[str] = []
        self.phones: list[Keys] = []
        self.emails: list[Keys] = []
        self.places: list[Places] = []
        self.flags = bytearray()                       # PERSON | AMBIGUOUS
        self.words: dict[int, tuple[str, ...]] = {}    # Latin-script names of several words: each a key

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, records: Iterable[Record]) -> Records:
        out = cls()
        for r in records:
            out._add(r.customer_id, r.created_at, r.person, r.parts, r.phones, r.emails, r.places, r.ambiguous)
        return out

    def append(self, customer_id: str, name: str, phone: str | None = None, email: str | None = None,
               created_at: str = "", kind: str | None = None, extra_phones: Iterable[str] = (),
               extra_emails: Iterable[str] = ()) -> None:
        person, parts, phones, emails, where = _derive(name, phone, email, kind, extra_phones, extra_emails)
        self._add(customer_id, created_at or "", person, parts, phones, emails, where, False)

    def _add(self, customer_id: str, created_at: str, person: bool, parts: NameParts, phones: tuple[str, ...],
             emails: tuple[str, ...], where: Places, ambiguous: bool) -> None:
        core, cleaned = parts.core, parts.cleaned
        if " " in cleaned and cleaned.isascii():
            # Latin-script names (foreign customers): each word is a key, so "lachlan berry"
            # meets "lachlan bery" and "berry lachlan"
            words = tuple(w for w in _WORD.findall(cleaned) if w not in _LATIN_NOISE)
            if words:
                self.words[len(self.ids)] = words
        self.ids.append(customer_id)
        self.created.append(created_at)
        self.cores.append(core)
        self.phones.append(_pack(phones))
        self.emails.append(_pack(emails))
        self.places.append(where)
        self.flags.append((PERSON if person else 0) | (AMBIGUOUS if ambiguous else 0))

    def phone_keys(self, i: int) -> tuple[str, ...]:
        return _unpack(self.phones[i])

    def email_keys(self, i: int) -> tuple[str, ...]:
        return _unpack(self.emails[i])

    def name_similarity(self, i: int, j: int, raw: float | None = None) -> tuple[float, str]:
        """(0-100, label): identical cores 100; same pinyin (华信/华欣) at least 95; else rapidfuzz WRatio."""
        a, b = self.cores[i], self.cores[j]
        if a == b:
            return 100.0, "same name"
        n = fuzz.WRatio(a, b) if raw is None else raw
        if len(a) == len(b) and pinyin_key(a) == pinyin_key(b):
            return max(n, 95.0), f"name {max(n, 95.0):.0f} (sounds alike)"
        return n, f"name {n:.0f}"

    def score(self, i: int, j: int, raw: float | None = None) -> tuple[float, str] | None:
        """Score one candidate pair (0-100, one decimal) and say why; None means "not the same customer"."""
        result = self._score(i, j, raw)
        return None if result is None else (round(result[0], 1), result[1])

    def _score(self, i: int, j: int, raw: float | None) -> tuple[float, str] | None:
        n, label = self.name_similarity(i, j, raw)
        either = self.flags[i] | self.flags[j]
        person = bool(either & PERSON)
        phones_a, phones_b = _unpack(self.phones[i]), _unpack(self.phones[j])
        emails_a, emails_b = _unpack(self.emails[i]), _unpack(self.emails[j])
        shared, contradict = _contact_evidence(phones_a, phones_b, emails_a, emails_b)
        if n < MIN_NAME[person]:
            return None  # clearly different names, whatever they share (a switchboard, a family phone)
        if not places.compatible(self.places[i], self.places[j]):
            if not shared:
                return None
            where = f"{_city(self.places[i])}/{_city(self.places[j])}"
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
        elif n == 100.0 and either & AMBIGUOUS:
            # 华信科技 with no city, beside 华信科技 in 北京 and in 上海: a person could not tell either
            return 75.0, f"{label}, but that name exists in several cities"
        elif n == 100.0 and (phones_a or emails_a or phones_b or emails_b):
            score = 85.0 if person else 92.0
            return score, f"{label}, no conflicting contact"
        else:  # similar, not identical, and nothing shared: a person's name sounding alike is common
            score = (0.8 if person else 0.85) * n
            return score, f"{label}, no shared contact"
        return score, " + ".join([label, *shared])


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    score: float
    reason: str


@dataclass(slots=True)
class Cluster:
    members: list[int]                       # record indexes, survivor first
    score: float                             # the weakest link
    reasons: dict[int, str] = field(default_factory=dict)   # member -> why it is here
    scores: dict[int, float] = field(default_factory=dict)


def _contact_evidence(phones_a: tuple[str, ...], phones_b: tuple[str, ...], emails_a: tuple[str, ...],
                      emails_b: tuple[str, ...]) -> tuple[list[str], bool]:
    """(what is shared, whether their contacts contradict each other)."""
    shared: list[str] = []
    common_phones = set(phones_a) & set(phones_b)
    if any(is_mobile(p) for p in common_phones):
        shared.append("same mobile")
    if any(not is_mobile(p) and p[0] != "+" for p in common_phones):
        shared.append("same landline")
    if any(p[0] == "+" for p in common_phones):  # outside the mainland: weighed like a landline
        shared.append("same phone")
    common_emails = set(emails_a) & set(emails_b)
    if common_emails:
        shared.append("same email")
    # A mobile and a landline do not contradict (a company has both); two different
    # mobiles, two different landlines or two different emails do.
    contradict = not common_phones and any(is_mobile(p) == is_mobile(q) for p in phones_a for q in phones_b)
    contradict = contradict or (bool(emails_a and emails_b) and not common_emails)
    return shared, contradict


def score_pair(a: Record, b: Record, raw: float | None = None) -> tuple[float, str] | None:
    """Score one candidate pair (0-100, one decimal) and say why; None means "not the same customer"."""
    return Records.of((a, b)).score(0, 1, raw)


@dataclass
class Stats:
    records: int = 0
    blocks: int = 0
    pairs_scored: int = 0
    pairs_matched: int = 0
    skipped_blocks: int = 0


def cluster(records: Records, pairs: list[Pair], avoid: Contradictions) -> list[Cluster]:
    """Join pairs strongest first, never across a contradicting pair; survivor = oldest record."""
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    weakest: dict[int, float] = {}
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
        if any(find(c) == other for m in small for c in avoid.get(m)):
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
    ids, created = records.ids, records.created
    out: list[Cluster] = []
    for root, group in members.items():
        group = sorted(group, key=lambda i: (created[i], ids[i]))
        survivor = group[0]
        inside = set(group)
        c = Cluster(group, weakest[root])
        c.reasons[survivor] = "survivor: oldest record"
        for m in group[1:]:
            # the strongest link into the cluster, preferring the survivor on a tie
            links = [p for p in best.get(m, ()) if (p.b if p.a == m else p.a) in inside]
            p = max(links, key=lambda p: (p.score, survivor in (p.a, p.b)), default=joined_by[m])
            other = p.b if p.a == m else p.a
            c.reasons[m] = p.reason if other == survivor else f"{p.reason} (with {ids[other]})"
            c.scores[m] = p.score
        out.append(c)
    out.sort(key=lambda c: (-c.score, ids[c.members[0]]))
    return out


def mark_ambiguous(records: Records) -> None:
    """Flag place-less records whose name core is used in places that cannot be one company."""
    seen: dict[str, Places] = {}
    multi: set[str] = set()
    for core, where, flags in zip(records.cores, records.places, records.flags, strict=True):
        if not where or flags & PERSON:
            continue
        first = seen.get(core)
        if first is None:
            seen[core] = where
        elif first != where and not places.compatible(first, where):
            multi.add(core)
    del seen
    flags = records.flags
    for i, (core, where) in enumerate(zip(records.cores, records.places, strict=True)):
        if not where and not flags[i] & PERSON and core in multi:
            flags[i] |= AMBIGUOUS
        else:
            flags[i] &= ~AMBIGUOUS


class Contradictions:
    """Record -> the records it contradicts, for the records some matched pair touches (only those
    can meet in a cluster), as two flat arrays: at a million customers there are ~800,000 such
    pairs, which as a dict of sets of ints took ~170 MB."""

    def __init__(self, cannot: array[int], extra: list[tuple[int, int]], pairs: list[Pair], n: int) -> None:
        import numpy as np

        codes = np.frombuffer(cannot, dtype=np.int64) if len(cannot) else np.empty(0, dtype=np.int64)
        a, b = np.divmod(codes, max(n, 1))
        ends = np.fromiter({e for p in pairs for e in (p.a, p.b)}, dtype=np.int64)
        keep = np.isin(a, ends) & np.isin(b, ends)
        extra_a, extra_b = (np.array(x, dtype=np.int64) for x in zip(*extra, strict=True)) if extra else (a[:0], b[:0])
        a, b = np.concatenate([a[keep], extra_a]), np.concatenate([b[keep], extra_b])
        src, dst = np.concatenate([a, b]), np.concatenate([b, a])
        self.others = array("i", dst[np.argsort(src, kind="stable")].astype(np.intc).tobytes())
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=starts[1:])
        self.starts = array("q", starts.tobytes())

    def get(self, i: int) -> array[int]:
        return self.others[self.starts[i]:self.starts[i + 1]]


def find_duplicates(records: Records | Sequence[Record], threshold: float = DEFAULT_THRESHOLD,
                    auto: float = AUTO_THRESHOLD, stats: Stats | None = None,
                    different: set[frozenset[str]] | None = None) -> list[Cluster]:
    """Sure clusters (every link >= AUTO) first, then review clusters (some link below AUTO).

    The sure clusters are built from the strong pairs alone, so one weak look-alike
    hanging on a group of certain duplicates does not hold the whole group back from
    `--merge --yes`. A customer is in at most one cluster: review clusters are built from
    the customers no sure cluster holds, so that weak look-alike is listed against the
    group's survivor on the run after the group is merged.

    DIFFERENT: pairs of customer ids a person marked "not the same" (dedupe.decisions):
    never a pair, and a contradiction, so no cluster holds both. Cluster members are
    record numbers (indexes into RECORDS).
    """
    from crmcli.dedupe.blocking import candidate_pairs

    recs = records if isinstance(records, Records) else Records.of(records)
    stats = stats if stats is not None else Stats()
    stats.records = len(recs)
    mark_ambiguous(recs)
    pairs, cannot = candidate_pairs(recs, threshold, stats)
    extra: list[tuple[int, int]] = []
    if different:
        wanted = {c for pair in different for c in pair}
        index = {cid: i for i, cid in enumerate(recs.ids) if cid in wanted}
        for pair in different:
            ends = sorted(index[c] for c in pair if c in index)
            if len(ends) == 2:
                extra.append((ends[0], ends[1]))
        drop = set(extra)
        pairs = [p for p in pairs if (p.a, p.b) not in drop]
    avoid = Contradictions(cannot, extra, pairs, len(recs))
    del cannot
    sure = cluster(recs, [p for p in pairs if p.score >= auto], avoid)
    taken = {m for c in sure for m in c.members}
    review = [c for c in cluster(recs, [p for p in pairs if p.a not in taken and p.b not in taken], avoid)
              if c.score < auto]
    return sure + review


def load_records(conn: sqlite3.Connection, *, with_contacts: bool = True,
                 progress: Callable[[int], None] | None = None) -> Records:
    """Every live customer, in customer id order; contact people's phones and emails count as the customer's too."""
    extra_p: dict[str, list[str]] = {}
    extra_e: dict[str, list[str]] = {}
    if with_contacts:
        for cid, phone, email in conn.execute(
                "SELECT customer_id, phone, email FROM contacts WHERE phone IS NOT NULL OR email IS NOT NULL"):
            if phone:
                extra_p.setdefault(cid, []).append(phone)
            if email:
                extra_e.setdefault(cid, []).append(email)
    out = Records()
    for n, (cid, name, phone, email, created, kind) in enumerate(conn.execute(
            "SELECT customer_id, name, phone, email, created_at, kind FROM customers ORDER BY customer_id")):
        out.append(cid, name, phone, email, created, kind, extra_p.get(cid, ()), extra_e.get(cid, ()))
        if progress and n % 50000 == 0:
            progress(n)
    return out
