"""Conditions on records: the fields offered, typed rows, the same answer in memory and in
the database, and rows read out in both languages."""

import datetime
import random
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from crm.core.testing.sample.models import DocumentStatus, SampleDocument
from crm.customers.models import Customer, CustomerStatus, CustomerType
from crm.customization.models import CustomField, DictionaryItem, FieldType
from crm.customization.services import save_custom_field
from crm.workflow import conditions

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 15, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def add_custom_field(admin, model, name, kind, **fields):
    return save_custom_field(
        CustomField(
            content_type=ContentType.objects.get_for_model(model),
            name=name,
            label_zh=fields.pop("label_zh", name),
            label_en=fields.pop("label_en", name.replace("_", " ")),
            field_type=kind,
            **fields,
        ),
        actor=admin,
    )


def level(code):
    return DictionaryItem.objects.get(dictionary__code="customer_level", code=code)


def test_a_customer_offers_the_fields_people_know(admin):
    add_custom_field(admin, Customer, "budget", FieldType.MONEY, label_en="Budget")
    add_custom_field(admin, Customer, "hotline", FieldType.PHONE)

    fields = {f.name: f for f in conditions.fields_for("customer")}

    assert fields["level"].kind == "dictionary"
    assert (str(level("a").pk), "A - Key account") in fields["level"].choices
    assert fields["owner_id"].kind == "user"
    assert fields["updated_at"].kind == "datetime"
    assert "older_than_days" in fields["updated_at"].operators
    assert fields["customer_type"].choices == [(v, str(label)) for v, label in CustomerType.choices]
    assert fields["cf.budget"].kind == "money" and fields["cf.budget"].label == "Budget"
    hidden = {"phone", "cf.hotline", "version", "external_id", "custom_field_data", "name_sort"}
    assert hidden.isdisjoint(fields)


def test_labels_follow_the_active_language(admin):
    add_custom_field(admin, Customer, "budget", FieldType.MONEY, label_zh="预算")

    with translation.override("zh-hans"):
        fields = {f.name: f for f in conditions.fields_for("customer")}

    assert fields["cf.budget"].label == "预算"
    assert fields["updated_at"].label == "修改时间"


def test_rows_are_typed_for_storing(admin, alice):
    add_custom_field(admin, SampleDocument, "due", FieldType.DATE)

    rows = conditions.validate(
        "sampledocument",
        [
            {"field": "total", "op": "gt", "value": "¥1.2万"},
            {"field": "amount", "op": "lte", "value": "1,000"},
            {"field": "status", "op": "in", "value": ["draft", "submitted"]},
            {"field": "owner_id", "op": "eq", "value": str(alice.pk)},
            {"field": "updated_at", "op": "older_than_days", "value": "30"},
            {"field": "cf.due", "op": "lt", "value": "2026-07-01"},
            {"field": "name", "op": "empty", "value": "ignored"},
        ],
    )

    assert rows == [
        {"field": "total", "op": "gt", "value": "12000.0"},
        {"field": "amount", "op": "lte", "value": "1000"},
        {"field": "status", "op": "in", "value": ["draft", "submitted"]},
        {"field": "owner_id", "op": "eq", "value": alice.pk},
        {"field": "updated_at", "op": "older_than_days", "value": 30},
        {"field": "cf.due", "op": "lt", "value": "2026-07-01"},
        {"field": "name", "op": "empty", "value": None},
    ]


def test_a_dictionary_row_keeps_the_item_id():
    rows = conditions.validate(
        "customer", [{"field": "level", "op": "eq", "value": str(level("a").pk)}]
    )
    assert rows == [{"field": "level", "op": "eq", "value": level("a").pk}]


def test_wrong_rows_are_refused_by_their_part():
    with pytest.raises(ValidationError) as refused:
        conditions.validate(
            "customer",
            [
                {"field": "nonsense", "op": "eq", "value": "1"},
                {"field": "name", "op": "gt", "value": "1"},
                {"field": "updated_at", "op": "older_than_days", "value": "0"},
                {"field": "level", "op": "eq", "value": "999999"},
                {"field": "status", "op": "in", "value": []},
                {"field": "name", "op": "eq", "value": " "},
            ],
        )

    assert refused.value.message_dict == {
        "conditions.0.field": ["Choose a field."],
        "conditions.1.op": ["Choose a comparison that fits the field."],
        "conditions.2.value": ["Enter a whole number of days from 1 to 36500."],
        "conditions.3.value": ["Choose one of the offered values."],
        "conditions.4.value": ["Choose at least one value."],
        "conditions.5.value": ["Enter a value."],
    }


