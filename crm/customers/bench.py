"""The bench's rows for customers and contacts (`make bench`, BENCH.md's ids and targets).

Each row names the operation, its target and the function that measures it with the
bench's generic measurements (`bench/run.py`: `run(bench, persona)`); the runner calls it
once per user the row lists. The data is `crm/customers/bench_data.py`'s.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crm.core.contributions import BenchOperation
from crm.customers.bench_data import write_import_file

PAGE_SIZE = 50
LISTS = ("sales", "sales-tail", "admin")
BOTH = ("sales", "admin")
LIST = "customers:customer_list"
API = "/api/v1/customers/"
# The queries every measured list uses (a filter + a sort; a custom field + another sort).
L1_QUERY = {"status": "formal", "ordering": "name", "per_page": str(PAGE_SIZE)}
L3_QUERY = {"cf_scale": "large", "ordering": "-created_at", "per_page": str(PAGE_SIZE)}
F3_COLUMNS = [
    "name",
    "number",
    "status",
    "level",
    "industry",
    "city",
    "phone",
    "owner",
    "created_at",
    "updated_at",
]
SEARCH_TARGET = "50/150 ms; ≤ {}× SQL floor"
SEARCHES = [
    # id, what, query, ratio target vs SQL floor
    ("S1", "global search, Latin 3 chars (hua)", "hua", 3),
    ("S2", "global search, 2 Chinese chars, rare (金蝶)", "金蝶", 5),
    ("S2", "global search, 2 Chinese chars, common (科技)", "科技", 5),
    ("S3", "global search, 4 Chinese chars (金蝶软件)", "金蝶软件", 3),
    ("S3", "global search, full pinyin (jindieruanjian)", "jindieruanjian", 3),
    ("S3", "global search, pinyin initials (jdrj)", "jdrj", 3),
    # Holders of "unmask" find a phone by any fragment, others by its whole number.
    ("S3", "global search, phone digits (86072000)", "86072000", 3),
    ("S3", "global search, whole phone number (075586072000)", "075586072000", 3),
]
ANCHOR = 1  # 金蝶软件: owned by the bench salesperson, 3 contacts


def list_page(bench, persona) -> None:
    bench.measure_l1(
        persona, "customer list, htmx partial, 50 rows, status filter + name sort", LIST, L1_QUERY
    )


def api_list(bench, persona) -> None:
    bench.measure_l2(
        persona, "customer list through the API (JSON), same query, token auth", API, L1_QUERY
    )


def custom_field_list(bench, persona) -> None:
    bench.measure_l3(
        persona,
        "customer list filtered on a custom field (cf_scale) + created_at sort",
        LIST,
        L3_QUERY,
    )


def deep_page(bench, persona) -> None:
    bench.measure_l4(persona, "customer", LIST, L1_QUERY)


def quick_search(url_name: str, q: str):
    """L1 with the list's quick search for a common word instead of the status filter."""

    def measure(bench, persona) -> None:
        bench.measure_list_search(persona, url_name, q)

    return measure


def global_search(op_id: str, what: str, q: str, limit: int):
    def measure(bench, persona) -> None:
        bench.measure_search(persona, op_id, what, q, limit)

    return measure


def type_ahead(bench, persona) -> None:
    path = f"{API}?{urlencode({'q': 'jin', 'limit': 10})}"
    what = "type-ahead: API quick search q=jin, top 10 (session, as Tom Select)"
    bench.measure_s4(persona, what, path)


def customer_360(bench, persona) -> None:
    from django.urls import reverse

    bench.measure_d1(
        persona,
        [
            (
                reverse("customers:customer_detail", args=[ANCHOR]),
                "customer 360 page (header, timeline, attachments)",
            ),
            (
                reverse("customers:customer_related", args=[ANCHOR, "contact"]),
                "customer 360: contacts tab (htmx, loads with the page)",
            ),
        ],
    )


