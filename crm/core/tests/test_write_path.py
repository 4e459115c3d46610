"""The core write path: versions, permission, validation, change log, search, recycle bin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm.core import services
from crm.core.errors import AccessDenied, StaleVersion, ValidationFailed
from crm.core.models import ObjectChange, SearchEntry
from crm.customers.models import Customer


def changes(obj):
    return list(
        ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).order_by("id")
    )


@pytest.mark.django_db
def test_create_sets_owner_version_and_logs_every_value(alice):
    customer = services.save(Customer(name="金蝶软件", phone="0755-86072000"), actor=alice)
    assert (customer.owner, customer.created_by, customer.version) == (alice, alice, 1)
    (change,) = changes(customer)
    assert change.action == "create"
    assert change.changes["name"] == [None, "金蝶软件"]
    assert change.changes["phone"] == [None, "0755-86072000"]
    assert "version" not in change.changes


@pytest.mark.django_db
def test_update_logs_only_what_changed(alice):
    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    customer.city = "深圳"
    services.save(customer, actor=alice, expected_version=1)
    assert changes(customer)[-1].changes == {"city": ["", "深圳"]}
    services.save(customer, actor=alice, expected_version=2)
    assert len(changes(customer)) == 2, "a save that changes nothing is not logged"


@pytest.mark.django_db
def test_stale_version_is_refused_and_nothing_changes(alice):
    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    first = Customer.objects.get(pk=customer.pk)
    second = Customer.objects.get(pk=customer.pk)
    first.city = "深圳"
    services.save(first, actor=alice, expected_version=1)
    second.city = "上海"
    with pytest.raises(StaleVersion) as refused:
        services.save(second, actor=alice, expected_version=1)
    assert refused.value.current_version == 2
    assert "Alice" in refused.value.message
    customer.refresh_from_db()
    assert (customer.city, customer.version, len(changes(customer))) == ("深圳", 2, 2)


@pytest.mark.django_db
def test_someone_else_cannot_change_a_record(alice, bob):
    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    customer.name = "改名"
    with pytest.raises(AccessDenied):
        services.save(customer, actor=bob, expected_version=1)
    customer.refresh_from_db()
    assert customer.name == "金蝶软件"
    assert len(changes(customer)) == 1


@pytest.mark.django_db
def test_giving_a_record_away_that_you_would_no_longer_see_is_refused(alice, bob):
    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    customer.owner = bob
    with pytest.raises(AccessDenied):
        services.save(customer, actor=alice, expected_version=1)
    customer.refresh_from_db()
    assert customer.owner == alice


@pytest.mark.django_db
def test_validation_failure_writes_nothing(alice):
    with pytest.raises(ValidationFailed) as refused:
        services.save(Customer(name="", email="x"), actor=alice)
    assert set(refused.value.fields) >= {"name", "email"}
    assert Customer.all_objects.count() == 0
    assert ObjectChange.objects.count() == 0
    assert SearchEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_link_kept_as_stored_is_not_looked_up_again_but_a_changed_one_is(alice):
    groups = [services.save(Customer(owner=alice, name=n), actor=alice) for n in ("总部", "集团")]
    customer = services.save(Customer(owner=alice, name="分公司", parent=groups[0]), actor=alice)

    def lookups_of(parent, change) -> int:
        with CaptureQueriesContext(connection) as captured:
            change()
            services.save(customer, actor=alice, expected_version=customer.version)
        table = Customer._meta.db_table
        exists = f'SELECT 1 AS "a" FROM "{table}" WHERE "{table}"."id" = {parent.pk} LIMIT 1'
        return sum(query["sql"] == exists for query in captured.captured_queries)

    assert lookups_of(groups[0], lambda: setattr(customer, "phone", "010-12345678")) == 0
    assert lookups_of(groups[1], lambda: setattr(customer, "parent", groups[1])) == 1
    assert Customer.objects.get(pk=customer.pk).parent_id == groups[1].pk


@pytest.mark.django_db
def test_a_deactivated_dictionary_item_stays_on_its_records_but_is_not_chosen_anew(alice):
    from crm.customization.models import DictionaryItem

    levels = DictionaryItem.objects.filter(dictionary__code="customer_level")
    retired, other = levels[0], levels[1]
    held = services.save(Customer(owner=alice, name="Acme", level=retired), actor=alice)
    fresh = services.save(Customer(owner=alice, name="Bolt"), actor=alice)
    DictionaryItem.objects.filter(pk=retired.pk).update(is_active=False)

    held.phone = "010-12345678"
    services.save(held, actor=alice)  # kept as it was: not checked again
    assert Customer.objects.get(pk=held.pk).phone == "010-12345678"
    fresh.level = retired
    with pytest.raises(ValidationFailed) as refused:
        services.save(fresh, actor=alice)
    assert list(refused.value.fields) == ["level"]
    assert Customer.objects.get(pk=fresh.pk).level_id is None
    held.level = other
    services.save(held, actor=alice)
    assert Customer.objects.get(pk=held.pk).level_id == other.pk


def test_unknown_custom_field_is_refused(alice):
    with pytest.raises(ValidationFailed) as refused:
        services.save(Customer(name="金蝶软件", custom_field_data={"nope": 1}), actor=alice)
    assert "custom_fields.nope" in refused.value.fields


@pytest.mark.django_db
def test_a_record_still_used_is_not_erased(alice, admin):
    from crm.core.errors import DomainError
    from crm.sales.models import Opportunity
    from crm.sales.testing import make_process

    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    deal = Opportunity.objects.create(
        owner=alice, name="MES 一期", customer=customer, process=make_process()
    )
    services.delete(customer, actor=alice)
    before = len(changes(customer))
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.purge(customer, actor=admin)
    assert refused.value.message == "It is still used by opportunities, so it cannot be erased."
    assert Customer.all_objects.filter(pk=customer.pk).exists()
    assert len(changes(customer)) == before
    assert Opportunity.objects.get(pk=deal.pk).customer_id == customer.pk


@pytest.mark.django_db
def test_delete_restore_purge_cycle(alice, admin):
    customer = services.save(Customer(name="金蝶软件"), actor=alice)
    services.delete(customer, actor=alice)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not SearchEntry.objects.filter(object_id=customer.pk).exists()
    with pytest.raises(AccessDenied):
        services.purge(customer, actor=alice)
    services.restore(customer, actor=alice)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert SearchEntry.objects.filter(object_id=customer.pk).exists()
    with pytest.raises(AccessDenied):
        services.purge(customer, actor=admin)  # only from the recycle bin
    services.delete(customer, actor=alice)
    services.purge(customer, actor=admin)
    assert not Customer.all_objects.filter(pk=customer.pk).exists()
    assert [c.action for c in changes(customer)] == [
        "create",
        "delete",
        "restore",
        "delete",
        "purge",
    ]


@pytest.mark.django_db
def test_change_log_carries_the_request_id(alice, client_for):
    client = client_for(alice)
    response = client.post(
        "/customers/new/",
        {"name": "金蝶软件", "customer_type": "end", "status": "potential"},
        headers={"X-Request-ID": "req-42"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-42"
    assert ObjectChange.objects.get().request_id == "req-42"


@pytest.mark.django_db
def test_the_search_entry_is_written_again_only_when_what_it_reads_changes(alice, bob, admin):
    customer = services.save(Customer(owner=alice, name="金蝶软件"), actor=alice)
    entry = SearchEntry.objects.get(object_id=customer.pk)
    SearchEntry.objects.filter(pk=entry.pk).update(tokens="stale")
    customer.notes = "回访过两次"
    customer = services.save(customer, actor=alice, expected_version=customer.version)
    assert SearchEntry.objects.get(pk=entry.pk).tokens == "stale"  # notes are not searched
    customer.name = "金蝶国际软件"
    customer = services.save(customer, actor=alice, expected_version=customer.version)
    written = SearchEntry.objects.get(object_id=customer.pk)
    assert written.tokens != "stale" and written.title == "金蝶国际软件"
    SearchEntry.objects.filter(pk=written.pk).update(tokens="stale")
    customer.owner = bob
    services.save(customer, actor=admin, expected_version=customer.version)
    moved = SearchEntry.objects.get(object_id=customer.pk)
    assert (moved.owner_id, moved.tokens != "stale") == (bob.pk, True)
