"""Scale checks that run with the suite, at a small scale (timings are `make bench`'s job):

- the list page's and the API list's query counts depend neither on the page size nor on
  the number of rows in the table;
- the SQL of list pages uses keyset pagination (no OFFSET, on any page) and only capped
  counts (every COUNT has a LIMIT inside);
- a salesperson's list reads their own records apart from those shared with them;
- the global search for two Chinese characters reads the search index: the GIN index
  `core_searchentry_tokens` on PostgreSQL, the FTS5 table on SQLite.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core import registry, search, services
from crm.core.models import SearchEntry
from crm.core.text import name_tokens
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import DictionaryItem

HTMX = {"HX-Request": "true", "HX-Target": "results"}
API = "/api/v1/customers/"
OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)
COUNT = re.compile(r"\bCOUNT\s*\(", re.IGNORECASE)
LIMIT = re.compile(r"\bLIMIT\b", re.IGNORECASE)
# With fewer rows, scans are rightly cheaper than the GIN index on PostgreSQL.
ROWS = 10_000


def list_url() -> str:
    return reverse("customers:customer_list")


def add_customers(owner, count: int, start: int = 0) -> None:
    """Customers with a level and an industry, so every label lookup of the list runs."""
    levels = list(DictionaryItem.objects.filter(dictionary__code="customer_level"))
    industries = list(DictionaryItem.objects.filter(dictionary__code="industry"))
    for n in range(start, start + count):
        make_customer(
            owner,
            name=f"华星电子{n:03d}号有限公司",
            level=levels[n % len(levels)],
            industry=industries[n % len(industries)],
            phone=f"0755-8607{n:04d}",
        )


def queries(get, path: str, params: dict, headers: dict | None = None) -> list[str]:
    """The SQL of one request, after a first one has warmed the per-process caches."""
    get(path, params, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = get(path, params, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return [q["sql"] for q in captured.captured_queries]


def api_get(api):
    def get(path, params, headers=None):
        return api.client.get(path, params, headers={**api.headers, **(headers or {})})

    return get


def counts(client, api) -> dict[str, int]:
    """Query counts of the list page, its htmx partial and the API at page sizes 20, 100."""
    found = {}
    for size in (20, 100):
        params = {"per_page": size, "ordering": "name", "status": "potential"}
        found[f"page {size}"] = len(queries(client.get, list_url(), params))
        found[f"partial {size}"] = len(queries(client.get, list_url(), params, HTMX))
        api_params = {"limit": size, "ordering": "name", "status": "potential"}
        found[f"api {size}"] = len(queries(api_get(api), API, api_params))
    return found


@pytest.mark.django_db
def test_list_and_api_query_counts_do_not_depend_on_page_or_table_size(alice, client_for, api_for):
    client, api = client_for(alice), api_for(alice)
    add_customers(alice, 5)
    small = counts(client, api)
    add_customers(alice, 55, start=5)
    large = counts(client, api)

    assert small == large
    for kind in ("page", "partial", "api"):
        assert small[f"{kind} 20"] == small[f"{kind} 100"], small
    # BENCH.md's L1: at most six queries whatever the page size (user, roles, rows, count,
    # owners' names; custom fields and dictionary labels come from the process's copy).
    assert small["partial 20"] <= 6, small


def walk(get, path: str, params: dict, cursor_of, pages: int) -> list[list[str]]:
    """The SQL of the first `pages` pages, following each page's next cursor."""
    captured_pages = []
    cursor = None
    for _ in range(pages):
        with CaptureQueriesContext(connection) as captured:
            response = get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        captured_pages.append([q["sql"] for q in captured.captured_queries])
        cursor = cursor_of(response)
        assert cursor, "expected a next page"
    return captured_pages


@pytest.mark.django_db
def test_list_pages_use_keyset_pagination_and_capped_counts(alice, client_for, api_for):
    add_customers(alice, 45)
    client, api = client_for(alice), api_for(alice)
    pages = walk(
        client.get,
        list_url(),
        {"per_page": 20, "ordering": "-updated_at"},
        lambda r: r.context["page"].next_cursor,
        pages=2,
    )
    pages += walk(
        api_get(api),
        API,
        {"limit": 20, "ordering": "name"},
        lambda r: r.json()["next_cursor"],
        pages=2,
    )
    sqls = [sql for page in pages for sql in page]

    assert not [s for s in sqls if OFFSET.search(s)]
    counted = [s for s in sqls if COUNT.search(s)]
    assert counted, "the list page shows a (capped) count"
    assert all(LIMIT.search(s[COUNT.search(s).end() :]) for s in counted), counted
    # A later page starts the sort index at its cursor (a bound the index can use), not
    # from the top with the cursor as a filter.
    second_html, second_api = pages[1], pages[3]
    assert any(re.search(r'"updated_at" <= ', s) for s in second_html), second_html
    assert any(re.search(r'"name_sort" >= ', s) for s in second_api), second_api


