"""Open an import source as office software writes it: sniff the format (CSV text,
.xlsx/.xls/.ods workbook, JSON array or JSON lines as `crm export` writes them), the text encoding (UTF-8, UTF-8 with BOM, GBK/GB18030,
Big5 (cp950, what Excel on Traditional-Chinese Windows writes) and Big5-HKSCS, UTF-16 "Unicode text";
charset-normalizer where the quick tries cannot tell) and the CSV dialect (comma, semicolon, tab; quoted fields
with newlines; CRLF), and hand out sheets of rows with their source line numbers.

A CSV file is one sheet named after the file. Rows are read lazily so a
million-row file is never held in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crmcli.errors import CrmError, reason
from crmcli.i18n import _
from crmcli.importer import limits

MAX_CELL = 5000  # characters; longer cells are rejected (a pasted document, not a CRM value)
_CSV_FIELD_LIMIT = 1 << 20  # the csv module's own ceiling, far above MAX_CELL: a runaway quote
SAMPLE = 256 * 1024
_DELIMITERS = (",", "\t", ";", "|")
_WORKBOOK_MAGIC = {b"PK\x03\x04": ".xlsx", b"\xd0\xcf\x11\xe0": ".xls"}


class SourceError(CrmError):
    """The file itself cannot be read as a table."""


def _reader_error(e: BaseException) -> BaseException:
    """E itself when it is the reader failing (re-raise anything else, e.g. Ctrl-C).

    A Rust panic inside python-calamine arrives as pyo3's PanicException, a BaseException.
    """
    if isinstance(e, Exception) or type(e).__name__ == "PanicException":
        return e
    raise e


@dataclass
class Sheet:
    name: str
    rows: Iterator[tuple[int, list[Any]]]  # (line or row number in the source, cells)
    total: int = 0  # progress units: bytes for CSV, rows for workbooks
    position: Any = None  # callable -> units done so far
    detected: dict[str, str] = field(default_factory=dict)


@dataclass
class Source:
    path: Path
    display: str
    kind: str  # csv | workbook | json
    encoding: str | None = None
    encoding_label: str = ""
    delimiter: str | None = None
    spool: _Spool | None = None

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class _Spool:
    """A pipe's bytes (stdin, `<(cmd)`, a FIFO) read exactly once into a private temporary file,
    so the sniffing and the reading that follow can open it as often as they need.

    Where /proc/self/fd exists (Linux) the file is unlinked the moment it is made and reached
    through its descriptor: nothing is left in the temp folder however the process ends —
    a failed import, Ctrl-C, SIGTERM or SIGKILL. Elsewhere it keeps its 0600 name until close().
    """

    def __init__(self, stream: BinaryIO) -> None:
        head = stream.read(8)
        fd, name = tempfile.mkstemp(prefix="crm-import-", suffix=_WORKBOOK_MAGIC.get(head[:4], ".csv"))
        self.fd: int | None = fd
        self.named: Path | None = Path(name)
        if os.path.isdir("/proc/self/fd"):
            os.unlink(name)
            self.named = None
            self.path = Path(f"/proc/self/fd/{fd}")
        else:
            self.path = Path(name)
        try:
            with os.fdopen(os.dup(fd), "wb") as out:  # spool to disk: bounded memory, seekable
                out.write(head)
                shutil.copyfileobj(stream, out, 1 << 20)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.named is not None:
            with contextlib.suppress(OSError):
                self.named.unlink()
            self.named = None


def open_source(name: str, *, encoding: str | None = None, stdin: BinaryIO | None = None) -> Source:
    """Sniff NAME ('-' = stdin): its format and, for text, its encoding and delimiter.

    A pipe (stdin, `<(cmd)`, a FIFO) is read once into a spool (see _Spool); a regular file is read in place.
    """
    spool: _Spool | None = None
    if name == "-":
        spool, display = _Spool(stdin or sys.stdin.buffer), "stdin"
    else:
        path, display = Path(name).expanduser(), name
        if not path.exists():
            raise SourceError(_("no file {path}").format(path=name))
        if path.is_dir():
            raise SourceError(_("{path} is a directory, not a file").format(path=name))
        if not path.is_file():  # /dev/fd/63 from <(cmd), a FIFO, /dev/stdin: one writer, one read
            try:
                with open(path, "rb") as stream:
                    spool = _Spool(stream)
            except OSError as e:
                raise SourceError(_("cannot read {name}: {reason}").format(name=name, reason=reason(e))) from None
    try:
        return _sniff(spool.path if spool else path, display, encoding, spool)
    except BaseException:
        if spool is not None:
            spool.close()
        raise


def _sniff(path: Path, display: str, encoding: str | None, spool: _Spool | None) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE)
    if not head.strip():
        raise SourceError(_("{file} is empty").format(file=display))
    if head[:4] in _WORKBOOK_MAGIC or path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        return Source(path, display, "workbook", spool=spool)
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise SourceError(_("unknown encoding '{encoding}' (try utf-8, gbk, gb18030, big5, big5hkscs, utf-16)").format(
                encoding=encoding)) from None
        label = encoding
    else:
        codec, label = detect_encoding(head, display)
    try:
        text = _decode_sample(head, codec)
    except UnicodeDecodeError as e:
        raise SourceError(_("{file} is not {encoding} text (byte {byte}); give --encoding").format(
            file=display, encoding=label, byte=e.start)) from None
    json_suffix = path.suffix.lower() in _JSON_SUFFIXES
    lead = text.lstrip()[:1]
    if json_suffix or lead == "{" or (lead == "[" and text.lstrip()[1:].lstrip()[:1] in ("{", "]")):
        if lead not in ("[", "{"):
            raise SourceError(_("{file} is not JSON (it starts with {start}); a CSV file needs a .csv name").format(
                file=display, start=repr(text.lstrip()[:20].splitlines()[0])))
        return Source(path, display, "json", codec, label, spool=spool)
    _check_text(text, display)
    return Source(path, display, "csv", codec, label, sniff_delimiter(text), spool=spool)


def detect_encoding(head: bytes, display: str = "the file") -> tuple[str, str]:
    """(codec, what to tell the user) for the first bytes of a text file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 5 and even * 10 < odd:
            return "utf-16-le", "UTF-16LE"
        if even > len(head) // 5 and odd * 10 < even:
            return "utf-16-be", "UTF-16BE"
        raise SourceError(_("{file} is not a CSV or Excel file (binary data)").format(file=display))
    if _fits(head, "utf-8"):
        return "utf-8", "UTF-8"
    gb = _fits(head, "gbk")
    big5 = next((c for c in ("cp950", "big5hkscs") if _fits(head, c)), None)
    if gb and big5:
        # Both double-byte families decode these bytes (Big5's byte ranges sit inside GBK's):
        # charset-normalizer judges which reading is language and which is noise.
        best = _normalizer(head, ["gb18030", big5])
        if best is not None:
            return ("gb18030", "GBK") if best in ("gb18030", "gbk", "gb2312") else (big5, _LABELS[big5])
    if gb:
        # GBK text is read with the GB18030 codec: a superset, so rarer characters
        # further down the file still decode.
        return "gb18030", "GBK"
    if big5:
        return big5, _LABELS[big5]
    if _fits(head, "gb18030"):
        return "gb18030", "GB18030"
    best = _normalizer(head)
    if best is None:
        tried = ", ".join(["UTF-8", "GBK", *_LABELS.values(), "GB18030", "charset-normalizer"])
        raise SourceError(_("{file} is not text in any encoding tried ({tried}); give --encoding (e.g. --encoding big5hkscs)").format(
            file=display, tried=tried))
    return best, best