def serialization(bench, persona) -> None:
    bench.measure_f2(persona, "customer")


def list_render(bench, persona) -> None:
    bench.measure_f3(persona, LIST, L1_QUERY, F3_COLUMNS)


def export(bench, persona) -> None:
    bench.measure_i3(persona, "customer")


def csv_import(bench, persona) -> None:
    bench.measure_import(persona, "I1", "customer", write_import_file, "IM")


def xlsx_import(bench, persona) -> None:
    bench.measure_import(persona, "I2", "customer", write_import_file, "IM")


def form_create(bench, persona) -> None:
    from crm.customization.models import DictionaryItem

    industry = DictionaryItem.objects.get(dictionary__code="industry", code="software_it").pk
    level = DictionaryItem.objects.get(dictionary__code="customer_level", code="b").pk

    def fields_for(n: int) -> dict:
        return {
            "name": f"基准表单客户{n}号科技有限公司",
            "customer_type": "end",
            "status": "potential",
            "industry": industry,
            "level": level,
            "province": "广东省",
            "city": "深圳",
            "phone": f"0755-{26000000 + n}",
            "email": f"form{n}@bench.example.cn",
        }

    bench.measure_w1(
        persona,
        "create a customer through the form (validation, numbering, change log, search)",
        "customers:customer_create",
        fields_for,
    )


def api_create(bench, persona) -> None:
    from crm.customers.models import Customer

    bench.measure_w2(
        persona,
        API,
        lambda n: {"name": f"接口压测客户{n}号有限公司", "phone": f"138{n:08d}"},
        Customer,
    )


OPERATIONS = [
    BenchOperation(
        "L1",
        "list page",
        "20/60 ms; ≤ 8× page floor; ≤ 6 queries at any page size",
        list_page,
        LISTS,
    ),
    BenchOperation("L2", "API list", "10/30 ms; ≤ 4× page floor", api_list, LISTS),
    BenchOperation(
        "L3",
        "custom field list",
        "40/150 ms; ≤ 2× SQL floor when the SQL takes > 20 ms",
        custom_field_list,
        LISTS,
    ),
    BenchOperation("L4", "deep keyset page", "20/60 ms; ≤ 1.2× L1", deep_page, LISTS),
    *(
        BenchOperation(
            "L1", "list quick search", "20/60 ms; ≤ 8× page floor", quick_search(url, q), LISTS
        )
        for url, q in ((LIST, "科技"), ("customers:contact_list", "zhang"))
    ),
    *(
        BenchOperation(
            op_id, what, SEARCH_TARGET.format(limit), global_search(op_id, what, q, limit), BOTH
        )
        for op_id, what, q, limit in SEARCHES
    ),
    BenchOperation("S4", "type-ahead", "15/40 ms; ≤ 5× page floor", type_ahead, BOTH),
    BenchOperation("D1", "customer 360", "35/100 ms; ≤ 12 queries", customer_360, BOTH),
    BenchOperation(
        "F2",
        "API serialization",
        "≤ 10 µs/row; ≤ 2× serialization floor",
        serialization,
        ("admin",),
    ),
    BenchOperation(
        "F3", "list partial render", "≤ 5 ms; ≤ 3× a Jinja2 render of the same rows", list_render
    ),
    BenchOperation(
        "I3",
        "CSV export",
        "≥ 66,667 rows/s (1M in 15 s), flat memory; ≤ 7× COPY TO",
        export,
        ("admin",),
    ),
    BenchOperation("I1", "CSV import", "≥ 13,000 rows/s; ≥ 0.5× COPY", csv_import, ("admin",)),
    BenchOperation("I2", "XLSX import", "≥ 10,000 rows/s", xlsx_import, ("admin",)),
    BenchOperation("W1", "form create", "25/60 ms", form_create),
    BenchOperation(
        "W2",
        "API create",
        "p95 ≤ 50 ms; ≥ 0.12× the INSERT floor's throughput",
        api_create,
    ),
]
