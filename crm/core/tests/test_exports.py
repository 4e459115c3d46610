"""Exported lists open in a spreadsheet as the text the user sees, never as formulas."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.core.exports import safe_cell
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField, FieldType

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","点我")'


def export(client, fmt: str, columns: list[str]) -> bytes:
    response = client.get("/customers/export/", {"format": fmt, "col": columns})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_cells(data: bytes) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()]


def test_control_characters_in_a_record_are_replaced_in_the_workbook(alice, client_for):
    make_customer(alice, name="华东\u000b精密\u001b机械")
    client = client_for(alice)

    cells = xlsx_cells(export(client, "xlsx", ["name"]))
    assert [[c.value for c in row] for row in cells] == [
        ["Customer name"],
        ["华东\ufffd精密\ufffd机械"],
    ]
    assert csv_rows(export(client, "csv", ["name"])) == [
        ["Customer name"],
        ["华东\u000b精密\u001b机械"],
    ]


@pytest.fixture
def formula_field(db):
    return CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="bait",
        label_zh=FORMULA,
        label_en=FORMULA,
        field_type=FieldType.TEXT,
        show_in_list=True,
    )


def test_a_custom_field_label_that_looks_like_a_formula_is_exported_as_text(
    alice, client_for, formula_field
):
    make_customer(alice, name="=1+2", custom_field_data={"bait": "-3"})
    client = client_for(alice)

    header, row = xlsx_cells(export(client, "xlsx", ["name", "cf.bait"]))
    # Text cells hold what was typed; the quote prefix keeps an edit from making a formula.
    assert [(c.value, c.data_type, c.quotePrefix) for c in header] == [
        ("Customer name", "s", False),
        (FORMULA, "s", True),
    ]
    assert [(c.value, c.data_type, c.quotePrefix) for c in row] == [
        ("=1+2", "s", True),
        ("-3", "s", False),
    ]
    assert csv_rows(export(client, "csv", ["name", "cf.bait"])) == [
        ["Customer name", f"'{FORMULA}"],
        ["'=1+2", "-3"],
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("-1", "-1"),
        ("+86 138 2222 3333", "+86 138 2222 3333"),
        ("-1,234.50", "-1,234.50"),
        ("=1+2", "'=1+2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ('+HYPERLINK("http://evil.example")', '\'+HYPERLINK("http://evil.example")'),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-", "'-"),
        ("\t=1", "'\t=1"),
        ("华东 -1", "华东 -1"),
    ],
)
def test_a_csv_cell_is_neutralised_only_where_it_would_start_a_formula(text, shown):
    assert safe_cell(text) == shown


@pytest.fixture
def typed_fields(db):
    content_type = ContentType.objects.get_for_model(Customer)
    for name, kind in (
        ("budget", FieldType.MONEY),
        ("staff", FieldType.INTEGER),
        ("founded", FieldType.DATE),
    ):
        CustomField.objects.create(
            content_type=content_type,
            name=name,
            label_zh=name,
            label_en=name.title(),
            field_type=kind,
            show_in_list=True,
        )


def test_a_workbook_holds_numbers_amounts_and_dates_as_such(alice, client_for, typed_fields):
    data = {"budget": "1234.50", "staff": 12, "founded": "2020-03-01"}
    make_customer(alice, name="华东精密机械有限公司", custom_field_data=data)
    make_customer(alice, name="Acme", custom_field_data={**data, "budget": "100.00"})
    columns = ["name", "cf.budget", "cf.staff", "cf.founded", "created_at"]

    workbook = openpyxl.load_workbook(io.BytesIO(export(client_for(alice), "xlsx", columns)))
    sheet = workbook.active
    header, *rows = list(sheet.iter_rows())
    assert [c.value for c in header] == [
        "Customer name",
        "Budget",
        "Staff",
        "Founded",
        "Created at",
    ]
    assert sorted(row[1].value for row in rows) == [100, 1234.5]  # a SUM adds them
    assert {row[1].number_format for row in rows} == {'"¥"#,##0.00;-"¥"#,##0.00'}
    assert [row[2].value for row in rows] == [12, 12]
    assert all(row[3].is_date and row[3].value.date().isoformat() == "2020-03-01" for row in rows)
    assert {row[3].number_format for row in rows} == {"yyyy-mm-dd"}
    assert all(row[4].is_date for row in rows)
    assert sheet.freeze_panes == "A2"
    # Columns as wide as their contents: the Chinese name's wider than "Staff".
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["C"].width >= 7


def test_a_documents_amount_and_line_numbers_are_numbers_in_the_workbook(alice, client_for):
    from crm.core.tests.test_document_rules import TWO_LINES, _document

    _document(alice, TWO_LINES, name="有明细", number="D-1", amount=Decimal("1234.5"))
    url = reverse("sample:sampledocument_export")
    response = client_for(alice).get(
        url, {"format": "xlsx", "lines": "1", "col": ["name", "amount", "updated_at"]}
    )
    header, *rows = xlsx_cells(b"".join(response.streaming_content))
    assert [c.value for c in header][:3] == ["Name", "Amount", "Updated at"]
    assert [row[1].value for row in rows] == [1234.5, 1234.5]  # the document's, per line
    assert [[c.value for c in row[-3:]] for row in rows] == [[1.5, 2.67, 4.01], [10, 0.2, 2]]
    assert rows[0][2].is_date
