"""crmcli: a command-line CRM over one local SQLite file, following a Chinese
customer-management template. The library is usable without the CLI:

    from crmcli import db, records
    conn = db.create("crm.db")
    cid = records.add(conn, "customers", {"name": "北京华信科技有限公司", "phone": "13812345678"})
"""

__version__ = "0.1.0"
