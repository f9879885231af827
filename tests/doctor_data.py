"""A database with one of every kind of problem `crm doctor` finds short of damage (tests/test_doctor_zh.py,
tests/test_screens.py): written as an older version or another tool could have."""

from __future__ import annotations

import sqlite3

PROBLEMS = (
    "INSERT INTO customers (customer_id, name, phone, status, customer_type) "
    "VALUES ('C20240101001', '甲', '13812345678', '意向', 'bogus')",
    "INSERT INTO customers (customer_id, name, phone) VALUES ('C20240101002', '乙', '139****5678')",
    "INSERT INTO customers (customer_id, name, phone) VALUES (' C20240101003', '丙', '13812345673')",
    "INSERT INTO customers (customer_id, name, phone) VALUES ('c20240101003', '丙2', '13812345674')",
    "INSERT INTO customers (customer_id, name, phone) VALUES ('C20241399001', '丁', '13812345675')",
    "INSERT INTO customers (customer_id, name, phone) VALUES ('DD20240101009', '戊', '13812345676')",
    "INSERT INTO customers (customer_id, name, phone, email, first_contact_date) "
    "VALUES ('C20240101005', '己', '+86 138-1234-5677', 'zhang@EXAMPLE.com', '2024/5/20')",
    "INSERT INTO customers (customer_id, name, phone, first_contact_date) VALUES ('C20240101006', '庚', '12345', 'someday')",
    "INSERT INTO customers (customer_id, name) VALUES ('C20240101007', '辛')",
    "INSERT INTO orders (order_id, customer_id, date, amount) VALUES ('DD20240101001', 'C_GONE', '2024-01-01', 5)",
    "INSERT INTO merges (merge_id, survivor_id, merged_ids, snapshot) VALUES (9001, 'C20240101001', '[]', '{}')",
    "INSERT INTO merged_ids (old_id, survivor_id, merge_id) VALUES ('C20230101009', 'C20240101001', 9001)",
    "INSERT INTO merged_ids (old_id, survivor_id, merge_id) VALUES ('C20230101008', 'C20230101007', 9001)",
    "INSERT INTO merged_ids (old_id, survivor_id, merge_id) VALUES ('C20240101005', 'C20240101001', 9001)",
    "INSERT INTO followups (followup_id, customer_id, date) VALUES ('F20240101001', 'C20230101009', '2024-01-01')",
    "INSERT INTO invalid_values (table_name, row_id, customer_id, field, raw, reason) "
    "VALUES ('customers', 'C20240101007', 'C20240101007', 'email', 'x@', 'x@')",
    "DROP INDEX idx_customers_phone",
    "DROP TRIGGER customers_touch",
    "CREATE TABLE my_notes (x)",
)


def add_problems(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("PRAGMA foreign_keys = OFF")
    for s in PROBLEMS:
        conn.execute(s)
    conn.commit()
    conn.execute("PRAGMA ignore_check_constraints = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = DELETE")
