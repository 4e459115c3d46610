"""Exported lists open in a spreadsheet as the text the user sees, never as formulas."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType

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
    assert [(c.value, c.data_type) for c in header] == [
        ("Customer name", "s"),
        (f"'{FORMULA}", "s"),
    ]
    assert [(c.value, c.data_type) for c in row] == [("'=1+2", "s"), ("'-3", "s")]
    assert csv_rows(export(client, "csv", ["name", "cf.bait"])) == [
        ["Customer name", f"'{FORMULA}"],
        ["'=1+2", "'-3"],
    ]
