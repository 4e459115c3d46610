"""Imports of the old Excel format (.xls), written here by xlwt as older systems write it."""

from __future__ import annotations

import datetime
import io

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.core.imports.files import open_sheet
from crm.core.models import Job, JobStatus
from crm.customers.models import Customer

ROWS = [
    ["客户名称", "电话", "状态"],
    ["华东精密机械有限公司", 13800138000, "正式"],
    ["金蝶软件", "0755-86072000", "Unknown"],
]


def xls_bytes(rows, *, first_sheet=None) -> bytes:
    workbook = xlwt.Workbook(encoding="utf-8")
    if first_sheet is not None:
        workbook.add_sheet("说明").write(0, 0, first_sheet)
    sheet = workbook.add_sheet("客户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
            else:
                sheet.write(r, c, value)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def test_an_xls_sheet_reads_numbers_without_decimals_and_dates_as_dates(tmp_path):
    path = tmp_path / "客户.xls"
    path.write_bytes(
        xls_bytes([["名称", "数量", "日期"], ["星海", 12.0, datetime.date(2024, 3, 5)]])
    )
    sheet = open_sheet(path)
    assert sheet.kind == "excel"
    assert sheet.headers == ["名称", "数量", "日期"]
    assert list(sheet.rows()) == [(2, ["星海", "12", "2024-03-05"])]
    assert sheet.count() == 1


@pytest.mark.django_db
def test_an_xls_file_imports_through_the_wizard(
    alice, client_for, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    upload = SimpleUploadedFile(
        "客户.xls", xls_bytes(ROWS), content_type="application/vnd.ms-excel"
    )
    assert client.post("/customers/import/", {"file": upload}).status_code == 302
    job = Job.objects.latest("pk")
    assert job.params["columns"] == ["name", "phone", "status"]
    posted = {f"column_{i}": key for i, key in enumerate(job.params["columns"])}
    posted.update(on_duplicate="create", match="")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/start/", posted)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.summary["created"] == 1 and job.summary["failed"] == 1
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.owner) == (
        "华东精密机械有限公司",
        "13800138000",
        alice,
    )


def test_only_the_first_sheet_of_an_xls_workbook_is_read(tmp_path):
    path = tmp_path / "two.xls"
    path.write_bytes(xls_bytes(ROWS, first_sheet="只读第一页"))
    sheet = open_sheet(path)
    assert sheet.headers == ["只读第一页"] and list(sheet.rows()) == []
