"""Keyset pages and capped counts."""

import pytest

from crm.core import paging, services
from crm.customers.models import Customer


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["name", "-name", "-updated_at"])
def test_forward_and_back_pages_visit_every_row_once(alice, ordering):
    for i in range(11):
        services.save(Customer(name=f"客户{i % 4}"), actor=alice)
    qs = Customer.objects.all()
    seen, cursor, pages = [], None, []
    while True:
        page = paging.paginate(qs, ordering, fields=["name"], limit=3, cursor=cursor)
        pages.append(page)
        seen += [r["id"] for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(qs.values_list("id", flat=True))
    assert len(seen) == 11
    back = paging.paginate(qs, ordering, fields=["name"], limit=3, cursor=pages[-1].prev_cursor)
    assert [r["id"] for r in back.rows] == [r["id"] for r in pages[-2].rows]


@pytest.mark.django_db
def test_a_broken_cursor_starts_from_the_first_page(alice):
    services.save(Customer(name="甲"), actor=alice)
    page = paging.paginate(
        Customer.objects.all(), "name", fields=[], limit=5, cursor="not-a-cursor"
    )
    assert len(page.rows) == 1


@pytest.mark.django_db
def test_capped_count(alice):
    for i in range(4):
        services.save(Customer(name=f"客户{i}"), actor=alice)
    assert paging.capped_count(Customer.objects.all(), 3) == (3, True)
    assert paging.capped_count(Customer.objects.all(), 10) == (4, False)
