"""The change log page and the timeline show what changed as people read it: names,
dictionary and choice labels, custom fields by their labels, dates in the reader's format,
never ids or Python reprs; for every registered type, and for rows stored before."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from crm.core import services
from crm.core.changes import EMPTY, ChangedValue, Reader
from crm.core.lists import DateTexts
from crm.core.models import ObjectChange
from crm.core.testing.sample.models import SampleDocument
from crm.customers.models import Contact, Customer, CustomerStatus, CustomerType
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField, Dictionary, DictionaryItem
from crm.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def auditor(make_user):
    role = Role.objects.create(code="auditor", name_zh="审计", name_en="Auditor")
    role.specials = ["view_logs"]
    role.save()
    return make_user("auditor", roles=[role], full_name="Auditor")


@pytest.fixture
def custom_fields():
    grade = Dictionary.objects.create(code="grade", name_zh="等级", name_en="Grade")
    DictionaryItem.objects.create(dictionary=grade, code="gold", label_zh="金牌", label_en="Gold")
    content_type = ContentType.objects.get_for_model(Customer)
    CustomField.objects.create(
        content_type=content_type,
        name="grade",
        label_zh="等级",
        label_en="Grade",
        field_type="choice",
        dictionary=grade,
    )
    CustomField.objects.create(
        content_type=content_type,
        name="annual_purchase",
        label_zh="年采购额",
        label_en="Annual purchase",
        field_type="money",
    )
    CustomField.objects.create(
        content_type=content_type,
        name="visited_on",
        label_zh="拜访日期",
        label_en="Visited on",
        field_type="date",
    )


def _last_change(obj) -> ObjectChange:
    content_type = ContentType.objects.get_for_model(obj)
    return ObjectChange.objects.filter(content_type=content_type, object_id=obj.pk).latest("pk")


def _readable(obj) -> dict[str, ChangedValue]:
    change = _last_change(obj)
    return {
        row.label: row
        for row in Reader([(type(obj), change.changes)]).rows(type(obj), change.changes)
    }


def _edited_customer(alice, bob, admin) -> Customer:
    """Alice's customer, handed to Bob by an administrator with its values filled in."""
    customer = make_customer(alice, custom_field_data={"annual_purchase": None})
    source = DictionaryItem.objects.get(dictionary__code="customer_source", code="referral")
    customer.owner = bob
    customer.source = source
    customer.customer_type = CustomerType.INTERMEDIATE
    customer.status = CustomerStatus.FORMAL
    customer.custom_field_data = {
        "grade": "gold",
        "annual_purchase": "2800000",
        "visited_on": "2026-03-05",
    }
    return services.save(customer, actor=admin)


def test_a_change_reads_as_labels_not_stored_values(alice, bob, admin, custom_fields):
    customer = _edited_customer(alice, bob, admin)
    rows = _readable(customer)
    assert (rows["Owner"].before, rows["Owner"].after) == ("Alice", "Bob")
    assert (rows["Source"].before, rows["Source"].after) == (EMPTY, "Referral")
    assert rows["Customer type"].after == str(CustomerType.INTERMEDIATE.label)
    assert rows["Status"].after == str(CustomerStatus.FORMAL.label)
    assert rows["Grade"].after == "Gold"
    assert "2,800,000.00" in rows["Annual purchase"].after
    assert rows["Visited on"].after == DateTexts().text(datetime.date(2026, 3, 5))
    labels = list(rows)  # the form's order: own fields, then custom ones
    assert labels.index("Owner") < labels.index("Source") < labels.index("Grade")
    text = " ".join(f"{r.label} {r.before} {r.after}" for r in rows.values())
    for raw in ("{", "None", "custom_field_data", "referral", "intermediate", "_id"):
        assert raw not in text


def test_deleted_at_reads_as_a_date_in_the_readers_format(alice):
    customer = make_customer(alice)
    services.delete(customer, actor=alice)
    deleted_at = Customer.all_objects.get(pk=customer.pk).deleted_at
    services.restore(Customer.all_objects.get(pk=customer.pk), actor=alice)
    rows = _readable(customer)
    shown = DateTexts().text(timezone.localtime(deleted_at))
    assert (rows["Deleted at"].before, rows["Deleted at"].after) == (shown, EMPTY)
    assert "T" not in rows["Deleted at"].before


def test_a_contact_birthday_reads_as_a_date(alice):
    customer = make_customer(alice)
    contact = services.save(Contact(owner=alice, customer=customer, name="王芳"), actor=alice)
    contact.birthday = datetime.date(1990, 7, 1)
    services.save(contact, actor=alice)
    rows = _readable(contact)
    assert rows["Birthday"].after == DateTexts().text(datetime.date(1990, 7, 1))


