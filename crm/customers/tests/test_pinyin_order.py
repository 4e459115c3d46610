"""Customers and contacts sort by name in pinyin order (上海 after 北京), as Chinese users
expect, on PostgreSQL and SQLite, on an index and page by page (keyset); the sort key is
filled on every path that writes a name: the form and the API, imports, bulk inserts and
the migration for stored rows."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from crm.core import bulk, paging, registry, services
from crm.core.models import ObjectChange
from crm.core.tests.test_imports import csv_file, run, summary
from crm.core.text import sort_key
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer

pytestmark = pytest.mark.django_db

# In pinyin order: a li, acme, bei jing, chang sha, chong qing, shang hai.
IN_ORDER = ["阿里巴巴", "Acme Trading", "北京科技", "长沙机械", "重庆火锅", "上海电气"]
SHUFFLED = ["上海电气", "重庆火锅", "Acme Trading", "北京科技", "阿里巴巴", "长沙机械"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_name_sorts_by_its_pinyin():
    assert sort_key("北京科技") == "bei jing ke ji"
    assert sort_key("上海电气") == "shang hai dian qi"
    assert sort_key("ＡＣＭＥ（深圳）") == "acme shen zhen"
    assert sorted(SHUFFLED, key=sort_key) == IN_ORDER


def test_the_list_sorts_names_in_pinyin_order_both_ways(alice, client_for):
    for name in SHUFFLED:
        make_customer(alice, name=name)
    client = client_for(alice)
    for ordering, expected in (("name", IN_ORDER), ("-name", IN_ORDER[::-1])):
        response = client.get("/customers/", {"ordering": ordering, "col": "name"})
        assert [row["cells"][0][0] for row in response.context["rows"]] == expected


def test_the_api_pages_through_names_in_pinyin_order(alice, api_for):
    for name in SHUFFLED:
        make_customer(alice, name=name)
    api, names, cursor = api_for(alice), [], None
    while True:
        params = {"ordering": "name", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/customers/", params).json()
        names += [item["name"] for item in body["items"]]
        assert all("name_sort" not in item for item in body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert names == IN_ORDER


def test_a_rename_re_sorts_and_the_change_log_names_only_the_name(alice):
    customer = make_customer(alice, name="北京科技")
    customer.name = "重庆科技"
    services.save(customer, actor=alice)
    customer.refresh_from_db()
    assert customer.name_sort == "chong qing ke ji"
    change = ObjectChange.objects.filter(object_id=customer.pk).latest("id")
    assert set(change.changes) == {"name"}


def test_imports_fill_the_key_when_creating_and_updating(alice):
    job = run(alice, csv_file([["Number", "Customer name"], ["C-1", "上海电气"]]))
    assert job.summary == summary(created=1)
    assert Customer.objects.get().name_sort == "shang hai dian qi"
    upload = csv_file([["Number", "Customer name"], ["C-1", "北京电气"]])
    job = run(alice, upload, on_duplicate="update", match="number")
    assert job.summary == summary(updated=1)
    assert Customer.objects.get().name_sort == "bei jing dian qi"


def test_a_bulk_insert_fills_the_key(alice):
    customer = make_customer(alice, name="星海")
    contact = Contact(customer=customer, owner=alice, name="王芳")
    bulk.insert(Contact, [contact])
    assert Contact.objects.get(pk=contact.pk).name_sort == "wang fang"


def test_the_migration_fills_the_keys_of_stored_rows(alice):
    for name in ("北京科技", "上海电气"):
        make_customer(alice, name=name)
    Customer.all_objects.update(name_sort="")
    migration = importlib.import_module("crm.customers.migrations.0008_name_sort_keys")
    migration.fill_sort_keys(apps, None)
    keys = set(Customer.all_objects.values_list("name_sort", flat=True))
    assert keys == {"bei jing ke ji", "shang hai dian qi"}


def _plan(sql: str, params) -> str:
    """The database's plan of a query (PostgreSQL told to avoid a table scan if it can)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_name_order_is_read_from_an_index(alice):
    for name in SHUFFLED:
        make_customer(alice, name=name)
    queryset = Customer.objects.order_by("name_sort", "id").values("id", "name")[:50]
    plan = _plan(*queryset.query.sql_with_params())
    assert "customer_name_sort" in plan, plan
    # No sort step of its own: PostgreSQL's "Sort" above the index scan, SQLite's B-tree.
    assert "Sort" not in plan.split("Index")[0] and "TEMP B-TREE" not in plan, plan
    assert (
        paging.paginate(Customer.objects.all(), "name", fields=["name"], limit=3).rows[0]["name"]
        == IN_ORDER[0]
    )


def test_every_type_listed_by_name_sorts_by_its_pinyin_key():
    by_name = [t for t in registry.all_types() if "name" in t.orderings]
    assert {t.key for t in by_name} >= {"customer", "contact"}
    for object_type in by_name:
        model = object_type.model
        assert getattr(model, "sort_keys", {}).get("name") == "name_sort", object_type.key
        indexed = [tuple(index.fields) for index in model._meta.indexes]
        assert ("name_sort", "id") in indexed, object_type.key
