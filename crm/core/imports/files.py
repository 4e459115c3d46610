"""Reading import files as rows of text, streamed, and writing the error workbook.

CSV in UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (which covers GBK and
GB2312: what Excel on a Chinese Windows saves); comma, tab or semicolon separated. Excel
workbooks (.xlsx, and .xls from older systems) are read with python-calamine, first sheet,
whole; an .xlsx larger than CRM_IMPORT_STREAM_BYTES is streamed row by row with openpyxl
instead (about 15 times slower, but memory stays flat).
The first row holds the headers; row numbers are the spreadsheet's (headers are row 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from crm.core.errors import ValidationFailed

SAMPLE = 1024 * 1024
GBK = "gb18030"  # covers GBK and GB2312
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # .xls
_ZIP_RATIO = 1000  # a sheet's XML compresses well, but not a thousandfold
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')  # a sheet row's element in a workbook's XML
_ZIP_MEMBERS = 10_000  # a workbook is a few dozen parts, one per sheet and a few more
MAX_COLUMNS = 500  # far more than any record type has fields, custom ones included
# What reading a damaged or hostile zip's directory raises (NotImplementedError: a zip
# version or compression method Python does not know).
_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError)


def file_error(message: str) -> ValidationFailed:
    """A file that cannot be imported; the message is also the error's text (a job's report)."""
    return ValidationFailed({"file": [message]}, message)


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SAMPLE)


def check_file(path: Path) -> str:
    """The file's kind ("csv" or "excel") after the size and zip-bomb checks."""
    size = os.path.getsize(path)
    limit = settings.CRM_IMPORT_MAX_BYTES
    if size > limit:
        raise file_error(_("The file is larger than %(mb)d MB.") % {"mb": limit // 2**20})
    if size == 0:
        raise file_error(_("The file is empty."))
    head = _head(path)
    if head.startswith(_OLE):
        return "excel"
    if not head.startswith(_ZIP):
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise file_error(_("This is neither a CSV file nor an Excel workbook."))
        return "csv"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise file_error(_("The workbook is damaged and cannot be read.")) from exc
    unpacked = sum(info.file_size for info in members)
    too_big = unpacked > settings.CRM_IMPORT_MAX_UNZIPPED_BYTES or unpacked > size * _ZIP_RATIO
    if too_big or len(members) > _ZIP_MEMBERS:
        raise file_error(_("The workbook unpacks to more data than an import may hold."))
    return "excel"


def detect_encoding(head: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE)
    except UnicodeDecodeError:
        return GBK
    return "utf-8"


def first_bad_line(path: Path, encoding: str) -> int | None:
    """The number of the first line that does not decode, None if all of the file does
    (a decoding error itself does not tell: text files decode in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(SAMPLE)
            try:
                line += decoder.decode(chunk, final=not chunk).count("\n")
            except UnicodeDecodeError as exc:
                good = chunk[: exc.start].decode(encoding, errors="replace")
                return line + good.count("\n")
            if not chunk:
                return None


def _not_text(encoding: str, line: int) -> ValidationFailed:
    return file_error(
        _("Line %(line)d of the file is not valid %(encoding)s text.")
        % {"encoding": encoding.upper(), "line": line}
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text an import converts (numbers without a stray .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        text = value.isoformat(sep=" ")
        return text[:-9] if text.endswith(" 00:00:00") else text
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _unique_headers(cells: list[str]) -> list[str]:
    """The header cells as distinct names: a blank one is "Column N", a repeated one
    "name (2)", "name (3)" ..., passing over names the file already has."""
    headers: list[str] = []
    taken: set[str] = set()
    # The next number to try for each repeated name: each is tried once, not from 2 again.
    next_number: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        name = base = cell.strip() or _("Column %(n)d") % {"n": index}
        n = next_number.get(base, 2)
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        next_number[base] = n
        taken.add(name)
        headers.append(name)
    return headers


@dataclass
class Sheet:
    """An import file opened for reading: its headers, then its rows, streamed."""

    path: Path
    kind: str

    def __post_init__(self) -> None:
        self.encoding = ""
        self._sheet = None
        self.streamed = (
            self.kind == "excel"
            and _head(self.path).startswith(_ZIP)
            and os.path.getsize(self.path) > settings.CRM_IMPORT_STREAM_BYTES
        )
        self.first_row = 1  # the spreadsheet row number of the header row
        if self.kind == "csv":
            self._check_text()
        header = next(self._raw_rows(), None)
        if header is None or not any(c.strip() for c in header):
            raise file_error(_("The file has no header row."))
        while header and not header[-1].strip():
            header.pop()
        if len(header) > MAX_COLUMNS:
            raise file_error(
                _("The file has %(count)d columns; an import takes at most %(limit)d.")
                % {"count": len(header), "limit": MAX_COLUMNS}
            )
        self.headers = _unique_headers(header)

    def _check_text(self) -> None:
        """All of a text file decodes, checked before any row is imported (a bad byte at
        its end would otherwise stop the import half done)."""
        self.encoding = detect_encoding(_head(self.path))
        line = first_bad_line(self.path, self.encoding)
        # Plain ASCII at the start, Chinese in GBK further on: a sample cannot tell.
        if line is not None and self.encoding == "utf-8" and not first_bad_line(self.path, GBK):
            self.encoding, line = GBK, None
        if line is not None:
            raise _not_text(self.encoding, line)

    def _raw_rows(self) -> Iterator[list[str]]:
        """The rows from the header on; blank rows above it are passed over."""
        if self.kind == "csv":
            rows = self._csv_rows()
        elif self.streamed:
            rows = self._streamed_rows()
        else:
            rows = self._excel_rows()
        started = False
        for number, row in enumerate(rows, start=1):
            if not started and not any(c.strip() for c in row):
                continue
            if not started:
                started, self.first_row = True, number
            yield row

    def _csv_rows(self) -> Iterator[list[str]]:
        if not self.encoding:
            self.encoding = detect_encoding(_head(self.path))
        reader = None
        try:
            with open(self.path, encoding=self.encoding, newline="") as handle:
                delimiter = _delimiter(handle.readline())
                handle.seek(0)
                # NUL characters (UTF-16 junk, binary tails) go: PostgreSQL text cannot hold them.
                lines = (line.replace("\x00", "") for line in handle)
                reader = csv.reader(lines, delimiter=delimiter)
                yield from reader
        except UnicodeDecodeError as exc:
            line = first_bad_line(self.path, self.encoding) or (reader.line_num if reader else 1)
            raise _not_text(self.encoding, line) from exc
        except csv.Error as exc:
            raise file_error(
                _("Row %(row)d cannot be read as CSV: %(error)s")
                % {"row": reader.line_num if reader else 1, "error": exc}
            ) from exc

    def _excel_sheet(self):
        """The workbook's first sheet, read once (calamine reads a sheet whole)."""
        from python_calamine import CalamineWorkbook

        if self._sheet is None:
            self._sheet = CalamineWorkbook.from_path(str(self.path)).get_sheet_by_index(0)
        return self._sheet

    def _excel_rows(self) -> Iterator[list[str]]:
        from python_calamine import CalamineError

        try:
            for row in self._excel_sheet().iter_rows():
                yield [cell_text(c) for c in row]
        except (CalamineError, ValueError, OSError) as exc:
            raise file_error(_("The workbook cannot be read: %(error)s") % {"error": exc}) from exc

    def _streamed_rows(self) -> Iterator[list[str]]:
        """A large .xlsx row by row (openpyxl, read-only)."""
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
            try:
                for row in workbook.worksheets[0].iter_rows(values_only=True):
                    yield [cell_text(c) for c in row]
            finally:
                workbook.close()
        except Exception as exc:  # a damaged workbook, whatever the part that fails
            raise file_error(_("The workbook cannot be read: %(error)s") % {"error": exc}) from exc

    def _streamed_last_row(self) -> int:
        """The number of a streamed workbook's last row, read from its sheet's XML (each
        `<row r="N">`) without parsing a cell."""
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True)
        sheet_path = workbook.worksheets[0]._worksheet_path  # the first sheet's zip member
        workbook.close()
        last = 0
        with zipfile.ZipFile(self.path) as archive, archive.open(sheet_path) as xml:
            tail = b""
            while block := xml.read(1 << 20):
                text = tail + block
                numbers = _ROW_NUMBER.findall(text)
                last = int(numbers[-1]) if numbers else last
                tail = text[-32:]
        return last

    def rows(self, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of each data row after the first `skip`, padded to the
        headers; blank rows are passed over but keep their numbers."""
        width = len(self.headers)
        for index, row in enumerate(self._raw_rows()):
            if index <= skip:  # the header row, then the rows already done
                continue
            cells = [c.strip() for c in row[:width]]
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            yield self.first_row + index, cells

    def count(self) -> int:
        """How many data rows the file has (blank ones included)."""
        if self.streamed:
            return max(self._streamed_last_row() - self.first_row, 0)
        if self.kind == "excel":
            sheet = self._excel_sheet()
            last = (sheet.start[0] if sheet.start else 0) + sheet.height
            return max(last - self.first_row, 0)
        return sum(1 for _ in self._raw_rows()) - 1


def open_sheet(path: Path | str) -> Sheet:
    path = Path(path)
    return Sheet(path, check_file(path))


def write_error_workbook(sheet: Sheet, errors: Iterator[tuple[int, str]], target) -> int:
    """Write the rows named in `errors` ((row number, message), in row order) with their
    cells as typed and an error column to `target` (a path or a file). Returns the count."""
    # Here, not above: reading a file needs neither openpyxl nor Django's settings.
    from crm.core.exports import write_workbook

    written = 0

    def failed_rows() -> Iterator[list]:
        nonlocal written
        yield [*sheet.headers, _("Errors"), _("Row")]
        pending = next(errors, None)
        for number, cells in sheet.rows():
            while pending is not None and pending[0] < number:
                pending = next(errors, None)  # a row reported twice, or not in the file
            if pending is None:
                return
            if number == pending[0]:
                yield [*cells, pending[1], number]
                written += 1
                pending = next(errors, None)

    write_workbook(_("Rows not imported"), failed_rows(), target)
    return written
