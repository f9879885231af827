"""`crm import` as a library: CSV, TSV and Excel files as office software writes them.

    from crmcli.importer import import_file
    result = import_file(conn, "客户.csv", dry_run=True)
    result.summary()  # {'read': 120, 'inserted': 118, 'rejected': 2, ...}

Modules: sources (format, encoding, dialect, workbook sheets), formulas (uncalculated
workbook formulas), headers (header row, module, column mapping), convert (the same
conversion as `crm add`, column-wise and fast), load (batched writes, conflicts,
change log), tags (the (customer, tag) loader), engine (the run: one logged transaction, rejects, dry run).
"""

from crmcli.importer.engine import ON_CONFLICT, ImportFailed, ImportResult, SheetResult, import_file

__all__ = ["ON_CONFLICT", "ImportFailed", "ImportResult", "SheetResult", "import_file"]
