"""Report files: the -o suffix picks the format, and a suffix no report format has is an error
(a .pdf holding CSV is worse than no file). Every file goes through crmcli.outfile: atomic,
owner-only (0600), never over a database, an existing file only with --force.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from crmcli import outfile
from crmcli.errors import InvalidValue
from crmcli.i18n import _
from crmcli.reports.base import Report

# suffix -> format; the order is the order the error message lists them in
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv", ".tsv": "tsv",
            ".tab": "tsv", ".json": "json"}
FILE_FORMATS = ("html", "pdf", "xlsx", "csv", "tsv", "json")


def format_for_file(path: Path, fmt: str | None) -> str:
    """The format of report file PATH: its suffix's (which --format may repeat, not contradict);
    a file without a suffix takes --format, else csv."""
    suffix = path.suffix.lower()
    by_suffix = SUFFIXES.get(suffix)
    if suffix and by_suffix is None:
        raise InvalidValue(_("cannot write {path}: {command} writes {formats} (or - for stdout), not {suffix}").format(
            path=path, command="crm report", formats=", ".join("." + f for f in FILE_FORMATS), suffix=suffix))
    if by_suffix and fmt and fmt != by_suffix:
        raise InvalidValue(_("cannot write {fmt} to {path}: a {suffix} file holds {holds}; name it .{other} or leave out "
                             "--format").format(fmt=fmt, path=path, suffix=suffix, holds=by_suffix,
                                                other=fmt if fmt in FILE_FORMATS else by_suffix))
    if fmt in ("table",):
        raise InvalidValue(_("cannot write a table to {path}: files are {formats}").format(
            path=path, formats=", ".join(FILE_FORMATS)))
    return by_suffix or fmt or "csv"


def write(reports: Sequence[Report], fmt: str, path: Path, *, lang: str = "en", force: outfile.Overwrite = False,
          avoid: Iterable[tuple[str | os.PathLike[str], str]] = ()) -> Path:
    """Write REPORTS to PATH in FMT (one of FILE_FORMATS) through crmcli.outfile (force/avoid: see there)."""
    path = Path(path)
    if fmt == "xlsx":
        from crmcli.reports import xlsx

        return xlsx.write_workbook(reports, path, lang=lang, force=force, avoid=avoid)
    with outfile.atomic_path(path, force=force, avoid=avoid) as tmp:
        if fmt == "html":
            from crmcli.reports import html

            tmp.write_text(html.render_page(reports, lang), encoding="utf-8")
        elif fmt == "pdf":
            from crmcli.reports import pdf

            pdf.build(reports, str(tmp), lang)
        else:
            from crmcli.reports import render

            with open(tmp, "w", encoding="utf-8", newline="") as out:
                render.write(reports, fmt, out, lang=lang)
    return path
