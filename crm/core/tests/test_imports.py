"""Import: upload, mapping, duplicates, errors, permissions, the job and its report."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.core import jobs, registry
from crm.core.imports import services as imports
from crm.core.models import Job, JobStatus, ObjectChange
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def csv_file(rows: list[list[str]], *, encoding: str = "utf-8", name: str = "customers.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def run(user, upload, type_key="customer", **settings) -> Job:
    """Upload, configure (the suggested mapping unless given), start and run an import."""
    object_type = registry.get(type_key)
    job = imports.upload(user, object_type, upload)
    params = {**job.params, **settings}
    imports.configure(job, user, params["columns"], params["on_duplicate"], params["match"])
    imports.start(job, user)
    jobs.run(job.pk)  # what the consumer does once the start commits
    job.refresh_from_db()
    return job


def test_a_new_customer_file_is_imported_with_change_log(alice):
    upload = csv_file(
        [
            ["客户名称", "电话", "状态", "邮箱"],
            ["华东精密机械有限公司", "021-55501234", "正式", "sales@hdjm.cn"],
            ["Acme Trading", "13800138000", "Potential", ""],
        ]
    )
    job = run(alice, upload)
    assert job.status == JobStatus.DONE, job.message
    assert job.summary == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    first = Customer.objects.get(name="华东精密机械有限公司")
    assert first.status == "formal"
    assert first.owner == alice
    assert first.mnemonic_code == "HDJMJXYXGS"
    assert ObjectChange.objects.filter(object_id=first.pk, action="create").count() == 1
