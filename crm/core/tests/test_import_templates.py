"""Saved mapping templates: saved from the wizard, offered and applied on later imports,
usable by every user, changed only by whoever saved them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.core.models import ImportTemplate, Job, JobStatus
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db

# Headers the wizard cannot guess ("Firma", "Ruf"), and one it would take ("电话").
ROWS = [["Firma", "Ruf", "电话"], ["星海集团", "13800138000", "021-55501234"]]
SAVED = {"Firma": "name", "Ruf": "phone", "电话": ""}


def csv_upload(rows=ROWS) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile("firmen.csv", text.getvalue().encode(), content_type="text/csv")


def upload(client, **data) -> Job:
    response = client.post("/customers/import/", {"file": csv_upload(), **data})
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.latest("pk")


def start_posting(client, job: Job, columns: list[str], captured, **data):
    posted = {f"column_{i}": key for i, key in enumerate(columns)}
    posted.update(on_duplicate="create", match="", **data)
    with captured(execute=True):
        return client.post(f"/imports/{job.pk}/start/", posted)


@pytest.fixture
def saved(alice, client_for, django_capture_on_commit_callbacks) -> ImportTemplate:
    """Alice maps the columns by hand and saves the mapping as "德国客户"."""
    client = client_for(alice)
    job = upload(client)
    assert job.params["columns"] == ["", "", "phone"]  # the wizard's own guess
    response = start_posting(
        client,
        job,
        ["name", "phone", ""],
        django_capture_on_commit_callbacks,
        save_as="  德国客户 ",
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.params["template"] == "德国客户"
    return ImportTemplate.objects.get()


def test_a_saved_mapping_keeps_each_column_choice(saved, alice):
    assert saved.name == "德国客户" and saved.type_key == "customer"
    assert saved.columns == SAVED and saved.created_by == alice
    assert Customer.objects.get().phone == "13800138000"


def test_another_user_is_offered_the_template_and_it_maps_the_next_file(saved, bob, client_for):
    client = client_for(bob)
    page = client.get("/customers/import/")
    assert page.context["form"].fields["template"].choices[1:] == [(saved.pk, "德国客户")]
    chosen = upload(client, template=saved.pk)
    assert chosen.params["columns"] == ["name", "phone", ""]
    assert chosen.params["template"] == "德国客户"
    guessed = upload(client)  # no choice: the template knowing most headers is taken
    assert guessed.params["columns"] == ["name", "phone", ""]
    assert guessed.params["template"] == "德国客户"


def test_a_file_with_other_headers_is_not_mapped_by_the_template(saved, bob, client_for):
    client = client_for(bob)
    response = client.post(
        "/customers/import/", {"file": csv_upload([["客户名称", "电话"], ["金蝶软件", ""]])}
    )
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert job.params["columns"] == ["name", "phone"] and job.params["template"] == ""


def test_the_api_applies_a_template_by_name(
    saved, bob, api_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api = api_for(bob)
        response = api.client.post(
            "/api/v1/imports/",
            {
                "type": "customers",
                "file": csv_upload(),
                "mapping": "德国客户",
                "on_duplicate": "create",
            },
            headers=api.headers,
        )
    assert response.status_code == 201, response.content
    assert response.json()["columns"] == SAVED, response.json()
    customer = Customer.objects.get(owner=bob)
    assert (customer.name, customer.phone) == ("星海集团", "13800138000")


def test_only_whoever_saved_a_template_may_change_it(
    saved, alice, bob, client_for, django_capture_on_commit_callbacks
):
    client = client_for(bob)
    job = upload(client)
    response = start_posting(
        client, job, ["name", "", "phone"], django_capture_on_commit_callbacks, save_as="德国客户"
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["You may not change this record."]
    saved.refresh_from_db()
    assert saved.columns == SAVED and saved.version == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.params["columns"] == ["name", "phone", ""]
    assert not Customer.objects.filter(owner=bob).exists()
    again = upload(client_for(alice))
    response = start_posting(
        client_for(alice),
        again,
        ["name", "", "phone"],
        django_capture_on_commit_callbacks,
        save_as="德国客户",
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.columns == {"Firma": "name", "Ruf": "", "电话": "phone"}
