"""Export of a list view — exactly its rows and columns — to CSV (UTF-8 with BOM) or XLSX.

Rows are read in keyset batches so memory stays flat. A CSV cell that a spreadsheet would
run as a formula gets a leading apostrophe; numbers and phone numbers ("-1", "+86 138 2222
3333") stay as typed. A workbook holds numbers and amounts as numbers, dates as dates, and
text as text cells, marked (not changed) so that editing one never turns it into a formula;
its header row is frozen and its columns are as wide as their contents. Its cells lose the
control characters a worksheet cannot hold.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import itertools
import re
import tempfile
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst

from crm.core import lines as line_items
from crm.core import lists, masking, money, paging

BATCH = 2000
CHUNK = 64 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A sign before digits only (spaces, separators, brackets between them) is a number or a
# phone number; it cannot call a function, name a cell or reach another program.
_SIGNED_NUMBER = re.compile(r"[+-][\d\s.,()\-]*\d[\d\s.,()\-]*")
# The control characters XML 1.0, and so a worksheet, cannot hold (openpyxl refuses them).
_NOT_IN_WORKSHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
NUMBER_FORMAT = "#,##0.########"
WIDTH_ROWS = 200  # the rows a workbook's column widths are measured on
MAX_WIDTH = 60
_TYPED_KINDS = ("number", "money", "date", "datetime")


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would take `text` for a formula (or a command) when it reads
    a CSV file or the user edits the cell: "=...", "@...", a tab or return first, or a sign
    before anything other than a plain number."""
    return text.startswith(FORMULA_START) and _SIGNED_NUMBER.fullmatch(text) is None


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as typed, never evaluates (a CSV cell)."""
    return f"'{text}" if starts_formula(text) else text


def workbook_text(text: str) -> str:
    """A cell's text as a worksheet can hold it: control characters replaced."""
    return _NOT_IN_WORKSHEET.sub("\ufffd", text)


def line_headers(object_type) -> list[str]:
    """The headers of a document's line columns: "Line·Product" (the importer reads them)."""
    spec = object_type.lines
    label = capfirst(str(spec.model._meta.verbose_name))
    return [
        f"{label}·{capfirst(str(spec.model._meta.get_field(name).verbose_name))}"
        for name in line_items.shown_fields(spec)
    ]


def _line_cells(object_type, ids: list[int], *, typed: bool) -> dict[int, list[list[Any]]]:
    """The line cells of a page of documents, in one query: {document id: [cells ...]};
    numbers as numbers if `typed`."""
    spec = object_type.lines
    names = line_items.shown_fields(spec)
    parent = f"{spec.parent}_id"
    found: dict[int, list[list[Any]]] = {}
    rows = spec.model._default_manager.filter(**{f"{parent}__in": ids})
    for row in rows.order_by(parent, "position", "id").values_list(parent, *names):
        found.setdefault(row[0], []).append(
            [
                v if typed and isinstance(v, decimal.Decimal | int) else lists.display("text", v)
                for v in row[1:]
            ]
        )
    return found


def _typed(column, kind: str, raw: dict, text: str) -> Any:
    """A cell's value for a workbook: a number, an amount (money.Money), a date or a naive
    local time for those kinds of column, else the text shown."""
    name = column.name
    if not text:
        return text
    if kind == "money" and not name.startswith("cf."):
        amount, currency = column.money_fields
        return money.Money(raw[amount], raw[currency])
    value = (
        (raw.get("custom_field_data") or {}).get(name[3:])
        if name.startswith("cf.")
        else raw.get(name)
    )
    try:
        if kind == "money":
            return money.Money(decimal.Decimal(str(value)), money.company_currency())
        if kind == "number":
            return decimal.Decimal(str(value))
        if kind == "date":
            return datetime.date.fromisoformat(value) if isinstance(value, str) else value
        if kind == "datetime":
            moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
            return timezone.localtime(moment).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, TypeError, decimal.InvalidOperation):
        return text  # a stored value of another shape (a field whose type changed)
    return text


