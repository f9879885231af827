"""Domain errors: the library raises these; the CLI turns them into one stderr line and exit 1."""


class CrmError(Exception):
    """Any error the user can fix."""


class NotFound(CrmError):
    """A record or file that does not exist."""


class InvalidValue(CrmError):
    """A value that does not fit its field."""


class Damaged(CrmError):
    """A database file whose pages SQLite cannot read: `crm doctor` says what to do."""


def reason(e: BaseException) -> str:
    """Why an OSError happened, in the reader's language: the C library's strerror is English
    ("Permission denied") whatever --lang says, so the common ones are ours."""
    import errno

    from crmcli.i18n import N_, _, get_lang

    known = {errno.ENOENT: N_("no such file or directory"), errno.EACCES: N_("permission denied"),
             errno.EPERM: N_("operation not permitted"), errno.EISDIR: N_("is a directory"),
             errno.ENOTDIR: N_("not a directory"), errno.ENOSPC: N_("no space left on the device"),
             errno.EEXIST: N_("the file exists already"), errno.EROFS: N_("read-only file system"),
             errno.ENAMETOOLONG: N_("file name too long"), errno.EDQUOT: N_("disk quota exceeded"),
             errno.EIO: N_("input/output error")}
    if isinstance(e, OSError):
        if e.errno in known and get_lang() != "en":
            return _(known[e.errno])
        return str(e.strerror or e)
    return str(e)


def sqlite_reason(e: BaseException) -> str:
    """SQLite's complaint in the reader's language: its text is English, its shapes are few."""
    import re

    from crmcli.i18n import N_, _, get_lang

    text = str(e)
    if get_lang() == "en":
        return text
    shapes = (
        (r"CHECK constraint failed: (.+)", N_("the value breaks the rule {what}")),
        (r"UNIQUE constraint failed: (.+)", N_("{what} must be unique and this value is taken")),
        (r"NOT NULL constraint failed: (.+)", N_("{what} cannot be empty")),
        (r"FOREIGN KEY constraint failed()", N_("a record it points to does not exist{what}")),
        (r"database is locked()", N_("another program is writing to the database; try again{what}")),
        (r"attempt to write a readonly database()", N_("the database is read-only{what}")),
        (r"database or disk is full()", N_("the database or the disk is full{what}")),
        (r"disk I/O error()", N_("the disk could not be read or written{what}")),
        (r"unable to open database file()", N_("the database file cannot be opened{what}")),
        (r"file is not a database()", N_("the file is not a database{what}")),
        (r"database disk image is malformed()", N_("the database file is damaged{what}")),
    )
    for pattern, message in shapes:
        m = re.fullmatch(pattern, text)
        if m:
            return _(message).format(what=m.group(1))
    return text
