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
from django.utils.text import capfirst

from crm.core import lines as line_items
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


def line_headers(object_type) -> list[str]:
    """The headers of a document's line columns: "Line·Product" (the importer reads them)."""
    spec = object_type.lines
    label = capfirst(str(spec.model._meta.verbose_name))
    return [
        f"{label}·{capfirst(str(spec.model._meta.get_field(name).verbose_name))}"
        for name in line_items.shown_fields(spec)
    ]


def _line_cells(object_type, ids: list[int]) -> dict[int, list[list[str]]]:
    """The line cells of a page of documents, in one query: {document id: [cells ...]}."""
    spec = object_type.lines
    names = line_items.shown_fields(spec)
    parent = f"{spec.parent}_id"
    found: dict[int, list[list[str]]] = {}
    rows = spec.model._default_manager.filter(**{f"{parent}__in": ids})
    for row in rows.order_by(parent, "position", "id").values_list(parent, *names):
        found.setdefault(row[0], []).append([lists.display("text", v) for v in row[1:]])
    return found


def rows(
    object_type, queryset, query: lists.ListQuery, *, with_lines: bool = False
) -> Iterator[list[str]]:
    """The header, then each row's display texts, batch by batch (as shown: each writer
    makes them safe for its format). `with_lines`: one row per line of a document (its
    own cells repeated), a document without lines in one row."""
    with_lines = with_lines and object_type.lines is not None
    header = [str(c.label) for c in query.columns]
    yield header + line_headers(object_type) if with_lines else header
    fields = lists.value_fields(query.columns)
    if with_lines and "id" not in fields:
        fields = [*fields, "id"]
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
        lines_of = _line_cells(object_type, [r["id"] for r in page.rows]) if with_lines else {}
        for raw, row in zip(page.rows, formatter.rows(page.rows), strict=True):
            cells = [text for text, _ in row["cells"]]
            if not with_lines:
                yield cells
                continue
            blank = [""] * len(line_items.shown_fields(object_type.lines))
            for line in lines_of.get(raw["id"]) or [blank]:
                yield cells + line
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


def response(object_type, queryset, query: lists.ListQuery, fmt: str, *, with_lines: bool = False):
    """A download of the list in `fmt` ("csv" or "xlsx"), one row per line if asked."""
    lines = rows(object_type, queryset, query, with_lines=with_lines)
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