def rows(
    object_type, queryset, query: lists.ListQuery, *, with_lines: bool = False, typed: bool = False
) -> Iterator[list[Any]]:
    """The header, then each row's display texts, batch by batch (as shown: each writer
    makes them safe for its format). `with_lines`: one row per line of a document (its
    own cells repeated), a document without lines in one row. `typed`: numbers, amounts
    and dates as values (`_typed`), masked ones as shown."""
    with_lines = with_lines and object_type.lines is not None
    header = [str(c.label) for c in query.columns]
    yield header + line_headers(object_type) if with_lines else header
    fields = lists.value_fields(query.columns)
    if with_lines and "id" not in fields:
        fields = [*fields, "id"]
    hidden = masking.for_data(object_type, query.user)
    kinds = [
        c.kind if typed and c.kind in _TYPED_KINDS and c.name not in hidden else ""
        for c in query.columns
    ]
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
            hidden=hidden,
            links=False,
        )
        ids = [r["id"] for r in page.rows]
        lines_of = _line_cells(object_type, ids, typed=typed) if with_lines else {}
        for raw, row in zip(page.rows, formatter.rows(page.rows), strict=True):
            shown = zip(query.columns, kinds, row["cells"], strict=True)
            cells = [_typed(c, kind, raw, text) if kind else text for c, kind, (text, _) in shown]
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


def write_workbook(title: str, lines: Iterator[list[Any]], target) -> None:
    """A workbook of the rows, the first the frozen header, written as they come (the
    columns as wide as the first rows need); `target`: a path or a file."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    first = [row for _, row in zip(range(WIDTH_ROWS), lines, strict=False)]
    widths: dict[int, int] = {}
    for row in first:
        for index, value in enumerate(row, start=1):
            widths[index] = max(widths.get(index, 0), _width(value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    for row in itertools.chain(first, lines):
        sheet.append([workbook_cell(sheet, value) for value in row])
    workbook.save(target)


def _width(value: Any) -> int:
    """About how many characters wide a value shows (a Chinese character counts two)."""
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = money.to_text(value) if isinstance(value, money.Money) else str(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def workbook_cell(sheet, value: Any):
    """A worksheet cell for a value: a number, an amount with its currency's format, a
    date, or text (a text cell, quote-prefixed when editing it would make a formula)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, money.Money):
        digits, symbol = money.CURRENCIES[value.currency]
        cell = WriteOnlyCell(sheet, value=value.amount)
        places = f".{'0' * digits}" if digits else ""
        cell.number_format = f'"{symbol}"#,##0{places};-"{symbol}"#,##0{places}'
        return cell
    if isinstance(value, decimal.Decimal | int | float) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        is_time = isinstance(value, datetime.datetime)
        cell.number_format = DATETIME_FORMAT if is_time else DATE_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=workbook_text(str(value)))
    cell.data_type = "s"  # never a formula, whatever it starts with
    cell.quotePrefix = starts_formula(cell.value)
    return cell


def write_xlsx(object_type, lines: Iterator[list[Any]], target) -> None:
    """The list's workbook (`target`: a path or a file)."""
    write_workbook(str(object_type.label_plural), lines, target)


def response(object_type, queryset, query: lists.ListQuery, fmt: str, *, with_lines: bool = False):
    """A download of the list in `fmt` ("csv" or "xlsx"), one row per line if asked."""
    lines = rows(object_type, queryset, query, with_lines=with_lines, typed=fmt == "xlsx")
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
    workbook = str(path).lower().endswith(".xlsx")

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows(object_type, queryset, query, typed=workbook):
            count += 1
            yield row

    if workbook:
        write_xlsx(object_type, counted(), path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for chunk in csv_chunks(counted()):
                handle.write(chunk)
    return count - 1
