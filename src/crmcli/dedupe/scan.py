"""`crm dedupe` as a library call: scan the database, describe the clusters, merge the sure ones.

`scan(conn)` writes nothing. `auto_merge(conn, clusters)` merges the clusters at
or above the auto-merge threshold, one logged merge (and one merge id) each, and
marks the rest for review — what a monthly cron job runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from crmcli.dedupe import match
from crmcli.dedupe import merge as merging


@dataclass
class Cluster:
    """Customers that look like one, and what became of them in this run."""

    cluster: int  # its number in this scan, from 1
    score: float
    survivor: str  # the customer the others would merge into
    auto: bool  # at or above the auto-merge threshold: `--merge --yes` and maintain merge it
    members: list[dict[str, Any]]  # rows: customer_id, name, phone, email, score, reason (unmasked)
    action: str | None = None  # merged, review, skipped, not_same, done: set as the run goes
    merge_id: int | None = None
    refused: str | None = None  # why a sure cluster was left for review

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (masking is the renderer's job)."""
        out: dict[str, Any] = {"cluster": self.cluster, "score": self.score, "survivor": self.survivor,
                               "auto": self.auto, "members": self.members}
        extra = {"action": self.action, "merge_id": self.merge_id, "refused": self.refused}
        return out | {k: v for k, v in extra.items() if v is not None}

    def ids(self, drop: set[str] | frozenset[str] = frozenset()) -> list[str]:
        return [m["customer_id"] for m in self.members if m["customer_id"] not in drop]


@dataclass
class ScanResult:
    clusters: list[Cluster]
    stats: match.Stats
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def describe(clusters: list[match.Cluster], ids: list[list[str]], auto: float,
             details: dict[str, tuple[str, str | None, str | None]]) -> list[Cluster]:
    """The matcher's clusters as Cluster objects, numbered from 1. IDS: each cluster's customer ids
    (its members' order); DETAILS: customer id -> (name, phone, email). Empties CLUSTERS and IDS
    as it goes: at a million customers both sides of the conversion together took ~100 MB more."""
    out: list[Cluster] = []
    clusters.reverse()
    ids.reverse()
    while clusters:
        c, members = clusters.pop(), ids.pop()
        out.append(Cluster(len(out) + 1, round(c.score, 1), members[0], c.score >= auto,
                           [{"customer_id": cid, "name": details[cid][0], "phone": details[cid][1],
                             "email": details[cid][2], "score": c.scores.get(m), "reason": c.reasons[m]}
                            for m, cid in zip(c.members, members, strict=True)]))
    return out


def _details(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[str, str | None, str | None]]:
    """Name, phone and email as stored, of the customers IDS: the matcher keeps only their keys."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k:k + 500]
        out.update((r[0], (r[1], r[2], r[3])) for r in conn.execute(
            f"SELECT customer_id, name, phone, email FROM customers WHERE customer_id IN ({','.join('?' * len(chunk))})",
            chunk))
    return out


@contextmanager
def _reading(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so the details read after matching are those of the customers matched;
    and a small page cache: the scan reads each page once, and SQLite's 64 MB cache (db.py) would
    otherwise fill with pages never read again, inside the scan's peak memory."""
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = -8192")
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if began:
            conn.execute("ROLLBACK")  # nothing was written
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


def scan(conn: sqlite3.Connection, threshold: float = match.DEFAULT_THRESHOLD, auto: float = match.AUTO_THRESHOLD,
         progress: Callable[[int], None] | None = None) -> ScanResult:
    """Find duplicate clusters among all live customers. Writes nothing."""
    import time

    if not 0 <= threshold <= 100 or not 0 <= auto <= 100:
        from crmcli.errors import InvalidValue
        from crmcli.i18n import _

        raise InvalidValue(_("thresholds are scores from 0 to 100"))
    from crmcli.dedupe.decisions import different_pairs
    from crmcli.perf import gc_paused

    t0 = time.perf_counter()
    with gc_paused(), _reading(conn):  # millions of long-lived objects: the collector would walk them again and again
        records = match.load_records(conn, progress=progress)
        stats = match.Stats()
        clusters = match.find_duplicates(records, threshold, auto, stats, different_pairs(conn))
        ids = [[records.ids[m] for m in c.members] for c in clusters]
        del records  # the columns, before the details of the customers clustered are read
        details = _details(conn, [cid for members in ids for cid in members])
        described = describe(clusters, ids, auto, details)
    return ScanResult(described, stats, time.perf_counter() - t0)


def merge_cluster(conn: sqlite3.Connection, cluster: Cluster, survivor: str | None = None,
                  drop: set[str] | None = None) -> merging.MergeResult:
    reason = f"dedupe cluster {cluster.cluster} score {cluster.score}"
    res = merging.merge(conn, cluster.ids(drop or set()), survivor or cluster.survivor, reason=reason)
    cluster.action, cluster.merge_id, cluster.survivor = "merged", res.merge_id, res.plan.survivor
    return res


def auto_merge(conn: sqlite3.Connection, clusters: list[Cluster]) -> list[Cluster]:
    """Merge every cluster marked auto; the others get action "review". Returns the clusters."""
    from crmcli.errors import InvalidValue

    for c in clusters:
        if not c.auto:
            c.action = "review"
            continue
        try:
            merge_cluster(conn, c)
        except InvalidValue as e:  # the merged record would break a template rule: a person decides
            c.action, c.refused = "review", str(e)
    return clusters


def refresh(conn: sqlite3.Connection, cluster: Cluster) -> bool:
    """Bring a cluster up to date after earlier merges in the same run: a member merged
    away is shown as its survivor (once). False when fewer than two customers are left."""
    from crmcli.errors import NotFound
    from crmcli.records import resolve_customer

    members: list[dict[str, Any]] = []
    seen: set[str] = set()
    for m in cluster.members:
        try:
            live = resolve_customer(conn, m["customer_id"], names=False)
        except NotFound:
            continue
        if live in seen:
            continue
        seen.add(live)
        if live != m["customer_id"]:
            m = {**m, "customer_id": live, "reason": f"{m['reason']}; merged into {live} earlier"}
        members.append(m)
    cluster.members = members
    if cluster.survivor not in seen and members:
        cluster.survivor = members[0]["customer_id"]
    return len(members) >= 2