def search_queries(user, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        groups = search.search(user, query)
    assert groups, "the search finds the customer"
    return [q["sql"] for q in captured.captured_queries if "core_searchentry" in q["sql"]]


def add_bulk_customers(owner, count: int) -> None:
    """Customers and search entries that do not match "金蝶", written in bulk (not through
    the write path) so the planner weighs the index against tables of a realistic size."""
    customers = Customer.objects.bulk_create(
        (
            Customer(name=f"深圳华星电子{n}号科技有限公司", owner=owner, version=1)
            for n in range(count)
        ),
        batch_size=2000,
    )
    content_type = ContentType.objects.get_for_model(Customer)
    SearchEntry.objects.bulk_create(
        (
            SearchEntry(
                content_type=content_type,
                object_id=c.pk,
                owner_id=owner.pk,
                title=c.name,
                tokens=" ".join(
                    search.type_prefix(content_type.pk) + t
                    for t in sorted(name_tokens(c.name) | search.masked_tokens(f"0755-2{n:07d}"))
                ),
            )
            for n, c in enumerate(customers)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE core_searchentry")
        else:
            cursor.execute("ANALYZE")


@pytest.mark.django_db
def test_two_chinese_characters_search_reads_the_search_index(alice):
    make_customer(alice, name="金蝶软件", phone="0755-86072000")
    add_customers(alice, 5)
    # SQLite answers MATCH only through the FTS5 table, whatever the table sizes.
    add_bulk_customers(alice, ROWS if connection.vendor == "postgresql" else 50)
    sqls = search_queries(alice, "金蝶")
    # One query per registered type, each ranking a bounded set of candidates.
    types = [ContentType.objects.get_for_model(t.model).pk for t in registry.all_types()]
    assert len(sqls) == len(types), sqls
    assert all(f"LIMIT {search.CANDIDATES})" in sql for sql in sqls), sqls
    customers = sqls[types.index(ContentType.objects.get_for_model(Customer).pk)]

    with connection.cursor() as cursor:
        for sql in sqls:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Seq Scan on core_searchentry" not in plan, plan
                if sql == customers:
                    assert "Bitmap Index Scan on core_searchentry_tokens" in plan, plan
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
                assert re.search(r"core_searchentry_fts VIRTUAL TABLE INDEX", plan), plan


@pytest.mark.django_db
def test_a_common_word_ranks_a_bounded_set_yet_finds_the_users_own_match(alice, bob):
    add_bulk_customers(alice, search.CANDIDATES * 3)
    make_customer(bob, name="华星", phone="0755-86072000")
    make_customer(alice, name="华星电子", phone="0755-86072001")

    # Alice sees far more matches than are ranked, five of them and "more"; a record
    # named exactly what she typed is always among them, first.
    groups = search.search(alice, "华星")
    assert len(groups[0].hits) == 5 and groups[0].more
    assert all("华星" in h.title for h in groups[0].hits)
    groups = search.search(alice, "华星电子")
    assert [h.title for h in groups[0].hits][:2] == ["华星电子", "深圳华星电子0号科技有限公司"]
    # Bob sees one match among hundreds of others': the cap never hides it.
    groups = search.search(bob, "华星")
    assert [(g.slug, [h.title for h in g.hits], g.more) for g in groups] == [
        ("customers", ["华星"], False)
    ]


@pytest.mark.django_db
def test_a_salespersons_list_reads_their_own_records_apart(alice, bob, client_for):
    """On PostgreSQL a salesperson's own records and those shared with them are read as
    separate parts of one UNION: the own part walks the (owner, sort) index, where an OR
    of both would make the database sort every record the owner has."""
    add_customers(alice, 3)
    services.add_collaborator(make_customer(bob, name="合作客户"), alice, actor=bob)
    client = client_for(alice)
    sqls = queries(client.get, list_url(), {"ordering": "name"}, HTMX)
    rows = [s for s in sqls if '"customers_customer"."name"' in s and not COUNT.search(s)]
    assert len(rows) == 1, rows
    if connection.vendor == "postgresql":
        own, shared = rows[0].split(" UNION ALL ")
        assert f'"customers_customer"."owner_id" = {alice.pk})' in own, own
        assert " OR " not in own, own
        assert '"core_collaborator"' in shared, shared
    else:
        assert " UNION " not in rows[0]
