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

    from crmcli.i18n import N_, _

    known = {errno.ENOENT: N_("no such file or directory"), errno.EACCES: N_("permission denied"),
             errno.EPERM: N_("operation not permitted"), errno.EISDIR: N_("is a directory"),
             errno.ENOTDIR: N_("not a directory"), errno.ENOSPC: N_("no space left on the device"),
             errno.EEXIST: N_("the file exists already"), errno.EROFS: N_("read-only file system"),
             errno.ENAMETOOLONG: N_("file name too long"), errno.EDQUOT: N_("disk quota exceeded"),
             errno.EIO: N_("input/output error")}
    if isinstance(e, OSError):
        if e.errno in known:
            return _(known[e.errno])
        return str(e.strerror or e)
    return str(e)
