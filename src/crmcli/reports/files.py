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
        raise InvalidValue(f"cannot write {path}: crm report writes {', '.join('.' + f for f in FILE_FORMATS)} "
                           f"(or - for stdout), not {suffix}")
    if by_suffix and fmt and fmt != by_suffix:
        raise InvalidValue(f"cannot write {fmt} to {path}: a {suffix} file holds {by_suffix}; "
                           f"name it .{fmt if fmt in FILE_FORMATS else by_suffix} or leave out --format")
    if fmt in ("table",):
        raise InvalidValue(f"cannot write a table to {path}: files are {', '.join(FILE_FORMATS)}")
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
