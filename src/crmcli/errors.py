"""Domain errors: the library raises these; the CLI turns them into one stderr line and exit 1."""


class CrmError(Exception):
    """Any error the user can fix."""


class NotFound(CrmError):
    """A record or file that does not exist."""


class InvalidValue(CrmError):
    """A value that does not fit its field."""


class Damaged(CrmError):
    """A database file whose pages SQLite cannot read: `crm doctor` says what to do."""