def test_an_amount_in_another_currency_is_refused():
    with pytest.raises(ValidationError) as refused:
        conditions.validate("sampledocument", [{"field": "total", "op": "gt", "value": "$5"}])
    assert refused.value.message_dict == {"conditions.0.value": ["Enter the amount in CNY."]}


def test_rows_read_out_in_both_languages(admin):
    add_custom_field(admin, Customer, "budget", FieldType.MONEY, label_zh="预算", label_en="Budget")
    rows = conditions.validate(
        "customer",
        [
            {"field": "cf.budget", "op": "gt", "value": "100000"},
            {"field": "updated_at", "op": "older_than_days", "value": "30"},
            {"field": "level", "op": "in", "value": [level("a").pk, level("b").pk]},
            {"field": "name", "op": "contains", "value": "金蝶"},
        ],
    )

    english = conditions.describe("customer", rows)
    with translation.override("zh-hans"):
        chinese = conditions.describe("customer", rows)

    assert english == [
        "Budget > ¥100,000.00",
        "updated at more than 30 days ago",
        "level is one of A - Key account / B - Major account",
        "customer name contains “金蝶”",
    ]
    assert chinese[0] == "预算 > ¥100,000.00"
    assert chinese[1] == "修改时间 早于 30 天前"
    assert chinese[2] == "等级 属于 A 重要客户 / B 主要客户"


def test_no_rows_hold_for_every_record(alice):
    document = SampleDocument.objects.create(owner=alice, name="x")
    assert conditions.holds(document, [])
    assert SampleDocument.objects.filter(conditions.as_q(SampleDocument, [])).count() == 1


# holds() and as_q() agree --------------------------------------------------------------

WORDS = ["", "alpha", "Alpha beta", "金蝶软件", "beta", "ALPHA"]


def random_moment(rng) -> datetime.datetime:
    return NOW + datetime.timedelta(days=rng.randint(-60, 60), seconds=rng.randint(0, 86399))


def random_day(rng) -> str:
    return (NOW.date() + datetime.timedelta(rng.randint(-20, 20))).isoformat()


def random_custom_values(rng, users, codes) -> dict:
    """Custom values as forms store them, some missing, some empty."""
    values = {
        "score": rng.choice([None, rng.randint(-5, 5)]),
        "ratio": rng.choice([None, str(Decimal(rng.randint(-500, 500)) / 100)]),
        "budget": rng.choice([None, f"{rng.randint(0, 3000)}.{rng.randint(0, 99):02d}"]),
        "due": rng.choice(
            [None, (NOW.date() + datetime.timedelta(rng.randint(-20, 20))).isoformat()]
        ),
        "met_at": rng.choice([None, timezone.localtime(random_moment(rng)).isoformat()]),
        "vip": rng.choice([None, True, False]),
        "grade": rng.choice([None, *codes]),
        "memo": rng.choice([None, *WORDS]),
        "buyer": rng.choice([None, *(u.pk for u in users)]),
    }
    return {k: v for k, v in values.items() if rng.random() > 0.15}


@contextmanager
def committed():
    """Run what the block leaves for its commit as a commit would, so the per-process
    copies of custom field definitions are used again (crm.core.kept)."""
    start = len(connection.run_on_commit)
    yield
    pending = connection.run_on_commit[start:]
    del connection.run_on_commit[start:]
    for _, callback, _robust in pending:
        callback()


@pytest.fixture
def documents(admin, alice, bob):
    """Three hundred documents with every kind of value, custom ones included."""
    rng = random.Random(20260615)
    with committed():
        grade = add_custom_field(
            admin, SampleDocument, "grade", FieldType.CHOICE, dictionary=level("a").dictionary
        )
        for name, kind in [
            ("score", FieldType.INTEGER),
            ("ratio", FieldType.DECIMAL),
            ("budget", FieldType.MONEY),
            ("due", FieldType.DATE),
            ("met_at", FieldType.DATETIME),
            ("vip", FieldType.BOOLEAN),
            ("memo", FieldType.TEXT),
            ("buyer", FieldType.USER),
        ]:
            add_custom_field(admin, SampleDocument, name, kind)
    codes = [i.code for i in grade.dictionary.items.all()]
    users = [alice, bob]
    SampleDocument.objects.bulk_create(
        SampleDocument(
            owner=rng.choice(users),
            name=rng.choice(WORDS[1:]),
            reason=rng.choice(WORDS),
            amount=Decimal(rng.randint(-1000, 1000)) / 4,
            total=Decimal(rng.randint(0, 400)) / 2,
            status=rng.choice(DocumentStatus.values),
            custom_field_data=random_custom_values(rng, users, codes),
        )
        for _ in range(300)
    )
    stored = list(SampleDocument.objects.all())
    for document in stored:
        document.updated_at = random_moment(rng)
        document.created_at = random_moment(rng)
    SampleDocument.objects.bulk_update(stored, ["updated_at", "created_at"])
    return list(SampleDocument.objects.all())


