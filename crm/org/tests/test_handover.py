"""Employee transfer handover: records move to others, logged, in a job with progress."""

import pytest

from crm.core import services
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.models import ObjectChange
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.org.handover import run_handover, start_handover
from crm.org.models import Handover, HandoverStatus


@pytest.fixture
def leaver(make_user):
    user = make_user("leaver")
    for i in range(5):
        customer = make_customer(user, name=f"交接客户{i}")
        services.save(Contact(customer=customer, name=f"联系人{i}"), actor=user)
    return user


@pytest.mark.django_db
def test_a_handover_shares_the_records_out_in_turn_with_their_contacts(
    admin, leaver, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handover = start_handover(leaver, [alice, bob], ["customer"], actor=admin)
    handover.refresh_from_db()
    assert (handover.status, handover.total, handover.done, handover.failed) == (
        HandoverStatus.DONE,
        5,
        5,
        0,
    )
    assert Customer.objects.filter(owner=leaver).count() == 0
    assert Customer.objects.filter(owner=alice).count() == 3
    assert Customer.objects.filter(owner=bob).count() == 2
    for contact in Contact.objects.select_related("customer"):
        assert contact.owner_id == contact.customer.owner_id
    moves = ObjectChange.objects.filter(action="update", changes__has_key="owner_id")
    assert moves.count() == 10
    assert not Customer.objects.visible_to(leaver).exists()


@pytest.mark.django_db
def test_running_it_again_changes_nothing(admin, leaver, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handover = start_handover(leaver, [alice], ["customer"], actor=admin)
    changes = ObjectChange.objects.count()
    Handover.objects.filter(pk=handover.pk).update(status=HandoverStatus.RUNNING)
    run_handover(handover.pk)
    assert ObjectChange.objects.count() == changes
    assert Customer.objects.filter(owner=alice).count() == 5


@pytest.mark.django_db
def test_refused_handovers_change_nothing(admin, leaver, alice, bob):
    cases = [
        ([], ["customer"], ValidationFailed),
        ([leaver], ["customer"], ValidationFailed),
        ([alice], ["nothing"], ValidationFailed),
    ]
    for to_users, types, error in cases:
        with pytest.raises(error):
            start_handover(leaver, to_users, types, actor=admin)
    alice.is_active = False
    alice.save()
    with pytest.raises(ValidationFailed):
        start_handover(leaver, [alice], ["customer"], actor=admin)
    from crm.org.models import Role

    no_transfer = Role.objects.get(code="finance")
    bob.roles.set([no_transfer])
    with pytest.raises(AccessDenied):
        start_handover(leaver, [admin], ["customer"], actor=bob)
    assert Handover.objects.count() == 0
    assert Customer.objects.filter(owner=leaver).count() == 5


@pytest.mark.django_db
def test_the_handover_pages(admin, leaver, alice, client_for, django_capture_on_commit_callbacks):
    client = client_for(admin)
    preview = client.get(
        "/org/handovers/new/",
        {"from_user": leaver.pk, "to_users": alice.pk, "type_keys": "customer"},
    )
    assert "data-preview" in preview.content.decode()
    assert Handover.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/org/handovers/new/",
            {"from_user": leaver.pk, "to_users": alice.pk, "type_keys": "customer"},
        )
    handover = Handover.objects.get()
    assert response.status_code == 302
    page = client.get(f"/org/handovers/{handover.pk}/").content.decode()
    assert 'data-status="done"' in page
    assert client_for(alice).get("/org/handovers/").status_code == 403