def test_document_lines_read_line_by_line(alice):
    lines = [{"product": "螺丝 M6", "quantity": Decimal("1.5"), "unit_price": Decimal("2")}]
    doc = services.save(
        SampleDocument(owner=alice, name="采购申请", amount=Decimal("3")), actor=alice, lines=lines
    )
    more = [{**lines[0], "quantity": Decimal("3")}, {"product": "垫片", "quantity": Decimal("10")}]
    services.save(doc, actor=alice, lines=more)
    rows = _readable(doc)
    assert (rows["Line 1 · Quantity"].before, rows["Line 1 · Quantity"].after) == ("1.5", "3")
    assert rows["Line 2"].before == EMPTY
    assert rows["Line 2"].after.startswith("Product: 垫片, Quantity: 10, Unit price: 0.00")


def test_rows_stored_before_read_the_same(alice, bob, custom_fields):
    """Nothing is rewritten: a row as the log has kept it reads with labels."""
    item = DictionaryItem.objects.get(dictionary__code="customer_source", code="website")
    stored = {
        "owner_id": [alice.pk, bob.pk],
        "source_id": [None, item.pk],
        "custom_field_data": [
            {"annual_purchase": None},
            {"annual_purchase": None, "grade": "gold"},
        ],
        "deleted_at": ["2026-12-06T00:12:37.461154+00:00", None],
    }
    rows = {r.label: r for r in Reader([(Customer, stored)]).rows(Customer, stored)}
    assert rows["Owner"].after == "Bob"
    assert rows["Source"].after == "Website"
    assert rows["Grade"].after == "Gold"
    assert "Annual purchase" not in rows  # unchanged
    moment = datetime.datetime(2026, 12, 6, 0, 12, 37, 461154, tzinfo=datetime.UTC)
    assert rows["Deleted at"].before == DateTexts().text(moment)


def test_the_change_log_page_and_the_timeline_show_labels(
    alice, bob, admin, auditor, client_for, custom_fields
):
    customer = _edited_customer(alice, bob, admin)
    log = client_for(auditor).get("/org/logs/changes/", {"type": "customers.customer"})
    timeline = client_for(bob).get(f"/customers/{customer.pk}/").content.decode()
    for page in (log.content.decode(), timeline):
        assert "Referral" in page
        assert "Gold" in page
        assert "2,800,000.00" in page
        assert "{&#x27;" not in page and "annual_purchase" not in page
    update = log.context["page"].rows[0]
    assert {f.label: f.after for f in update["fields"]}["Owner"] == "Bob"


def test_the_change_log_reads_the_records_named_once_per_related_model(
    alice, bob, admin, auditor, client_for
):
    customers = [make_customer(alice, name=f"客户{i}") for i in range(12)]
    client = client_for(auditor)

    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/org/logs/changes/", {"type": "customers.customer"})
        return len(queries)

    for customer in customers[:3]:
        customer.owner = bob
        services.save(customer, actor=admin)
    queries_for_a_page()  # the per-process copies (custom fields, dictionaries) filled
    few = queries_for_a_page()
    for customer in customers[3:]:
        customer.owner = bob
        services.save(customer, actor=admin)
    assert queries_for_a_page() == few


def test_a_custom_field_naming_a_user_reads_as_their_name(alice, bob, client_for):
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="account_manager",
        label_zh="客户经理",
        label_en="Account manager",
        field_type="user",
    )
    customer = make_customer(alice)
    customer.custom_field_data = {"account_manager": bob.pk}
    services.save(customer, actor=alice)
    assert _readable(customer)["Account manager"].after == "Bob"
    detail = client_for(alice).get(f"/customers/{customer.pk}/")
    shown = {f.label: f.value for f in detail.context["custom_values"]}
    assert shown["Account manager"] == "Bob"


def test_the_change_log_page_comes_a_page_at_a_time(alice, auditor, client_for):
    from crm.org.security.logs import PAGE_SIZE

    for i in range(PAGE_SIZE + 5):
        make_customer(alice, name=f"客户{i}")
    client = client_for(auditor)
    first = client.get("/org/logs/changes/", {"type": "customers.customer"})
    assert len(first.context["page"].rows) == PAGE_SIZE
    cursor = first.context["page"].next_cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = client.get("/org/logs/changes/", {"type": "customers.customer", "cursor": cursor})
    names = [row["object_repr"] for row in second.context["page"].rows]
    assert names == [f"客户{i}" for i in range(4, -1, -1)]
    assert second.context["page"].next_cursor is None
