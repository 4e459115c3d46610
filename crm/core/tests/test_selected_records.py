"""Records selected in a list or in the recycle bin: deleted or restored together, each
under the permission model with its change log row; the message names refusals only when
there were some."""

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from crm.core import services
from crm.core.models import ChangeAction, ObjectChange
from crm.core.tests.test_imports import role
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def binned(owner, *names):
    records = [make_customer(owner, name=name) for name in names]
    for record in records:
        services.delete(record, actor=owner)
    return records


def test_bulk_delete_says_how_many_without_zero_refused(alice, client_for):
    first, second = make_customer(alice, name="甲"), make_customer(alice, name="乙")
    response = client_for(alice).post(
        "/customers/bulk/", {"action": "delete", "ids": [first.pk, second.pk]}
    )
    assert said(response) == ["2 records moved to the recycle bin."]
    assert not Customer.objects.exists()


def test_bulk_delete_names_the_refused_ones(alice, bob, client_for, admin):
    mine = make_customer(alice, name="甲")
    theirs = make_customer(bob, name="乙")
    # bob's record is one alice sees only through a share to read, not to change.
    services.share_record(theirs, actor=bob, user=alice)
    response = client_for(alice).post(
        "/customers/bulk/", {"action": "delete", "ids": [mine.pk, theirs.pk]}
    )
    assert said(response) == [
        "1 record moved to the recycle bin. 1 refused (locked, or not yours to change)."
    ]
    assert list(Customer.objects.all()) == [theirs]


def test_the_recycle_bin_restores_the_selected_records_with_change_log(alice, client_for):
    first, second, third = binned(alice, "甲", "乙", "丙")
    client = client_for(alice)
    page = client.get("/customers/trash/").content.decode()
    assert "Restore selected" in page and 'name="ids"' in page
    response = client.post("/customers/trash/restore/", {"ids": [first.pk, second.pk]})
    assert response.status_code == 302 and response["Location"] == "/customers/trash/"
    assert said(response) == ["2 records restored."]
    assert set(Customer.objects.values_list("name", flat=True)) == {"甲", "乙"}
    restores = ObjectChange.objects.filter(action=ChangeAction.RESTORE)
    assert sorted(restores.values_list("object_id", flat=True)) == sorted([first.pk, second.pk])
    assert Customer.all_objects.get(pk=third.pk).deleted_at is not None


def test_restoring_others_deletions_is_refused_and_changes_nothing(alice, bob, client_for):
    (mine,) = binned(alice, "甲")
    (theirs,) = binned(bob, "乙")
    changes = ObjectChange.objects.count()
    response = client_for(alice).post("/customers/trash/restore/", {"ids": [theirs.pk]})
    assert said(response) == ["0 records restored."]
    response = client_for(bob).post("/customers/trash/restore/", {"ids": [mine.pk, theirs.pk]})
    assert said(response) == ["1 record restored."]  # alice's deletion is not bob's to see
    assert list(Customer.objects.values_list("name", flat=True)) == ["乙"]
    assert ObjectChange.objects.count() == changes + 1
    assert Customer.all_objects.get(pk=mine.pk).deleted_at is not None


def test_a_manager_without_restore_is_refused_and_nothing_changes(alice, make_user, client_for):
    (record,) = binned(alice, "甲")
    manager = make_user("manager", roles=[role("manager", view="all", edit="all")])
    changes = ObjectChange.objects.count()
    response = client_for(manager).post("/customers/trash/restore/", {"ids": [record.pk]})
    assert said(response) == ["0 records restored. 1 refused (locked, or not yours to change)."]
    assert Customer.all_objects.get(pk=record.pk).deleted_at is not None
    assert ObjectChange.objects.count() == changes