def raw_value(rng, field, documents) -> object:
    """A value an administrator might type, often one that records hold."""
    if field.kind == "bool":
        return rng.choice(["true", "false"])
    if field.kind in ("choice", "dictionary"):
        return rng.choice(field.choices)[0]
    if field.kind == "user":
        return str(rng.choice(documents).owner_id)
    if field.kind in ("number", "money"):
        return rng.choice(["0", "-2.5", "3", "100", "250.5", "1000", "12.75", "1.5"])
    if field.kind == "date":
        return random_day(rng)
    if field.kind == "datetime":
        return random_moment(rng).isoformat()
    return rng.choice(["alpha", "beta", "金蝶", "Alpha beta", "ALPHA"])


def random_row(rng, field, documents) -> dict:
    op = rng.choice(field.operators)
    if op in ("older_than_days", "within_days"):
        value: object = str(rng.randint(1, 40))
    elif op == "in":
        value = [raw_value(rng, field, documents) for _ in range(rng.randint(1, 3))]
    else:
        value = raw_value(rng, field, documents)
    return {"field": field.name, "op": op, "value": value}


def test_holds_and_as_q_agree_on_every_record(documents):
    rng = random.Random(7)
    fields = conditions.fields_for("sampledocument")
    tried_ops = set()
    for _ in range(400):
        chosen = rng.sample(fields, rng.choice([1, 1, 2, 3]))
        rows = conditions.validate(
            "sampledocument", [random_row(rng, f, documents) for f in chosen]
        )
        tried_ops |= {(f.kind, r["op"]) for f, r in zip(chosen, rows, strict=True)}

        in_memory = {d.pk for d in documents if conditions.holds(d, rows, now=NOW)}
        in_database = set(
            SampleDocument.objects.filter(
                conditions.as_q(SampleDocument, rows, now=NOW)
            ).values_list("pk", flat=True)
        )

        assert in_memory == in_database, rows
    assert {(f.kind, op) for f in fields for op in f.operators} <= tried_ops


def test_customer_rows_agree_with_the_database(alice, bob):
    rng = random.Random(11)
    levels = [None, level("a"), level("b"), level("s")]
    Customer.objects.bulk_create(
        Customer(
            owner=rng.choice([alice, bob]),
            name=f"客户{n}",
            level=rng.choice(levels),
            customer_type=rng.choice(CustomerType.values),
            status=rng.choice(CustomerStatus.values),
        )
        for n in range(120)
    )
    stored = list(Customer.objects.all())
    for customer in stored:
        customer.updated_at = random_moment(rng)
    Customer.objects.bulk_update(stored, ["updated_at"])
    customers = list(Customer.objects.all())
    fields = [f for f in conditions.fields_for("customer") if f.kind != "text"]

    for _ in range(150):
        chosen = rng.sample(fields, rng.choice([1, 2]))
        rows = conditions.validate("customer", [random_row(rng, f, customers) for f in chosen])

        in_memory = {c.pk for c in customers if conditions.holds(c, rows, now=NOW)}
        in_database = set(
            Customer.objects.filter(conditions.as_q(Customer, rows, now=NOW)).values_list(
                "pk", flat=True
            )
        )

        assert in_memory == in_database, rows


def test_a_proposed_value_as_typed_is_compared_as_stored(alice):
    rows = conditions.validate("customer", [{"field": "credit_limit", "op": "gt", "value": "10万"}])
    proposed = Customer(owner=alice, name="金蝶软件", credit_limit="120000")

    assert conditions.holds(proposed, rows)
    assert not conditions.holds(Customer(owner=alice, name="x", credit_limit="99999.99"), rows)
