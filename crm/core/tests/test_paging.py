"""Keyset pages and capped counts."""

import pytest

from crm.core import access, paging, services
from crm.core.errors import BadParameter
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
def test_a_broken_cursor_is_a_bad_parameter(alice):
    services.save(Customer(name="甲"), actor=alice)
    with pytest.raises(BadParameter):
        paging.paginate(Customer.objects.all(), "name", fields=[], limit=5, cursor="not-a-cursor")


@pytest.mark.django_db
def test_capped_count(alice):
    for i in range(4):
        services.save(Customer(name=f"客户{i}"), actor=alice)
    assert paging.capped_count(Customer.objects.all(), 3) == (3, True)
    assert paging.capped_count(Customer.objects.all(), 10) == (4, False)


def _walk(qs, ordering, parts):
    ids, cursor = [], None
    while True:
        page = paging.paginate(qs, ordering, fields=["name"], limit=4, cursor=cursor, parts=parts)
        ids += [r["id"] for r in page.rows]
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


@pytest.mark.django_db
@pytest.mark.parametrize("one_owner_part", [True, False])
@pytest.mark.parametrize("ordering", ["name", "-created_at"])
def test_a_list_read_part_by_part_pages_and_counts_as_a_whole(
    alice, bob, make_user, monkeypatch, ordering, one_owner_part
):
    """A salesperson's own records and those shared with them, read as disjoint parts,
    give the same pages and count as the single query (on SQLite: the single query)."""
    if not one_owner_part:
        monkeypatch.setattr(access, "PART_OWNERS", 0)  # owners then go in one IN part
    carol = make_user("carol")
    for i in range(9):
        services.save(Customer(name=f"客户{i % 3}"), actor=alice)
    shared = [services.save(Customer(name=f"客户{i}"), actor=bob) for i in range(3)]
    services.save(Customer(name="别人的客户"), actor=carol)
    services.add_collaborator(shared[0], alice, actor=bob)
    services.share_record(shared[1], user=alice, actor=bob)
    qs = Customer.objects.visible_to(alice)
    parts = Customer.objects.all().visible_parts(alice)
    assert len(parts) == 2
    whole = _walk(qs, ordering, None)
    assert len(whole) == 11
    assert _walk(qs, ordering, parts) == whole
    assert paging.capped_count(qs, 10, parts) == (10, True)
    assert paging.capped_count(qs, 20, parts) == (11, False)
    assert Customer.objects.all().visible_parts(make_user("root", is_superuser=True)) is None