_LABELS = {"cp950": "Big5 (cp950)", "big5hkscs": "Big5-HKSCS"}


def _fits(head: bytes, codec: str) -> bool:
    """Does HEAD decode as CODEC into plausible text (no control or unassigned characters)?"""
    try:
        text = _decode_sample(head, codec)
    except UnicodeDecodeError:
        return False
    return _bad_chars(text) <= max(2, len(text[:20000]) // 200)


def _normalizer(head: bytes, only: list[str] | None = None) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(head[:65536], cp_isolation=only).best()
    return None if best is None else best.encoding


def _decode_sample(head: bytes, codec: str) -> str:
    # The sample may end inside a multi-byte character: decode without finishing.
    return codecs.getincrementaldecoder(codec)(errors="strict").decode(head, final=False)


def _csv_error(e: Exception) -> str:
    """The csv module's complaint in the reader's language (its text is English)."""
    text = str(e)
    if "new-line character seen in unquoted field" in text:
        return _("a line break inside an unquoted cell")
    if "NUL" in text:
        return _("a NUL byte (binary data)")
    if "expected after" in text:
        return _("a quote in the middle of a quoted cell")
    return text


def _bad_chars(text: str) -> int:
    return sum(1 for c in text[:20000] if unicodedata.category(c) in ("Cc", "Co", "Cn") and c not in "\t\r\n")


def _check_text(text: str, display: str) -> None:
    if _bad_chars(text) > max(2, len(text[:20000]) // 200):
        raise SourceError(_("{file} is not a CSV or Excel file (binary data)").format(file=display))


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first records into the most rows of one width."""
    lines = text.splitlines(keepends=True)
    if len(text) >= SAMPLE - 8 and len(lines) > 1:
        lines = lines[:-1]  # the sample cut the last line short
    sample = "".join(lines[:200])
    best, best_score = ",", (0, 0)
    for delim in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        widths: dict[int, int] = {}
        for r in rows[:60]:
            widths[len(r)] = widths.get(len(r), 0) + 1
        wide = {w: n for w, n in widths.items() if w > 1}
        if not wide:
            continue
        width, count = max(wide.items(), key=lambda kv: (kv[1], kv[0]))
        score = (count, width)
        if score > best_score:
            best, best_score = delim, score
    return best


_DELIM_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


def json_sheet(src: Source) -> Sheet:
    """A JSON array of objects or JSON lines (one object a line): the first object's keys
    are the header row, each object one row (numbered from 2, the header being 1)."""
    import json

    assert src.encoding is not None
    try:
        with open(src.path, encoding=src.encoding) as fh:
            text = fh.read()
    except UnicodeDecodeError as e:  # the sample decoded; further on (or its last bytes) did not
        raise SourceError(_("{file} is not {encoding} text (byte {byte}); give --encoding").format(
            file=src.display, encoding=src.encoding_label, byte=e.start)) from None
    try:
        if text.lstrip()[:1] == "[":
            records = json.loads(text)
            if not isinstance(records, list):
                raise SourceError(_("{file}: a JSON array of objects was expected").format(file=src.display))
            numbered = list(enumerate(records, start=2))
        else:
            numbered = [(n, json.loads(line)) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    except json.JSONDecodeError as e:
        raise SourceError(_("{file} is not valid JSON: {error} at line {line} column {column}").format(
            file=src.display, error=e.msg, line=e.lineno, column=e.colno)) from None
    not_object = _("{file} record {n}: an object {{\"field\": value, …}} was expected")
    head: list[str] = []
    for n, rec in numbered:
        if not isinstance(rec, dict):
            raise SourceError(not_object.format(file=src.display, n=n))
        head = list(rec)
        break

    def rows() -> Iterator[tuple[int, list[Any]]]:
        if head:
            yield 1, list(head)
        wanted = set(head)
        for n, rec in numbered:
            if not isinstance(rec, dict):
                raise SourceError(not_object.format(file=src.display, n=n))
            extra = [k for k in rec if k not in wanted]
            if extra:
                raise SourceError(_("{file} record {n}: field '{field}' is not in the first record").format(
                    file=src.display, n=n, field=extra[0]))
            cells = [rec.get(k) for k in head]
            for k, v in zip(head, cells, strict=True):
                if isinstance(v, dict | list):
                    raise SourceError(_("{file} record {n}: field '{field}' holds a nested {kind}").format(
                        file=src.display, n=n, field=k, kind=type(v).__name__))
            yield n, ["" if v is None else v for v in cells]

    return Sheet(Path(src.display).stem if src.display != "stdin" else "stdin", rows(), len(numbered),
                 None, {"encoding": src.encoding_label})


def csv_sheet(src: Source) -> Sheet:
    assert src.encoding is not None and src.delimiter is not None
    raw = open(src.path, "rb")  # noqa: SIM115 - closed when the row iterator ends
    text = io.TextIOWrapper(raw, encoding=src.encoding, newline="", errors="strict")
    total = os.path.getsize(src.path)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        old_limit = csv.field_size_limit()
        csv.field_size_limit(_CSV_FIELD_LIMIT)
        pending = [0]  # characters read since the last complete record (limits.MAX_RECORD)
        reader = csv.reader(limits.bounded_lines(text, src.display, pending), delimiter=src.delimiter or ",")
        last = 0
        try:
            for row in reader:
                pending[0] = 0
                start, last = last + 1, reader.line_num
                if any(row) and ((row[0] and not row[0].isspace()) or any(c.strip() for c in row)):
                    yield start, row
        except csv.Error as e:
            if "field larger" in str(e):
                raise SourceError(_("{file} line {line}: a cell longer than {limit} characters (an unclosed quote?)").format(
                    file=src.display, line=last + 1, limit=f"{_CSV_FIELD_LIMIT:,}")) from None
            raise SourceError(_("{file} line {line}: {error}").format(file=src.display, line=last + 1, error=_csv_error(e))) from None
        except UnicodeDecodeError:
            raise SourceError(_("{file} near line {line} is not {encoding} text; give --encoding").format(
                file=src.display, line=last + 1, encoding=src.encoding_label)) from None
        finally:
            csv.field_size_limit(old_limit)
            text.close()

    return Sheet(Path(src.display).stem if src.display != "stdin" else "stdin", rows(), total, raw.tell,
                 {"encoding": src.encoding_label, "delimiter": _DELIM_NAMES.get(src.delimiter or ",", src.delimiter or ",")})


# ---------------------------------------------------------------------------- workbooks

def workbook_sheets(src: Source, wanted: str | None = None) -> list[Sheet]:
    """Every sheet of a workbook (or only WANTED), read with python-calamine."""
    from python_calamine import CalamineWorkbook

    scanned = limits.check_workbook(src.path, src.display)  # a crafted file must not reach calamine (limits)
    try:
        wb = CalamineWorkbook.from_path(str(src.path))
        names = list(wb.sheet_names)
    except BaseException as e:  # calamine raises its own error types for zip/xml damage
        e = _reader_error(e)
        raise SourceError(_("{file} is not a readable Excel workbook (truncated or damaged?): {error}").format(
            file=src.display, error=str(e).splitlines()[0] if str(e) else type(e).__name__)) from None
    if wanted is not None:
        match = [n for n in names if n == wanted] or [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
        if not match:
            raise SourceError(_("no sheet '{sheet}' in {file}; sheets: {sheets}").format(sheet=wanted, file=src.display,
                                                                                       sheets=", ".join(names)))
        names = match[:1]
    if src.path.suffix.lower() in (".xlsx", ".xlsm") or src.kind == "workbook":
        from crmcli.importer.formulas import check_formulas

        check_formulas(src.path, src.display, names, scanned)
    sheets = []
    for name in names:
        try:
            ws = wb.get_sheet_by_name(name)
            height = ws.height
            first = ws.start[0] if ws.start else 0
        except BaseException as e:
            e = _reader_error(e)
            raise SourceError(_("{file} sheet '{sheet}' cannot be read: {error}").format(file=src.display, sheet=name, error=e)) from None
        sheets.append(_workbook_sheet(src, name, ws, first, height))
    return sheets


def _workbook_sheet(src: Source, name: str, ws: Any, first: int, height: int) -> Sheet:
    done = [0]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            it = ws.iter_rows()
        except BaseException as e:
            e = _reader_error(e)
            raise SourceError(_("{file} sheet '{sheet}' cannot be read: {error}").format(file=src.display, sheet=name, error=e)) from None
        for i, row in enumerate(it):
            done[0] = i
            # Empty cells stay "" (as in CSV): whole text columns then take the converters' fast path.
            if not any(row):
                continue
            lead = row[0]
            if not (lead if type(lead) is not str else lead.strip()) and \
                    not any(c.strip() if type(c) is str else True for c in row if c):
                continue  # only blank text
            yield first + i + 1, row

    return Sheet(name, rows(), height, lambda: done[0], {"format": src.path.suffix.lstrip(".").lower() or "xlsx"})


_FORMULA = re.compile(r"=\s*(?:[A-Za-z_][A-Za-z0-9_.]*\s*\(|\$?[A-Za-z]{1,3}\$?\d+|[-+]?\d)")


def looks_like_formula(value: str) -> bool:
    return value[:1] == "=" and _FORMULA.match(value) is not None
