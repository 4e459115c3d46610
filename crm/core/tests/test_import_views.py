"""The import wizard's pages: upload, mapping, preview, start, summary, downloads, access."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from crm.core.models import Job, JobStatus
from crm.customers.models import Customer
from crm.org.models import Role

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = [
    ["客户名称", "电话", "状态"],
    ["华东精密机械有限公司", "021-55501234", "正式"],
    ["金蝶软件", "0755-86072000", "Unknown"],
    ["Acme Trading", "13800138000", "Lead"],
    ["", "010-88886666", "正式"],
    ["用友网络", "", ""],
]


def csv_upload(rows=GOOD_AND_BAD, name="客户.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(), content_type="text/csv")


def upload(client) -> Job:
    response = client.post("/customers/import/", {"file": csv_upload()})
    job = Job.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    return job


def mapping(job: Job, **changes) -> dict:
    """The mapping form as the page suggests it."""
    data = {f"column_{i}": key for i, key in enumerate(job.params["columns"])}
    data.update(on_duplicate=job.params["on_duplicate"], match=job.params["match"])
    return {**data, **changes}


def start(client, job: Job, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/start/", mapping(job))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def no_import_role():
    from crm.org.models import RolePermission

    role = Role.objects.create(code="no_import", name_zh="不可导入", name_en="No import")
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit"],
    )
    return role


def test_the_mapping_page_shows_the_matched_fields_and_samples(alice, client_for):
    client = client_for(alice)
    job = upload(client)
    assert job.status == JobStatus.DRAFT and job.file_name == "客户.csv"
    page = client.get(f"/imports/{job.pk}/")
    form = page.context["form"]
    assert [f.value() for f in form.column_fields] == ["name", "phone", "status"]
    html = page.content.decode()
    assert '<option value="name" selected>' in html
    assert "— do not import —" in html
    assert "Customer name *" in html  # required fields are marked
    assert "华东精密机械有限公司" in html and "金蝶软件" in html  # sample values
    assert "blank cells leave its existing values unchanged" in html
    assert form["match"].value() == "name+phone"


def test_the_preview_marks_bad_cells_and_writes_nothing(alice, client_for):
    client = client_for(alice)
    job = upload(client)
    response = client.post(
        f"/imports/{job.pk}/preview/",
        mapping(job),
        headers={"HX-Request": "true", "HX-Target": "import-mapping"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    rows = response.context["preview"]["rows"]
    assert [r["action"] for r in rows] == ["created", "failed", "created", "failed", "created"]
    status_cell = rows[1]["cells"][2]
    assert (
        status_cell[0] == "Unknown"
        and "is not a valid status. Allowed values:" in status_cell[1][0]
    )
    assert rows[3]["cells"][0][1]  # the missing name is marked on the name column
    assert html.count("data-invalid") == 2 and "is-invalid" in html
    assert "Will create" in html
    assert Customer.objects.count() == 0


def test_a_mapping_the_engine_refuses_is_shown_on_the_form(alice, client_for):
    client = client_for(alice)
    job = upload(client)
    response = client.post(f"/imports/{job.pk}/start/", mapping(job, column_0=""))
    assert response.status_code == 200
    assert "Choose a column for customer name." in response.context["form"].non_field_errors()
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_start_runs_the_import_and_the_page_shows_the_summary(
    alice, client_for, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    job = start(client, upload(client), django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE, job.message
    assert job.summary == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 2}
    assert Customer.objects.count() == 3
    page = client.get(f"/imports/{job.pk}/")
    html = page.content.decode()
    assert ("created", "Created", 3) in page.context["counts"]
    assert ("failed", "Failed", 2) in page.context["counts"]
    assert f'href="/imports/{job.pk}/errors/"' in html
    assert "Import the corrected rows" in html and 'href="/customers/import/"' in html
    assert "every 1s" not in html  # a finished import is not polled


def test_the_error_workbook_holds_the_bad_rows_with_their_errors(
    alice, client_for, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    job = start(client, upload(client), django_capture_on_commit_callbacks)
    response = client.get(f"/imports/{job.pk}/errors/")
    assert response.status_code == 200
    assert quote("客户-errors.xlsx") in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("客户名称", "电话", "状态", "Errors", "Row")
    assert [r[:3] for r in rows[1:]] == [
        ("金蝶软件", "0755-86072000", "Unknown"),
        (None, "010-88886666", "正式"),
    ]
    assert "Unknown" in rows[1][3] and rows[2][3]
    uploaded = client.get(f"/imports/{job.pk}/file/")
    assert b"".join(uploaded.streaming_content).startswith("客户名称".encode())


def test_a_running_import_polls_its_progress(alice, client_for):
    client = client_for(alice)
    job = upload(client)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, total=5, checkpoint=2)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="40"' in page
    assert "2 of 5 rows" in page and f'action="/imports/{job.pk}/cancel/"' in page
    poll = client.get(
        f"/imports/{job.pk}/", headers={"HX-Request": "true", "HX-Target": "import-status"}
    ).content.decode()
    assert "<html" not in poll and 'id="import-status"' in poll
    client.post(f"/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.cancel_requested


def test_without_the_import_permission_there_is_no_import(make_user, client_for):
    carol = make_user("carol", roles=[no_import_role()])
    client = client_for(carol)
    jobs_before = Job.objects.count()
    response = client.post("/customers/import/", {"file": csv_upload()})
    assert response.status_code == 403
    assert Job.objects.count() == jobs_before
    assert client.get("/customers/import/template/").status_code == 403
    assert "/customers/import/" not in client.get("/customers/").content.decode()


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "You may not import customers. An administrator can give you the import"),
        ("zh-hans", "您无权导入客户。管理员可以授予您导入权限。"),
    ],
)
def test_a_salesperson_without_the_import_permission_gets_the_page_with_the_reason(
    make_user, client_for, language, reason
):
    salesperson = make_user("sam", roles=[Role.objects.get(code="salesperson")], language=language)
    response = client_for(salesperson).get("/customers/import/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert reason in page and 'class="navbar' in page  # inside the layout, not bare
    assert "Forbidden" not in page


@pytest.mark.parametrize("code", ["sales_manager", "service_manager", "sales_director"])
def test_department_heads_may_import(make_user, client_for, code):
    head = make_user("head", roles=[Role.objects.get(code=code)])
    assert client_for(head).get("/customers/import/").status_code == 200


def test_the_list_offers_import_to_those_who_may(alice, client_for):
    assert 'href="/customers/import/"' in client_for(alice).get("/customers/").content.decode()


def test_another_users_import_is_not_found(alice, bob, admin, client_for):
    job = upload(client_for(alice))
    client = client_for(bob)
    for url in ("", "file/", "errors/"):
        assert client.get(f"/imports/{job.pk}/{url}").status_code == 404
    for url in ("preview/", "start/", "cancel/"):
        assert client.post(f"/imports/{job.pk}/{url}", mapping(job)).status_code == 404
    assert list(client.get("/imports/").context["page"]) == []
    assert list(client_for(alice).get("/imports/").context["page"]) == [job]
    assert list(client_for(admin).get("/imports/").context["page"]) == [job]
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and not job.cancel_requested


def test_the_template_has_chinese_headers_for_a_chinese_user(make_user, client_for):
    user = make_user("zhang", language="zh-hans")
    response = client_for(user).get("/customers/import/template/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1
    assert "客户名称 *" in rows[0] and "电话" in rows[0]
    assert workbook.active.freeze_panes == "A2"  # the headers stay in sight while filling in


def test_a_filled_in_template_maps_every_column(make_user, client_for):
    client = client_for(make_user("zhang", language="zh-hans"))
    template = b"".join(client.get("/customers/import/template/").streaming_content)
    upload = SimpleUploadedFile("模板.xlsx", template)
    client.post("/customers/import/", {"file": upload})
    job = Job.objects.get()
    assert "" not in job.params["columns"]
    assert len(set(job.params["columns"])) == len(job.params["headers"])


def test_the_wizard_asks_what_values_outside_the_dictionary_become(
    alice, admin, client_for, django_capture_on_commit_callbacks
):
    rows = [["客户名称", "客户来源"], ["甲", "网络"], ["乙", "老客户介绍"]]
    client = client_for(alice)
    client.post("/customers/import/", {"file": csv_upload(rows)})
    job = Job.objects.latest("pk")

    page = client.get(f"/imports/{job.pk}/")
    form = page.context["form"]
    offered = {label: (field.value(), dict(field.field.choices)) for label, field in [
        (f.label, f) for _, f in form.value_fields
    ]}  # fmt: skip
    assert offered["网络"][0] == "-"  # nothing like it: left empty unless chosen
    assert offered["老客户介绍"][0] == "referral"  # 客户介绍, the closest item
    assert "+" not in offered["网络"][1]  # alice may not edit dictionaries
    assert "Values not in the dictionaries" in page.content.decode()
    # Administrators may add the value to the dictionary.
    admin_form = client_for(admin).get(f"/imports/{job.pk}/").context["form"]
    assert "+" in dict(admin_form.value_fields[0][1].field.choices)

    posted = mapping(job, on_duplicate="create", value_0="-", value_1="referral")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/start/", posted)
    job.refresh_from_db()
    assert job.summary["created"] == 2
    assert dict(Customer.objects.values_list("name", "source__code")) == {
        "甲": None,
        "乙": "referral",
    }


def test_the_wizard_asks_for_each_value_of_a_multichoice_cell(
    admin, client_for, channels, django_capture_on_commit_callbacks
):
    rows = [["客户名称", "获客渠道"], ["甲", "网络;老客户介绍"], ["乙", "展会、网络"]]
    client = client_for(admin)
    client.post("/customers/import/", {"file": csv_upload(rows)})
    job = Job.objects.latest("pk")

    form = client.get(f"/imports/{job.pk}/").context["form"]
    offered = {field.label: field.value() for _, field in form.value_fields}
    assert offered == {"网络": "-", "老客户介绍": "referral"}
    assert {label for label, _ in form.value_fields} == {"Channels"}

    posted = mapping(job, on_duplicate="create", value_0="+", value_1="referral")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/start/", posted)
    job.refresh_from_db()
    assert job.summary["created"] == 2
    stored = {name: data["channels"] for name, data in Customer.objects.values_list(
        "name", "custom_field_data"
    )}  # fmt: skip
    assert stored == {"甲": ["wl", "referral"], "乙": ["expo", "wl"]}
