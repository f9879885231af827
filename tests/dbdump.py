"""The one "is the database unchanged?" helper for tests that look at a file from outside."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def dump(path: Path) -> list[str]:
    """Every statement that would rebuild the database at PATH: equal dumps, unchanged database."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
