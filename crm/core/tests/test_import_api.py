"""Imports through the API: start with one multipart POST, follow, read the failed rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from crm.core.models import Job
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db

CSV = (
    "客户名称,编号,状态\n"
    "甲方科技有限公司,API001,正式\n"
    ",API002,潜在\n"
    "乙方贸易有限公司,API003,不存在的状态\n"
)


def post_import(user, data: dict, django_capture_on_commit_callbacks):
    from crm.org.tokens import create_token

    _, token = create_token(user, "tests")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/", data)
    return client, response


def test_an_import_started_through_the_api_reports_each_failed_row(
    alice, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    with open(path, "rb") as handle:
        client, response = post_import(
            alice,
            {"type": "customers", "file": handle, "on_duplicate": "skip", "match": "number"},
            django_capture_on_commit_callbacks,
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["columns"] == {"客户名称": "name", "编号": "number", "状态": "status"}
    job_id = body["id"]
    followed = client.get(f"/api/v1/imports/{job_id}/").json()
    assert followed["status"] == "done"
    assert followed["summary"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 2,
    }
    assert followed["error_workbook"] == f"/imports/{job_id}/errors/"
    errors = client.get(f"/api/v1/imports/{job_id}/errors/").json()
    assert [e["row"] for e in errors] == [3, 4]
    assert Customer.objects.filter(number="API001", owner=alice).exists()
    assert client.get(f"/api/v1/imports/{job_id}/errors/?after=3").json()[0]["row"] == 4


def test_columns_can_be_overridden_and_bad_input_is_refused_with_nothing_started(
    alice, bob, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    refusals = (
        ({"columns": "[1, 2]"}, "columns"),
        ({"on_duplicate": "x"}, "on_duplicate"),
        ({"mapping": "没有这个方案"}, "mapping"),
    )
    for bad, field in refusals:
        with open(path, "rb") as handle:
            _, refused = post_import(
                alice,
                {"type": "customers", "file": handle, **bad},
                django_capture_on_commit_callbacks,
            )
        assert refused.status_code == 422
        assert field in refused.json()["fields"]
        assert not Job.objects.exists()
    assert not Customer.objects.exists()
    with open(path, "rb") as handle:
        client, response = post_import(
            alice,
            {
                "type": "customers",
                "file": handle,
                "on_duplicate": "create",
                "columns": json.dumps({"状态": ""}),
            },
            django_capture_on_commit_callbacks,
        )
    assert response.status_code == 201, response.content
    assert response.json()["columns"]["状态"] == ""
    job_id = response.json()["id"]
    assert client.get(f"/api/v1/imports/{job_id}/").json()["summary"]["created"] == 2
    assert Customer.objects.filter(status="potential").count() == 2
    # Another user's import is not found.
    _, other = post_import(bob, {"type": "nothing"}, django_capture_on_commit_callbacks)
    assert other.status_code == 422
    from crm.org.tokens import create_token

    _, token = create_token(bob, "tests")
    stranger = Client(headers={"Authorization": f"Bearer {token}"})
    for path in (f"/api/v1/imports/{job_id}/", f"/api/v1/imports/{job_id}/errors/"):
        assert stranger.get(path).status_code == 404
    assert stranger.post(f"/api/v1/imports/{job_id}/cancel/").status_code == 404
    assert not Job.objects.get(pk=job_id).cancel_requested
    assert stranger.get("/api/v1/imports/").json() == []


def test_uploads_never_started_are_forgotten_after_a_week(alice, tmp_path):
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from crm.core import registry
    from crm.core.imports import services

    def upload():
        data = SimpleUploadedFile("c.csv", CSV.encode(), content_type="text/csv")
        return services.upload(alice, registry.get("customer"), data)

    stale, fresh = upload(), upload()
    started = upload()
    services.configure(started, alice, started.params["columns"], "create", "")
    services.start(started, alice)
    week_ago = timezone.now() - datetime.timedelta(days=8)
    Job.objects.filter(pk__in=[stale.pk, started.pk]).update(created_at=week_ago)
    stale_file = stale.file.path

    assert services.purge_drafts() == 1

    assert set(Job.objects.values_list("pk", flat=True)) == {fresh.pk, started.pk}
    assert not Path(stale_file).exists()
    assert Path(fresh.file.path).exists()


def test_the_api_imports_a_file_without_a_key_and_adds_missing_values_when_asked(
    admin, alice, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "sources.csv"
    path.write_text("客户名称,客户来源\n甲方科技,网络\n乙方贸易,网站\n", encoding="utf-8")
    with open(path, "rb") as handle:
        _, refused = post_import(
            alice,
            {"type": "customers", "file": handle, "add_missing_choices": "true"},
            django_capture_on_commit_callbacks,
        )
    assert refused.status_code == 422  # alice may not edit dictionaries
    assert not Job.objects.exists() and not Customer.objects.exists()

    with open(path, "rb") as handle:
        client, response = post_import(
            admin,
            {"type": "customers", "file": handle, "add_missing_choices": "true"},
            django_capture_on_commit_callbacks,
        )
    assert response.status_code == 201, response.content
    body = client.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert body["match"] == "name" and body["unknown_values"] == {"source": ["网络"]}
    assert body["summary"]["created"] == 2
    assert dict(Customer.objects.values_list("name", "source__label_zh")) == {
        "甲方科技": "网络",
        "乙方贸易": "网站",
    }
