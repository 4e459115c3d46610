"""Import: upload, mapping, duplicates, errors, permissions, the job and its report."""

from __future__ import annotations

import csv
import datetime
import io
import threading
import time

import hypothesis
import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from crm.core import jobs, registry, search
from crm.core import services as core
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.imports import services as imports
from crm.core.imports.engine import ADD_ITEM, LEAVE_EMPTY, Importer, Options, match_choices
from crm.core.models import ImportMapping, Job, JobRowError, JobStatus, ObjectChange, SearchEntry
from crm.customers.models import Contact, Customer
from crm.customization.models import (
    CustomField,
    Dictionary,
    DictionaryItem,
    FieldType,
    NumberingRule,
)
from crm.org.models import Role, RolePermission

pytestmark = pytest.mark.django_db

CREDIT_CODE = "91310000MA1FL1234Q"
OTHER_CREDIT_CODE = "91110108MA00123455"
NOTHING = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}


@pytest.fixture(autouse=True)
def english_and_private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with translation.override("en"):
        yield


def csv_file(rows: list[list[str]], *, encoding: str = "utf-8", name: str = "customers.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "customers.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def run(user, upload, type_key="customer", **chosen) -> Job:
    """Upload, configure (the suggested mapping unless given), start and run an import."""
    object_type = registry.get(type_key)
    job = imports.upload(user, object_type, upload)
    params = {**job.params, **chosen}
    imports.configure(job, user, params["columns"], params["on_duplicate"], params["match"])
    imports.start(job, user)
    jobs.run(job.pk)  # what the consumer does once the start commits
    job.refresh_from_db()
    return job


def summary(**counts) -> dict[str, int]:
    return {**NOTHING, **counts}


def make_customer(owner, **fields) -> Customer:
    fields.setdefault("name", "华东精密机械有限公司")
    return core.save(Customer(**fields), actor=owner)


def errors_of(job: Job) -> dict[int, str]:
    return dict(JobRowError.objects.filter(job=job).values_list("row", "message"))


def error_workbook(job: Job) -> list[tuple]:
    with job.result_file.open("rb") as handle:
        workbook = openpyxl.load_workbook(handle)
    return list(workbook.active.iter_rows(values_only=True))


def changes_of(job: Job) -> list[ObjectChange]:
    return list(ObjectChange.objects.filter(request_id=f"import:{job.pk}").order_by("id"))


def change_count() -> int:
    return ObjectChange.objects.count()


def item(dictionary: str, code: str) -> DictionaryItem:
    return DictionaryItem.objects.get(dictionary__code=dictionary, code=code)


def allowed_statuses() -> str:
    """The status labels an error about a status lists."""
    return ", ".join(str(label) for _, label in Customer._meta.get_field("status").flatchoices)


def allowed(dictionary: str) -> str:
    """The active item labels an error about a dictionary choice lists."""
    items = DictionaryItem.objects.filter(dictionary__code=dictionary, is_active=True)
    return ", ".join(i.label for i in items.order_by("sort_order", "pk"))


def role(code: str, *, view="own", edit="own", actions=None, specials=()) -> Role:
    made = Role.objects.create(code=code, name_zh=code, name_en=code, specials=list(specials))
    RolePermission.objects.create(
        role=made,
        type_key="*",
        view_scope=view,
        edit_scope=edit,
        actions=actions or ["view", "create", "edit", "delete", "export", "import", "transfer"],
    )
    return made


# ---------------------------------------------------------------------- a first import


def test_a_new_customer_file_is_imported_with_change_log(alice):
    upload = csv_file(
        [
            ["客户名称", "电话", "状态", "邮箱"],
            ["华东精密机械有限公司", "021-55501234", "正式", "sales@hdjm.cn"],
            ["Acme Trading", "13800138000", "Lead", ""],
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


def test_new_records_take_numbers_from_the_rule_around_numbers_in_use(alice):
    NumberingRule.objects.create(
        content_type=ContentType.objects.get_for_model(Customer), prefix="KH", width=3
    )
    upload = csv_file([["客户名称", "编号"], ["甲", "KH002"], ["乙", ""], ["丙", ""], ["丁", ""]])

    job = run(alice, upload)

    assert job.summary == summary(created=4)
    numbers = dict(Customer.objects.values_list("name", "number"))
    assert numbers == {"甲": "KH002", "乙": "KH001", "丙": "KH003", "丁": "KH004"}


def test_headers_carrying_the_type_name_are_matched(alice):
    upload = csv_file(
        [["客户名称", "客户等级", "客户状态", "Customer source"], ["甲", "a", "", ""]]
    )

    job = imports.upload(alice, registry.get("customer"), upload)

    assert job.params["columns"] == ["name", "level", "status", "source"]


# ---------------------------------------------------------------------- every kind of error


def test_a_file_with_errors_of_every_kind(alice):
    existing = make_customer(alice, name="老客户", number="C-OLD", city="杭州")
    binned = make_customer(alice, name="回收站客户", number="C-BIN")
    core.delete(binned, actor=alice)
    before = change_count()
    header = ["客户名称", "编号", "状态", "等级", "邮箱", "电话", "城市"]
    rows = [
        ["华东精密", "C-001", "正式", "A 重要客户", "sales@hdjm.cn", "021-55501234", "上海"],
        ["状态不对", "C-002", "Bogus", "", "", "", ""],
        ["等级不对", "C-003", "", "Z 级客户", "", "", ""],
        ["邮箱不对", "C-004", "", "", "not-an-email", "", ""],
        ["电话不对", "C-005", "", "", "", "12", ""],
        ["城市太长", "C-006", "", "", "", "", "城" * 41],
        ["", "C-007", "", "", "", "", "北京"],
        ["华东精密（重复）", "C-001", "", "", "", "", ""],
        ["回收站里的", "C-BIN", "", "", "", "", ""],
        ["老客户（改）", "C-OLD", "", "", "", "", "苏州"],
        ["三处错", "C-010", "潜在", "Z", "bad@", "abc", ""],
        ["", "", "", "", "", "", ""],
        ["Acme Trading", "", "Active", "b", "", "", ""],
    ]

    job = run(alice, csv_file([header, *rows]), match="number", on_duplicate="skip")

    assert job.status == JobStatus.DONE, job.message
    assert job.summary == summary(created=2, skipped=1, failed=9)
    assert errors_of(job) == {
        3: f"状态: “Bogus” is not a valid status. Allowed values: {allowed_statuses()}.",
        4: f"等级: “Z 级客户” is not a valid level. Allowed values: {allowed('customer_level')}.",
        5: "邮箱: Enter a valid email address.",
        6: "电话: Enter a valid phone number.",
        7: "城市: Ensure this value has at most 40 characters (it has 41).",
        8: "客户名称: This field cannot be blank.",
        9: "This is the same record as row 2 of the file.",
        10: "编号: The record with this number is in the recycle bin; restore it first.",
        12: f"等级: “Z” is not a valid level. Allowed values: {allowed('customer_level')}.; "
        "邮箱: Enter a valid email address.; "
        "电话: Enter a valid phone number.",
    }
    # the good rows, exactly once each
    assert sorted(Customer.all_objects.values_list("name", flat=True)) == [
        "Acme Trading",
        "华东精密",
        "回收站客户",
        "老客户",
    ]
    first = Customer.objects.get(number="C-001")
    assert (first.status, first.level, first.phone) == (
        "formal",
        item("customer_level", "a"),
        "021-55501234",
    )
    assert Customer.objects.get(name="Acme Trading").level == item("customer_level", "b")
    existing.refresh_from_db()
    assert (existing.name, existing.city, existing.version) == ("老客户", "杭州", 1)
    assert change_count() == before + 2
    assert {c.action for c in changes_of(job)} == {"create"}
    # the error workbook: the original cells, the error, the row
    workbook = error_workbook(job)
    assert workbook[0] == (*header, "Errors", "Row")
    assert [r[-1] for r in workbook[1:]] == [3, 4, 5, 6, 7, 8, 9, 10, 12]
    assert workbook[1] == ("状态不对", "C-002", "Bogus", None, None, None, None,
                           errors_of(job)[3], 3)  # fmt: skip
    assert workbook[5][6] == "城" * 41
    assert workbook[9][:4] == ("三处错", "C-010", "潜在", "Z")


def test_a_number_in_use_is_refused_when_creating_anyway(alice):
    make_customer(alice, name="老客户", number="C-OLD")
    core.delete(make_customer(alice, name="回收站客户", number="C-BIN"), actor=alice)
    before = change_count()
    upload = csv_file(
        [["客户名称", "编号"], ["新客户", "C-OLD"], ["又一个", "C-BIN"], ["好的", "C-NEW"]]
    )

    job = run(alice, upload, on_duplicate="create", match="")

    assert job.summary == summary(created=1, failed=2)
    assert errors_of(job) == {
        2: "编号: The number C-OLD is already used.",
        3: "编号: The number C-BIN is already used.",
    }
    assert Customer.all_objects.filter(number="C-OLD").count() == 1
    assert Customer.all_objects.filter(number="C-BIN").count() == 1
    assert change_count() == before + 1


@pytest.mark.parametrize(
    ("policy", "match", "across_batches", "within_batch"),
    [
        (
            "skip",
            "number",
            "An earlier row of the file imported this record already.",
            "This is the same record as row {row} of the file.",
        ),
        (
            "update",
            "number",
            "An earlier row of the file imported this record already.",
            "This is the same record as row {row} of the file.",
        ),
        ("create", "", "编号: The number {number} is already used.", None),
    ],
)
def test_duplicate_rows_in_the_file_are_written_once(
    alice, monkeypatch, policy, match, across_batches, within_batch
):
    monkeypatch.setattr(imports, "BATCH", 3)
    rows = [
        ["甲", "D-1", "上海"],  # 2  batch 1
        ["乙", "D-2", "上海"],  # 3
        ["甲二", "D-1", "北京"],  # 4  same batch as row 2
        ["乙二", "D-2", "北京"],  # 5  batch 2: row 3 is in batch 1
        ["丙", "D-3", "上海"],  # 6
        ["丙二", "D-3", "北京"],  # 7  same batch as row 6
    ]

    job = run(
        alice, csv_file([["客户名称", "编号", "城市"], *rows]), on_duplicate=policy, match=match
    )

    assert job.summary == summary(created=3, failed=3)
    same_batch = within_batch or across_batches
    assert errors_of(job) == {
        4: same_batch.format(row=2, number="D-1"),
        5: across_batches.format(number="D-2"),
        7: same_batch.format(row=6, number="D-3"),
    }
    assert sorted(Customer.objects.values_list("number", "name", "city")) == [
        ("D-1", "甲", "上海"),
        ("D-2", "乙", "上海"),
        ("D-3", "丙", "上海"),
    ]
    assert [c.action for c in changes_of(job)] == ["create"] * 3


def test_contacts_with_bad_references_dates_and_booleans(alice, bob):
    make_customer(alice, name="华东精密", number="K-1")
    make_customer(alice, name="重名公司", number="K-2")
    twin = make_customer(alice, name="重名公司", number="K-3")
    make_customer(bob, name="鲍勃公司", number="K-4")
    header = ["姓名", "客户", "生日", "主联系人", "手机"]
    rows = [
        ["张三", "华东精密", "1990-05-17", "是", "13800138000"],
        ["李四", "不存在公司", "", "", ""],
        ["王五", "鲍勃公司", "", "", ""],
        ["王五", "K-4", "", "", ""],
        ["赵六", "重名公司", "", "", ""],
        ["钱七", "K-3", "1988/2/3", "no", ""],
        ["孙八", "华东精密", "1990-13-01", "", ""],
        ["周九", "华东精密", "", "maybe", ""],
        ["吴十", "", "", "", ""],
        ["郑十一", "华东精密", "昨天", "", ""],
    ]

    job = run(alice, csv_file([header, *rows], name="contacts.csv"), type_key="contact")

    assert job.status == JobStatus.DONE, job.message
    assert job.summary == summary(created=2, failed=8)
    assert errors_of(job) == {
        3: "客户: There is no customer “不存在公司” that you can see.",
        4: "客户: There is no customer “鲍勃公司” that you can see.",
        5: "客户: There is no customer “K-4” that you can see.",
        6: "客户: Several customers are named “重名公司”; use the number.",
        8: "生日: “1990-13-01” is not a real date.",
        9: "主联系人: “maybe” is neither yes nor no.",
        10: "客户: Customer is required.",
        11: "生日: “昨天” is not a date (write 2026-11-27).",
    }
    zhang = Contact.objects.get(name="张三")
    assert (zhang.customer.number, zhang.birthday.isoformat(), zhang.is_primary) == (
        "K-1",
        "1990-05-17",
        True,
    )
    qian = Contact.objects.get(name="钱七")
    assert (qian.customer, qian.birthday.isoformat(), qian.is_primary) == (
        twin,
        "1988-02-03",
        False,
    )
    assert Contact.objects.count() == 2


def test_a_workbook_with_numbers_dates_and_booleans_in_cells(alice):
    customer = make_customer(alice, name="华东精密", number="K-1")
    upload = xlsx_file(
        [
            ["姓名", "客户", "手机", "生日", "主联系人"],
            ["张三", "K-1", 13800138000, datetime.date(1990, 5, 17), True],
            ["李四", "华东精密", 13900139000.0, datetime.datetime(1991, 6, 1), False],
            ["王五", "华东精密", 2.5, datetime.datetime(1991, 6, 1, 8, 30), None],
        ],
        name="contacts.xlsx",
    )

    job = run(alice, upload, type_key="contact", on_duplicate="create", match="")

    assert job.summary == summary(created=2, failed=1)
    assert errors_of(job) == {
        4: "手机: Enter a valid phone number.; "
        "生日: “1991-06-01 08:30:00” has a time; a date is expected."
    }
    contacts = Contact.objects.order_by("name").values_list(
        "name", "customer", "mobile", "birthday", "is_primary"
    )
    assert sorted(contacts) == [
        ("张三", customer.pk, "13800138000", datetime.date(1990, 5, 17), True),
        ("李四", customer.pk, "13900139000", datetime.date(1991, 6, 1), False),
    ]


# ---------------------------------------------------------------------- duplicate policies

KEY_COLUMNS = {
    "number": (["编号"], ["C-1"], ["C-2"]),
    "external_id": (["External id"], ["ERP-1"], ["ERP-2"]),
    "credit_code": (["统一社会信用代码"], [CREDIT_CODE], [OTHER_CREDIT_CODE]),
    "name+phone": (["电话"], ["02155501234"], ["02155509999"]),
}


def key_file(match: str, city: str = "苏州"):
    """A row matching the existing customer by `match`, with a new city, and a new one."""
    headers, old_key, new_key = KEY_COLUMNS[match]
    return csv_file(
        [
            ["客户名称", *headers, "城市"],
            ["华东精密", *old_key, city],
            ["新客户", *new_key, "南京"],
        ]
    )


@pytest.fixture
def matched(alice):
    return make_customer(
        alice,
        name="华东精密",
        number="C-1",
        external_id="ERP-1",
        credit_code=CREDIT_CODE,
        phone="02155501234",
        city="上海",
    )


@pytest.mark.parametrize("match", list(KEY_COLUMNS))
def test_skip_leaves_the_matched_record_alone(alice, matched, match):
    before = change_count()

    job = run(alice, key_file(match), on_duplicate="skip", match=match)

    assert job.summary == summary(created=1, skipped=1)
    matched.refresh_from_db()
    assert (matched.city, matched.version) == ("上海", 1)
    assert Customer.objects.filter(name="华东精密").count() == 1
    assert Customer.objects.get(name="新客户").city == "南京"
    assert change_count() == before + 1


@pytest.mark.parametrize("match", list(KEY_COLUMNS))
def test_update_changes_the_matched_record_with_one_change_log_row(alice, matched, match):
    before = change_count()

    job = run(alice, key_file(match), on_duplicate="update", match=match)

    assert job.summary == summary(created=1, updated=1)
    matched.refresh_from_db()
    assert (matched.city, matched.version, matched.updated_by) == ("苏州", 2, alice)
    assert Customer.objects.filter(name="华东精密").count() == 1
    update = ObjectChange.objects.get(object_id=matched.pk, action="update")
    assert update.changes == {"city": ["上海", "苏州"]}
    assert update.request_id == f"import:{job.pk}"
    assert change_count() == before + 2


@pytest.mark.parametrize("match", ["external_id", "credit_code", "name+phone"])
def test_create_anyway_makes_a_second_record(alice, matched, match):
    job = run(alice, key_file(match), on_duplicate="create", match="")

    assert job.summary == summary(created=2)
    assert Customer.objects.filter(name="华东精密").count() == 2
    matched.refresh_from_db()
    assert (matched.city, matched.version) == ("上海", 1)


def test_update_changes_only_mapped_cells_that_are_not_blank(alice):
    customer = make_customer(
        alice,
        name="华东精密",
        number="C-1",
        email="a@hdjm.cn",
        phone="02155501234",
        status="formal",
        city="上海",
    )
    upload = csv_file(
        [["编号", "客户名称", "邮箱", "状态", "城市"], ["C-1", "华东精密制造", "", "", "苏州"]]
    )

    job = run(alice, upload, on_duplicate="update", match="number")

    assert job.summary == summary(updated=1)
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.email, customer.status, customer.phone) == (
        "华东精密制造",
        "苏州",
        "a@hdjm.cn",
        "formal",
        "02155501234",
    )
    assert customer.version == 2
    (update,) = ObjectChange.objects.filter(object_id=customer.pk, action="update")
    assert update.changes == {"name": ["华东精密", "华东精密制造"], "city": ["上海", "苏州"]}
    found = search.filter_queryset(Customer.objects.all(), "精密制造", alice)
    assert list(found) == [customer]


def test_update_to_a_number_used_by_another_record_is_refused(alice, matched):
    other = make_customer(alice, name="别家", number="C-9")
    upload = csv_file(
        [
            ["客户名称", "External id", "编号", "城市"],
            ["华东精密", "ERP-1", "C-9", "苏州"],
            ["新客户", "ERP-1X", "C-1", "南京"],
        ]
    )

    job = run(alice, upload, on_duplicate="update", match="external_id")

    assert errors_of(job) == {
        2: "编号: The number C-9 is already used.",
        3: "编号: The number C-1 is already used.",
    }
    assert job.summary == summary(failed=2)
    matched.refresh_from_db()
    other.refresh_from_db()
    assert (matched.number, matched.city, other.number) == ("C-1", "上海", "C-9")


@pytest.mark.django_db(transaction=True)
def test_an_update_waits_for_an_edit_in_progress_and_builds_on_it(alice):
    """The batch locks the rows it matched (SQLite: the whole database, as every writer),
    so an edit committing meanwhile is neither lost nor given the same version."""
    customer = make_customer(alice, name="华东精密", number="C-1", city="上海", email="a@hdjm.cn")
    editing = threading.Event()

    def edit_meanwhile() -> None:
        try:
            with transaction.atomic():
                current = Customer.objects.select_for_update().get(pk=customer.pk)
                editing.set()
                time.sleep(0.5)  # the import reads meanwhile
                current.city = "杭州"
                core.save(current, actor=alice, expected_version=1)
        finally:
            connection.close()

    editor = threading.Thread(target=edit_meanwhile)
    editor.start()
    assert editing.wait(5)
    options = Options(["number", "email"], on_duplicate="update", match="number")
    importer = Importer(registry.get("customer"), alice, ["编号", "邮箱"], options)
    with transaction.atomic():
        (outcome,) = importer.batch([(2, ["C-1", "b@hdjm.cn"])])
    editor.join(10)

    assert outcome.action == "updated"
    customer.refresh_from_db()
    assert (customer.city, customer.email, customer.version) == ("杭州", "b@hdjm.cn", 3)
    updates = ObjectChange.objects.filter(object_id=customer.pk, action="update").order_by("id")
    assert [u.changes for u in updates] == [
        {"city": ["上海", "杭州"]},
        {"email": ["a@hdjm.cn", "b@hdjm.cn"]},
    ]


def test_a_batch_takes_the_same_queries_for_5_or_50_rows(alice):
    customer = make_customer(alice, name="华东精密", number="K-1")
    for n in range(50):
        core.save(Contact(customer=customer, name=f"联系人{n}", mobile="13800138000"), actor=alice)
    columns = ["name", "mobile", "title", "role", "customer"]
    options = Options(columns, on_duplicate="update", match="name+mobile")
    importer = Importer(registry.get("contact"), alice, columns, options)

    def queries(count: int) -> int:
        """Update `count` contacts (their customer not in the file: the search entry reads
        it) and create one."""
        rows = [
            (n + 2, [f"联系人{n}", "13800138000", f"经理{count}", "决策者", ""])
            for n in range(count)
        ]
        rows.append((count + 2, [f"新人{count}", "13900139000", "", "采购", "K-1"]))
        with CaptureQueriesContext(connection) as captured:
            outcomes = importer.batch(rows)
        assert [o.action for o in outcomes] == ["updated"] * count + ["created"]
        return len(captured)

    assert queries(5) == queries(50)


def test_a_key_matching_several_records_is_refused(alice):
    twins = [make_customer(alice, name="重名公司", phone="02155501234") for _ in range(2)]
    upload = csv_file([["客户名称", "电话", "城市"], ["重名公司", "02155501234", "苏州"]])

    job = run(alice, upload, on_duplicate="update", match="name+phone")

    assert errors_of(job) == {
        2: "2 existing records match this row; it is not clear which to update."
    }
    assert [c.city for c in Customer.objects.filter(pk__in=[t.pk for t in twins])] == ["", ""]


def test_the_preview_checks_every_cell_and_writes_nothing(alice):
    make_customer(alice, name="华东精密", number="C-1")
    before = change_count()
    upload = csv_file(
        [
            ["客户名称", "编号", "状态", "邮箱"],
            ["华东精密", "C-1", "正式", ""],
            ["新客户", "", "Bogus", "bad@"],
            ["另一个", "", "", ""],
        ]
    )
    job = imports.upload(alice, registry.get("customer"), upload)
    imports.configure(job, alice, job.params["columns"], "update", "number")

    outcomes = imports.preview(job, alice)

    assert [(o.row, o.action) for o in outcomes] == [
        (2, "updated"),
        (3, "failed"),
        (4, "created"),
    ]
    assert outcomes[1].errors == {
        2: [f"“Bogus” is not a valid status. Allowed values: {allowed_statuses()}."],
        3: ["Enter a valid email address."],
    }
    assert Customer.objects.count() == 1
    assert Customer.objects.get().version == 1
    assert change_count() == before


def test_running_the_same_file_again_with_update_changes_nothing(alice):
    upload_rows = [
        ["客户名称", "编号", "状态", "等级", "电话", "城市", "负责人"],
        ["华东精密", "C-1", "正式", "A 重要客户", "021-55501234", "上海", "alice"],
        ["Acme", "C-2", "Lead", "", "13800138000", "", "Alice"],
    ]
    first = run(alice, csv_file(upload_rows), on_duplicate="update", match="number")
    assert first.summary == summary(created=2)
    versions = dict(Customer.objects.values_list("number", "version"))
    before = change_count()

    again = run(alice, csv_file(upload_rows), on_duplicate="update", match="number")

    assert again.status == JobStatus.DONE
    assert again.summary == summary(unchanged=2)
    assert dict(Customer.objects.values_list("number", "version")) == versions
    assert change_count() == before
    assert not again.result_file


# ---------------------------------------------------------------------- values and people


def test_choices_and_dictionary_items_match_labels_in_both_languages_and_codes(admin):
    upload = csv_file(
        [
            ["客户名称", "状态", "客户类型", "等级", "行业"],
            ["甲", "正式", "终端客户", "A 重要客户", "制造业"],
            ["乙", "Active", "reseller", "A - Key account", "Software & IT"],
            ["丙", "FORMAL", "public", "a", "software_it"],
        ]
    )

    job = run(admin, upload, on_duplicate="create", match="")

    assert job.summary == summary(created=3), errors_of(job)
    values = {
        c.name: (c.status, c.customer_type, c.level.code, c.industry.code)
        for c in Customer.objects.select_related("level", "industry")
    }
    assert values == {
        "甲": ("formal", "end", "a", "manufacturing"),
        "乙": ("formal", "intermediate", "a", "software_it"),
        "丙": ("formal", "public", "a", "software_it"),
    }


def test_owner_by_username_or_full_name(admin, make_user):
    bob = make_user("bob", full_name="Bob Li")
    carol = make_user("carol", full_name="卡罗尔")
    upload = csv_file(
        [
            ["客户名称", "负责人"],
            ["甲", "bob"],
            ["乙", "Bob Li"],
            ["丙", "卡罗尔"],
            ["丁", ""],
            ["戊", "nobody"],
        ]
    )

    job = run(admin, upload, on_duplicate="create", match="")

    assert job.summary == summary(created=4, failed=1)
    assert errors_of(job) == {6: "负责人: “nobody” is not a valid user."}
    owners = dict(Customer.objects.values_list("name", "owner"))
    assert owners == {"甲": bob.pk, "乙": bob.pk, "丙": carol.pk, "丁": admin.pk}


def test_an_owner_outside_the_data_scope_is_refused_per_row(alice, bob):
    upload = csv_file([["客户名称", "负责人"], ["给鲍勃", "bob"], ["给自己", "alice"]])

    job = run(alice, upload, on_duplicate="create", match="")

    assert job.summary == summary(created=1, failed=1)
    assert errors_of(job) == {
        2: "负责人: You would no longer see this record: choose an owner within your data scope."
    }
    assert list(Customer.objects.values_list("name", "owner")) == [("给自己", alice.pk)]


def test_records_outside_the_edit_scope_are_refused_per_row(make_user, bob):
    carol = make_user("carol", roles=[role("see_all", view="all", edit="own")])
    theirs = make_customer(bob, name="鲍勃公司", number="B-1", city="上海")
    mine = make_customer(carol, name="卡罗尔公司", number="C-1", city="上海")
    before = change_count()
    upload = csv_file(
        [
            ["客户名称", "编号", "城市"],
            ["鲍勃公司", "B-1", "北京"],
            ["鲍勃公司", "B-1X", "北京"],  # a new record is hers
            ["卡罗尔公司", "C-1", "北京"],
        ]
    )

    job = run(carol, upload, on_duplicate="update", match="number")

    assert job.summary == summary(created=1, updated=1, failed=1)
    assert errors_of(job) == {2: "You may not change the existing record 鲍勃公司."}
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.city, theirs.version) == ("上海", 1)
    assert (mine.city, mine.version) == ("北京", 2)
    assert change_count() == before + 2


def test_a_record_shared_for_editing_is_updated_though_its_owner_is_out_of_scope(alice, bob):
    theirs = make_customer(bob, name="鲍勃公司", number="B-1", city="上海")
    core.share_record(theirs, actor=bob, can_edit=True, user=alice)
    upload = csv_file([["客户名称", "编号", "城市"], ["鲍勃公司", "B-1", "北京"]])

    job = run(alice, upload, on_duplicate="update", match="number")

    assert job.summary == summary(updated=1), errors_of(job)
    theirs.refresh_from_db()
    assert (theirs.city, theirs.owner, theirs.version) == ("北京", bob, 2)


def test_a_record_the_importer_cannot_see_is_neither_compared_nor_named(alice, bob):
    theirs = make_customer(bob, name="鲍勃公司", number="B-1", city="上海")
    before = change_count()
    rows = [["客户名称", "编号", "城市"], ["鲍勃公司", "B-1", "上海"], ["别的名字", "B-1", "北京"]]

    for row in rows[1:]:
        job = run(alice, csv_file([rows[0], row]), on_duplicate="update", match="number")
        assert errors_of(job) == {
            2: "An existing record matches this row, and you may not change it."
        }

    theirs.refresh_from_db()
    assert (theirs.name, theirs.city, theirs.version) == ("鲍勃公司", "上海", 1)
    assert change_count() == before


def test_changing_the_owner_needs_the_transfer_permission(make_user):
    actions = ["view", "create", "edit", "import"]
    dave = make_user("dave", roles=[role("no_transfer", view="all", edit="all", actions=actions)])
    erin = make_user("erin", roles=[role("transfer", view="all", edit="all")])
    for importer in (dave, erin):
        make_customer(importer, name=f"{importer.username} co", number=importer.username)
    rows = [
        ["客户名称", "编号", "负责人"],
        ["dave co", "dave", "erin"],
        ["erin co", "erin", "dave"],
    ]

    refused = run(dave, csv_file(rows), on_duplicate="update", match="number")
    assert errors_of(refused) == {
        2: "负责人: You may not transfer customers to another owner.",
        3: "负责人: You may not transfer customers to another owner.",
    }
    moved = run(erin, csv_file(rows), on_duplicate="update", match="number")

    assert moved.summary == summary(updated=2)
    owners = dict(Customer.objects.values_list("number", "owner"))
    assert owners == {"dave": erin.pk, "erin": dave.pk}


def test_without_the_import_permission_no_job_is_made(make_user):
    actions = ["view", "create", "edit", "delete", "export"]
    frank = make_user("frank", roles=[role("no_import", actions=actions)])
    upload = csv_file([["客户名称"], ["甲"]])

    with pytest.raises(AccessDenied):
        imports.upload(frank, registry.get("customer"), upload)

    assert Job.objects.count() == 0
    assert Customer.objects.count() == 0


# ---------------------------------------------------------------------- custom fields


@pytest.fixture
def custom_fields(db):
    grades = Dictionary.objects.create(code="grade", name_zh="等级", name_en="Grade")
    for code, zh, en in (("gold", "金牌", "Gold"), ("silver", "银牌", "Silver")):
        DictionaryItem.objects.create(dictionary=grades, code=code, label_zh=zh, label_en=en)
    content_type = ContentType.objects.get_for_model(Customer)
    specs = [
        ("wechat_group", "微信群", "WeChat group", FieldType.TEXT, {"max_length": 10}),
        ("grade", "客户评级", "Grade", FieldType.CHOICE, {"dictionary": grades}),
        ("signed_on", "签约日期", "Signed on", FieldType.DATE, {}),
        ("deposit", "保证金", "Deposit", FieldType.MONEY, {}),
        ("vip", "贵宾", "VIP", FieldType.BOOLEAN, {}),
    ]
    for name, zh, en, kind, extra in specs:
        CustomField.objects.create(
            content_type=content_type,
            name=name,
            label_zh=zh,
            label_en=en,
            field_type=kind,
            **extra,
        )


def test_custom_fields_are_mapped_by_label_checked_and_stored(alice, custom_fields):
    header = ["客户名称", "WeChat group", "客户评级", "签约日期", "Deposit", "贵宾"]
    rows = [
        ["甲", "群A", "金牌", "2026/3/1", "1,234.5", "是"],
        ["乙", "", "Silver", "", "¥88", "no"],
        ["丙", "群" * 11, "Bronze", "2026-02-30", "abc", "maybe"],
    ]

    job = imports.upload(alice, registry.get("customer"), csv_file([header, *rows]))
    assert job.params["columns"] == [
        "name",
        "cf.wechat_group",
        "cf.grade",
        "cf.signed_on",
        "cf.deposit",
        "cf.vip",
    ]
    job = run(alice, csv_file([header, *rows]), on_duplicate="create", match="")

    assert job.summary == summary(created=2, failed=1)
    assert errors_of(job) == {
        4: "WeChat group: Ensure this value has at most 10 characters (it has 11).; "
        f"客户评级: “Bronze” is not a valid Grade. Allowed values: {allowed('grade')}.; "
        "签约日期: “2026-02-30” is not a real date.; "
        "Deposit: Enter an amount such as 1,234.50, ¥1234.5 or 1.2万.; "
        "贵宾: “maybe” is neither yes nor no."
    }
    data = dict(Customer.objects.values_list("name", "custom_field_data"))
    assert data == {
        "甲": {
            "wechat_group": "群A",
            "grade": "gold",
            "signed_on": "2026-03-01",
            "deposit": "1234.50",
            "vip": True,
        },
        "乙": {
            "wechat_group": None,
            "grade": "silver",
            "signed_on": None,
            "deposit": "88.00",
            "vip": False,
        },
    }


def test_money_custom_fields_import_amounts_as_people_write_them(alice, custom_fields):
    header = ["客户名称", "保证金"]
    rows = [
        ["甲", "1.2万"],
        ["乙", "￥１，２３４．５"],
        ["丙", "-5元"],
        ["丁", "$5"],
        ["戊", "1.2万万"],
    ]

    job = run(alice, csv_file([header, *rows]), on_duplicate="create", match="")

    assert job.summary == summary(created=2, failed=3)
    assert errors_of(job) == {
        4: "保证金: An amount cannot be negative.",
        5: "保证金: Enter the amount in CNY.",
        6: "保证金: Enter an amount such as 1,234.50, ¥1234.5 or 1.2万.",
    }
    limits = {
        name: data["deposit"]
        for name, data in Customer.objects.values_list("name", "custom_field_data")
    }
    assert limits == {"甲": "12000.00", "乙": "1234.50"}


# ---------------------------------------------------------------------- export round trip


def export(client, fmt: str) -> SimpleUploadedFile:
    columns = [
        "name",
        "number",
        "mnemonic_code",
        "customer_type",
        "status",
        "category",
        "level",
        "industry",
        "region",
        "source",
        "province",
        "city",
        "phone",
        "email",
        "tags",
        "owner",
        "updated_at",
    ]
    response = client.get("/customers/export/", {"format": fmt, "col": columns})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return SimpleUploadedFile(f"customers.{fmt}", data)


@pytest.fixture
def exported_customers(alice, bob):
    """Customers with every kind of listed value, some of them awkward in a spreadsheet."""
    rows = [
        (alice, "华东精密机械有限公司", "021-55501234", "formal", "a", "manufacturing"),
        (alice, "-Acme Trading", "+85223456789", "potential", None, None),
        (alice, "=SUM(1,2)", "13800138000", "intentional", "dormant", "software_it"),
        (bob, "鲍勃公司", "", "related", "c", "energy"),
    ]
    for owner, name, phone, status, level, industry in rows:
        make_customer(
            owner,
            name=name,
            phone=phone,
            status=status,
            level=item("customer_level", level) if level else None,
            industry=item("industry", industry) if industry else None,
            category=item("customer_category", "distributor"),
            region=item("region", "east"),
            source=item("customer_source", "referral"),
            province="上海",
            city="上海",
            email="sales@example.cn",
            tags="重点, 华东",
        )
    NumberingRule.objects.create(
        content_type=ContentType.objects.get_for_model(Customer), prefix="KH", width=5
    )
    for number, customer in enumerate(Customer.objects.order_by("pk"), start=1):
        Customer.objects.filter(pk=customer.pk).update(number=f"KH{number:05d}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["admin", "unmasker", "alice"])
def test_an_exported_list_imports_back_unchanged(
    request, client_for, exported_customers, make_user, fmt, who
):
    if who == "unmasker":
        user = make_user("ursula", roles=[role("unmasker", view="all", specials=["unmask"])])
    else:
        user = request.getfixturevalue(who)
    visible = Customer.objects.visible_to(user).count()
    upload = export(client_for(user), fmt)
    versions = dict(Customer.objects.values_list("pk", "version"))
    before = change_count()

    job = run(user, upload, on_duplicate="update", match="number")

    assert job.status == JobStatus.DONE, job.message
    assert job.summary == summary(unchanged=visible), errors_of(job)
    assert dict(Customer.objects.values_list("pk", "version")) == versions
    assert change_count() == before
    assert Customer.objects.get(phone="+85223456789").name == "-Acme Trading"


def test_a_deactivated_item_or_owner_stays_where_it_is_but_is_not_newly_set(
    admin, bob, client_for, exported_customers
):
    dormant = item("customer_level", "dormant")
    DictionaryItem.objects.filter(pk=dormant.pk).update(is_active=False)
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    upload = export(client_for(admin), "csv")
    before = change_count()

    job = run(admin, upload, on_duplicate="update", match="number")

    assert job.summary == summary(unchanged=4), errors_of(job)
    assert change_count() == before
    upload = csv_file([["客户名称", "等级", "负责人"], ["新客户", "休眠客户", "Bob"]])
    refused = run(admin, upload, on_duplicate="create", match="")
    assert errors_of(refused) == {
        2: "等级: “休眠客户” is no longer in use.; 负责人: “Bob” is no longer in use."
    }
    assert not Customer.objects.filter(name="新客户").exists()


def test_a_masked_number_cannot_be_a_match_key_nor_a_new_value(alice):
    make_customer(alice, name="华东精密", phone="02155501234")
    upload = csv_file(
        [["客户名称", "电话"], ["华东精密", "021****1234"], ["新客户", "138****8000"]]
    )

    job = run(alice, upload, on_duplicate="update", match="name+phone")

    assert errors_of(job) == {
        2: "电话: A masked number cannot find the existing record; match by another key.",
        3: "电话: A masked number cannot find the existing record; match by another key.",
    }
    upload = csv_file([["客户名称", "电话"], ["新客户", "138****8000"]])
    created = run(alice, upload, on_duplicate="create", match="")
    assert errors_of(created) == {2: "电话: A new record needs the full number, not a masked one."}
    assert Customer.objects.count() == 1


# ---------------------------------------------------------------------- malformed files

HEADERS = ["客户名称", "编号", "电话", "状态", "邮箱", "负责人", "等级", "External id", "城市"]
JUNK = [*"ab1-@.,;\t\"'\r\n\x00 =+名称客户正式是否", "****", "C-1", "alice", "2026-02-30"]
cells = st.one_of(
    st.lists(st.sampled_from(JUNK), max_size=8).map("".join),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)
header_cells = st.one_of(st.sampled_from(HEADERS), cells)


@st.composite
def csv_bytes(draw) -> bytes:
    """Text split by random separators and quotes, in a random encoding (or not at all)."""
    header = draw(st.lists(header_cells, min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(cells, max_size=7), max_size=8))
    delimiter = draw(st.sampled_from([",", "\t", ";", "|", '"']))
    newline = draw(st.sampled_from(["\r\n", "\n", "\r", ""]))
    text = newline.join(delimiter.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
    return text.encode(encoding, errors="replace")


@st.composite
def damaged_xlsx_bytes(draw) -> bytes:
    """A workbook of random cells, cut short or with random bytes overwritten (or intact)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    values = st.one_of(
        cells.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
        st.integers(),
        st.floats(allow_nan=False),
        st.dates(),
        st.booleans(),
        st.none(),
    )
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(values, max_size=6), max_size=5))
    data = bytearray(xlsx_file([header, *rows]).read())
    damage = draw(st.sampled_from(["cut", "overwrite", "none"]))
    offsets = st.integers(0, 2**20)  # not bounded by the length: a workbook holds its save time
    if damage == "cut":
        return bytes(data[: draw(offsets) % len(data)])
    if damage == "overwrite":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(offsets) % len(data)] = draw(st.integers(0, 255))
    return bytes(data)


def configure_somehow(job: Job, user) -> None:
    """A mapping the wizard accepts: the suggestion, with a name column if it has none."""
    columns = list(job.params["columns"])
    if "name" not in columns:
        columns[0] = "name"
    choices = match_choices(registry.get("customer"), columns)
    policy, match = ("update", choices[0][0]) if choices else ("create", "")
    imports.configure(job, user, columns, policy, match)


@hypothesis.settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.one_of(st.binary(max_size=600), csv_bytes(), damaged_xlsx_bytes()),
    name=st.sampled_from(["file.csv", "file.xlsx", "file.txt"]),
)
def test_malformed_files_are_refused_or_reported_never_crash(alice, data, name):
    try:
        job = imports.upload(alice, registry.get("customer"), SimpleUploadedFile(name, data))
    except ValidationFailed as refused:
        assert list(refused.fields) == ["file"]
        assert refused.fields["file"][0]
        hypothesis.event("refused on upload")
        return
    configure_somehow(job, alice)
    imports.start(job, alice)

    jobs.run(job.pk)

    job.refresh_from_db()
    hypothesis.event(f"import {job.status}")
    assert job.status in (JobStatus.DONE, JobStatus.FAILED)
    if job.status == JobStatus.FAILED:
        assert job.message
    else:
        failed = JobRowError.objects.filter(job=job).count()
        assert job.summary.get("failed", 0) == failed
        assert bool(job.result_file) == (failed > 0)


def test_the_error_workbook_gives_back_what_was_typed_and_reimports_as_is(alice, tmp_path):
    header = ["客户名称", "电话", "邮箱", "备注"]
    typed = ["华东精密", "+86 138 2222 3333", "not-an-email", "=1+2"]
    job = run(alice, csv_file([header, typed, ["Acme", "-1", "", "-1"]]), on_duplicate="create")
    assert job.summary == summary(failed=2)

    workbook = openpyxl.load_workbook(job.result_file.open("rb"))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][:4] == tuple(typed)  # no apostrophe, no formula
    assert rows[2][1] == rows[2][3] == "-1"
    assert workbook.active["D2"].data_type == "s"
    # Corrected where the errors say, and imported again as it is.
    workbook.active["C2"] = "sales@hdjm.cn"
    workbook.active.delete_rows(3)
    corrected = tmp_path / "corrected.xlsx"
    workbook.save(corrected)
    again = run(alice, SimpleUploadedFile("corrected.xlsx", corrected.read_bytes()))
    assert again.summary == summary(created=1)
    customer = Customer.objects.get()
    assert (customer.phone, customer.email, customer.notes) == (typed[1], "sales@hdjm.cn", "=1+2")


def test_the_progress_is_committed_batch_by_batch_while_a_small_file_imports(alice, monkeypatch):
    seen: list[tuple[int, int, str]] = []
    commit_batch = jobs.commit_batch

    def watched(job, **fields):
        commit_batch(job, **fields)
        stored = Job.objects.get(pk=job.pk)  # what the progress page reads
        seen.append((stored.checkpoint, stored.percent, stored.status))

    monkeypatch.setattr(jobs, "commit_batch", watched)
    rows = [[f"客户{n}", f"P-{n:03}"] for n in range(1, 201)]  # far fewer than a batch

    job = run(alice, csv_file([["客户名称", "编号"], *rows]))

    assert job.summary == summary(created=200)
    assert [checkpoint for checkpoint, _, _ in seen] == list(range(10, 201, 10))
    assert [percent for _, percent, _ in seen][:3] == [5, 10, 15]
    assert {status for _, _, status in seen} == {JobStatus.RUNNING}


def test_a_rows_contact_person_becomes_the_new_customers_first_contact(alice):
    old = make_customer(alice, name="老客户")
    core.save(Contact(customer=old, name="赵磊"), actor=alice)
    header = ["客户名称", "联系人", "手机", "联系人邮箱"]
    rows = [
        ["华东精密", "张伟", "13800138000", "zhang@hdjm.cn"],
        ["Acme", "", "", ""],  # no contact person: no contact
        ["坏手机", "李娜", "138-abc-12", ""],  # the contact's rule fails the whole row
        ["老客户", "王芳", "13900139000", ""],  # skipped, has a contact: none added
    ]

    job = run(alice, csv_file([header, *rows]), on_duplicate="skip", match="name")

    assert job.params["columns"] == ["name", "contact.name", "contact.mobile", "contact.email"]
    assert job.summary == summary(created=2, skipped=1, failed=1)
    assert errors_of(job) == {4: "手机: Enter a valid phone number."}
    assert not Customer.objects.filter(name="坏手机").exists()
    contact = Contact.objects.exclude(customer=old).get()
    assert list(old.contacts.values_list("name", flat=True)) == ["赵磊"]
    assert (contact.customer.name, contact.name, contact.mobile, contact.email) == (
        "华东精密",
        "张伟",
        "13800138000",
        "zhang@hdjm.cn",
    )
    assert contact.is_primary and contact.owner == alice
    created = {(c.content_type.model, c.object_id) for c in changes_of(job)}
    assert ("contact", contact.pk) in created and ("customer", contact.customer_id) in created
    assert SearchEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=contact.pk
    ).exists()


@pytest.mark.parametrize("policy", ["skip", "update"])
def test_a_matched_customer_without_contacts_gets_the_rows_first_contact(alice, policy):
    without = make_customer(alice, name="无联系人", notes="旧")
    emptied = make_customer(alice, name="联系人已删除", notes="旧")
    core.delete(core.save(Contact(customer=emptied, name="旧人"), actor=alice), actor=alice)
    having = make_customer(alice, name="有联系人", notes="旧")
    core.save(Contact(customer=having, name="赵磊"), actor=alice)
    header = ["客户名称", "备注", "联系人", "手机", "职务"]
    rows = [
        ["无联系人", "旧", "张伟", "13800138000", "采购经理"],  # unchanged when updating
        ["联系人已删除", "新", "李娜", "13900139000", ""],
        ["有联系人", "新", "王芳", "13700137000", ""],  # has one: none added, no error
    ]

    job = run(alice, csv_file([header, *rows]), on_duplicate=policy, match="name")

    if policy == "skip":
        assert job.summary == summary(skipped=3)
    else:
        assert job.summary == summary(updated=2, unchanged=1)
    assert errors_of(job) == {}
    made = Contact.objects.filter(name__in=["张伟", "李娜", "王芳"])
    assert sorted(made.values_list("customer__name", "name", "mobile", "title")) == [
        ("无联系人", "张伟", "13800138000", "采购经理"),
        ("联系人已删除", "李娜", "13900139000", ""),
    ]
    assert all(c.is_primary and c.owner == alice for c in made)
    assert list(having.contacts.values_list("name", flat=True)) == ["赵磊"]
    logged = {(c.content_type.model, c.object_id, c.action) for c in changes_of(job)}
    assert {("contact", c.pk, "create") for c in made} <= logged
    assert ("customer", without.pk, "update") not in logged


def test_a_skipped_customer_the_importer_cannot_see_gets_no_contact(alice, bob):
    make_customer(bob, name="鲍勃公司")
    before = change_count()
    rows = [["客户名称", "联系人", "手机"], ["鲍勃公司", "张伟", "13800138000"]]

    job = run(alice, csv_file(rows), on_duplicate="skip", match="name")

    assert job.summary == summary(skipped=1)
    assert not Contact.objects.exists()
    assert change_count() == before


def test_a_matched_customers_first_contact_breaking_a_rule_fails_the_row(alice):
    make_customer(alice, name="无联系人")
    rows = [["客户名称", "联系人", "手机"], ["无联系人", "张伟", "138-abc-12"]]

    job = run(alice, csv_file(rows), on_duplicate="skip", match="name")

    assert job.summary == summary(failed=1)
    assert errors_of(job) == {2: "手机: Enter a valid phone number."}
    assert not Contact.objects.exists()


# ------------------------------------------------------------ values not in a dictionary

SOURCES = [
    ["客户名称", "客户来源"],
    ["甲", "网络"],
    ["乙", "老客户介绍"],
    ["丙", "客户介绍"],
    ["丁", "网络"],
]


def test_values_no_dictionary_item_names_are_offered_for_mapping(admin):
    job = imports.upload(admin, registry.get("customer"), csv_file(SOURCES))
    assert job.params["unknown"] == {"source": ["网络", "老客户介绍"]}
    items_before = DictionaryItem.objects.count()
    values = {"source": {"网络": ADD_ITEM, "老客户介绍": "referral"}}
    imports.configure(job, admin, job.params["columns"], "create", "", values=values)
    imports.start(job, admin)
    jobs.run(job.pk)
    job.refresh_from_db()

    assert job.summary == summary(created=4)
    added = DictionaryItem.objects.get(dictionary__code="customer_source", label_zh="网络")
    assert added.is_active and added.code == "wl"
    assert DictionaryItem.objects.count() == items_before + 1
    assert ObjectChange.objects.filter(object_id=added.pk, action="create").exists()
    sources = dict(Customer.objects.values_list("name", "source__code"))
    assert sources == {"甲": "wl", "乙": "referral", "丙": "referral", "丁": "wl"}


def test_a_value_is_left_empty_or_without_a_choice_its_rows_fail(alice):
    job = imports.upload(alice, registry.get("customer"), csv_file(SOURCES))
    values = {"source": {"网络": LEAVE_EMPTY}}  # 老客户介绍 not decided
    imports.configure(job, alice, job.params["columns"], "create", "", values=values)
    imports.start(job, alice)
    jobs.run(job.pk)
    job.refresh_from_db()

    assert job.summary == summary(created=3, failed=1)
    assert "Allowed values: Trade show, Website, Referral" in errors_of(job)[3]
    sources = dict(Customer.objects.values_list("name", "source__code"))
    assert sources == {"甲": None, "丙": "referral", "丁": None}


def test_only_those_who_may_edit_dictionaries_add_values_to_them(alice):
    job = imports.upload(alice, registry.get("customer"), csv_file(SOURCES))
    items_before = DictionaryItem.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        imports.configure(
            job, alice, job.params["columns"], "create", "", values={"source": {"网络": ADD_ITEM}}
        )
    assert refused.value.fields["values"] == [
        "You may not add dictionary items; map “网络” to an item."
    ]
    job.refresh_from_db()
    assert job.params["values"] == {} and job.status == JobStatus.DRAFT
    assert DictionaryItem.objects.count() == items_before


def test_a_chinese_users_import_errors_are_chinese_and_list_the_allowed_values(make_user):
    zhang = make_user("zhang", language="zh-hans")
    rows = [["客户名称", "状态", "等级"], ["甲", "Bogus", "Z"], ["乙", "", ""], ["乙", "", ""]]

    job = run(zhang, csv_file(rows), on_duplicate="skip", match="name")

    with translation.override("zh-hans"):
        statuses = "、".join(
            str(label) for _, label in Customer._meta.get_field("status").flatchoices
        )
        levels = allowed("customer_level").replace(", ", "、")
    assert errors_of(job) == {
        2: f"状态: “Bogus”不是有效的状态。可选值：{statuses}。; "
        f"等级: “Z”不是有效的等级。可选值：{levels}。",
        4: "与文件第 3 行是同一条记录。",
    }


def test_a_value_that_may_no_longer_be_added_leaves_the_import_a_draft(make_user):
    editor_role = role("dictionary_editor", specials=["manage_settings"])
    editor = make_user("editor", roles=[editor_role])
    job = imports.upload(editor, registry.get("customer"), csv_file(SOURCES))
    values = {"source": {"网络": ADD_ITEM}}
    imports.configure(job, editor, job.params["columns"], "create", "", values=values)
    editor_role.specials = []  # taken away before the import starts
    editor_role.save()
    items_before = DictionaryItem.objects.count()

    editor = type(editor).objects.get(pk=editor.pk)  # as the next request finds them
    with pytest.raises(AccessDenied):
        imports.start(job, editor)

    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    assert DictionaryItem.objects.count() == items_before
    assert not ImportMapping.objects.exists()


CHANNELS = [
    ["客户名称", "获客渠道"],
    ["甲", "网络;老客户介绍"],
    ["乙", "展会、网络"],
    ["丙", "电视"],
    ["丁", "客户介绍"],
]


def test_each_value_of_a_multichoice_cell_is_mapped_added_or_left_empty(admin, channels):
    job = imports.upload(admin, registry.get("customer"), csv_file(CHANNELS))
    assert job.params["unknown"] == {"cf.channels": ["网络", "老客户介绍", "电视"]}
    values = {"cf.channels": {"网络": ADD_ITEM, "老客户介绍": "referral", "电视": LEAVE_EMPTY}}
    imports.configure(job, admin, job.params["columns"], "create", "", values=values)
    imports.start(job, admin)
    jobs.run(job.pk)
    job.refresh_from_db()

    assert job.summary == summary(created=4)
    added = DictionaryItem.objects.get(dictionary=channels, label_zh="网络")
    assert added.code == "wl" and channels.items.count() == 3
    stored = {name: data.get("channels") for name, data in customer_data()}
    assert stored == {
        "甲": ["wl", "referral"],
        "乙": ["expo", "wl"],
        "丙": [],
        "丁": ["referral"],
    }


def test_a_multichoice_value_without_a_choice_fails_its_row(alice, channels):
    job = imports.upload(alice, registry.get("customer"), csv_file(CHANNELS))
    values = {"cf.channels": {"网络": "expo", "电视": LEAVE_EMPTY}}  # 老客户介绍 not decided
    imports.configure(job, alice, job.params["columns"], "create", "", values=values)
    imports.start(job, alice)
    jobs.run(job.pk)
    job.refresh_from_db()

    assert job.summary == summary(created=3, failed=1)
    assert errors_of(job) == {
        2: "获客渠道: “老客户介绍” is not a valid Channels. Allowed values: Trade show, Referral."
    }
    assert not Customer.objects.filter(name="甲").exists()
    assert dict(customer_data())["乙"]["channels"] == ["expo"]


def test_adding_missing_choices_adds_each_value_of_a_multichoice_cell(admin, channels):
    job = imports.upload(admin, registry.get("customer"), csv_file(CHANNELS))

    added = imports.every_unknown_added(job, job.params["columns"])

    assert added == {"cf.channels": dict.fromkeys(["网络", "老客户介绍", "电视"], ADD_ITEM)}


def customer_data() -> list[tuple[str, dict]]:
    return list(Customer.objects.values_list("name", "custom_field_data"))
