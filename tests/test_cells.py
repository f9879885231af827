"""Formula neutralisation (OWASP CSV injection) and its exact undo on import."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.cells import TRIGGERS, neutralise, restore, sql_neutralise


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+2", "'=1+2"),
    ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
    ("+86 138 1234 5678", "'+86 138 1234 5678"),
    ("-折扣20%", "'-折扣20%"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("'=already quoted", "''=already quoted"),
    ("''-x", "'''-x"),
    ("plain text", "plain text"),
    ("a=b", "a=b"),
    ("'not a formula", "'not a formula"),
    ("'", "'"),
    ("", ""),
    ("南京=", "南京="),
])
def test_neutralise_and_restore(text: str, safe: str) -> None:
    assert neutralise(text) == safe
    assert restore(safe) == text


@pytest.mark.parametrize("value", [-500, -500.5, 0, 12, None, 3.25])
def test_numbers_are_not_formulas(value: object) -> None:
    assert neutralise(value) == value
    assert restore(value) == value


@pytest.mark.parametrize(("typed", "kept"), [("'abc", "'abc"), ("'", "'"), ("''", "''"), ("'1", "'1")])
def test_restore_leaves_other_quotes_alone(typed: str, kept: str) -> None:
    assert restore(typed) == kept


text_with_triggers = st.text(alphabet=st.sampled_from(["'", "a", "中", " ", *TRIGGERS]), max_size=8) | st.text()


@given(text_with_triggers)
def test_round_trip_is_exact(text: str) -> None:
    assert restore(neutralise(text)) == text


@given(text_with_triggers)
def test_neutralised_text_never_starts_with_a_trigger(text: str) -> None:
    out = neutralise(text)
    assert not (isinstance(out, str) and out[:1] in TRIGGERS)


@given(text_with_triggers)
def test_restore_leaves_non_neutralised_text_alone(text: str) -> None:
    # Anything neutralise would not change must also survive restore unchanged.
    if neutralise(text) == text:
        assert restore(text) == text


@given(st.lists(text_with_triggers | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.none(), max_size=20))
def test_sql_version_matches_python(values: list[object]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, v)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(v,) for v in values])
    got = [r[0] for r in conn.execute(f"SELECT {sql_neutralise('v')} FROM t ORDER BY i")]
    assert got == [neutralise(v) for v in values]
