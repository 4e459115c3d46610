"""Export of a list view — exactly its rows and columns — to CSV (UTF-8 with BOM) or XLSX.

Rows are read in keyset batches so memory stays flat; cell text that a spreadsheet would
run as a formula is neutralised, headers included, and a workbook's cells lose the control
characters a worksheet cannot hold.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from crm.core import lists, masking, paging

BATCH = 2000
CHUNK = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The control characters XML 1.0, and so a worksheet, cannot hold (openpyxl refuses them).
_NOT_IN_WORKSHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as typed, never evaluates."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def workbook_text(text: str) -> str:
    """A cell's text as a workbook can hold it: control characters replaced, never a formula."""
    return safe_cell(_NOT_IN_WORKSHEET.sub("\ufffd", text))


def rows(object_type, queryset, query: lists.ListQuery) -> Iterator[list[str]]:
    """The header, then each row's display texts, batch by batch (as shown: each writer
    makes them safe for its format)."""
    yield [str(c.label) for c in query.columns]
    fields = lists.value_fields(query.columns)
    cursor = None
    while True:
        page = paging.paginate(
            queryset, query.ordering, fields=fields, limit=BATCH, cursor=cursor, parts=query.parts
        )
        formatter = lists.Formatter(
            object_type,
            query.columns,
            page.rows,
            query.custom_fields,
            hidden=masking.for_data(object_type, query.user),
            links=False,
        )
        for row in formatter.rows(page.rows):
            yield [text for text, _ in row["cells"]]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filename(object_type, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{object_type.slug}-{stamp}.{extension}"


def csv_chunks(lines: Iterator[list[str]]) -> Iterator[str]:
    """CSV text (UTF-8 BOM first, for Excel, no formulas) in chunks of about 64 KB, not one
    per row."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff"]
    size = 0
    for row in lines:
        line = writer.writerow([safe_cell(text) for text in row])
        chunk.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(chunk)
            chunk, size = [], 0
    yield "".join(chunk)


def write_xlsx(object_type, lines: Iterator[list[str]], target) -> None:
    """A workbook of the rows, written as they come (`target`: a path or a file)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(object_type.label_plural)[:31])
    for row in lines:
        sheet.append([workbook_text(text) for text in row])
    workbook.save(target)


def response(object_type, queryset, query: lists.ListQuery, fmt: str):
    """A download of the list in `fmt` ("csv" or "xlsx")."""
    lines = rows(object_type, queryset, query)
    if fmt == "csv":
        result = StreamingHttpResponse(csv_chunks(lines), content_type="text/csv; charset=utf-8")
        result["Content-Disposition"] = f'attachment; filename="{_filename(object_type, "csv")}"'
        return result
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (the response closes it)
    write_xlsx(object_type, lines, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=_filename(object_type, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def write_file(object_type, user, path) -> int:
    """Write the list `user` sees (default columns and order) to a .csv or .xlsx file;
    returns the number of rows."""
    from django.http import QueryDict

    queryset, query = lists.build(object_type, user, QueryDict())
    count = 0

    def counted() -> Iterator[list[str]]:
        nonlocal count
        for row in rows(object_type, queryset, query):
            count += 1
            yield row

    if str(path).lower().endswith(".xlsx"):
        write_xlsx(object_type, counted(), path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for chunk in csv_chunks(counted()):
                handle.write(chunk)
    return count - 1
