"""Dedupe on the demo data set: its deliberate duplicates are found, its hard negatives kept apart."""

from __future__ import annotations

import sqlite3

from crmcli import demo_data, records
from crmcli.dedupe import merge, scan
from tests.test_merge import dump


def test_demo_duplicates_found_and_hard_negatives_apart(conn: sqlite3.Connection):
    demo_data.build(conn)
    truth = demo_data.duplicate_clusters(conn)
    assert len(truth) == 6
    result = scan.scan(conn)
    found = [sorted(c.ids()) for c in result.clusters if c.auto]
    assert sorted(found) == sorted(sorted(t) for t in truth)
    # 上海华信 never sits with a 北京华信 record; the two companies on one switchboard never together
    for first, *others in demo_data.hard_negatives(conn):
        for c in result.clusters:
            ids = set(c.ids())
            assert first not in ids or not ids & set(others), (first, ids)


def test_demo_merge_all_then_unmerge_all_is_exact(conn: sqlite3.Connection):
    demo_data.build(conn)
    before = dump(conn)
    clusters = scan.auto_merge(conn, scan.scan(conn).clusters)
    merged = [c for c in clusters if c.action == "merged"]
    assert len(merged) == 6
    old_id = merged[0].ids()[1]
    assert records.resolve_customer(conn, old_id) == merged[0].survivor
    for c in reversed(merged):
        merge.unmerge(conn, c.merge_id)
    assert dump(conn) == before
