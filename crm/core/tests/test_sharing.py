"""Collaborators and explicit shares open a record to others, as the owner decides."""

import pytest

from crm.core import services
from crm.core.errors import AccessDenied
from crm.core.models import Collaborator, ObjectChange, Share
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.org.models import Employee, OrgUnit, Team


@pytest.mark.django_db
def test_a_collaborator_sees_and_changes_the_record(alice, bob):
    customer = make_customer(alice)
    assert not Customer.objects.visible_to(bob).exists()
    services.add_collaborator(customer, bob, actor=alice)
    assert list(Customer.objects.visible_to(bob)) == [customer]
    assert list(Customer.objects.editable_by(bob)) == [customer]
    assert ObjectChange.objects.filter(object_id=customer.pk).latest("id").changes == {
        "collaborator": [None, "Bob"]
    }


@pytest.mark.django_db
def test_shares_reach_a_user_a_team_or_a_department(alice, make_user):
    group = OrgUnit.objects.create(name="集团", kind="group", path="")
    group.path = f"/{group.pk}/"
    group.save()
    dept = OrgUnit.objects.create(name="销售部", kind="department", parent=group, path="")
    dept.path = f"{group.path}{dept.pk}/"
    dept.save()
    reader, member, colleague = make_user("reader"), make_user("member"), make_user("colleague")
    Employee.objects.create(user=colleague, name="同事", department=dept)
    team = Team.objects.create(name="大客户组")
    team.members.add(Employee.objects.create(user=member, name="组员", department=group))
    customer = make_customer(alice)
    services.share_record(customer, user=reader, actor=alice)
    services.share_record(customer, team=team, can_edit=True, actor=alice)
    services.share_record(customer, department=group, actor=alice)
    for user in (reader, member, colleague):
        assert list(Customer.objects.visible_to(user)) == [customer], user
    assert list(Customer.objects.editable_by(member)) == [customer]
    assert not Customer.objects.editable_by(reader).exists()
    share = Share.objects.get(user=reader)
    services.remove_access(customer, share, actor=alice)
    assert not Customer.objects.visible_to(reader).exists()


@pytest.mark.django_db
def test_only_those_who_may_change_the_record_share_it(alice, bob, make_user):
    customer = make_customer(alice)
    services.share_record(customer, user=bob, actor=alice)
    with pytest.raises(AccessDenied):
        services.add_collaborator(customer, make_user("carol"), actor=bob)
    assert Collaborator.objects.count() == 0


@pytest.mark.django_db
def test_the_sharing_card(alice, bob, client_for):
    customer = make_customer(alice)
    client = client_for(alice)
    response = client.post(
        f"/customers/{customer.pk}/sharing/", {"action": "collaborate", "user": bob.pk}
    )
    assert "Bob" in response.content.decode()
    assert client_for(bob).get(f"/customers/{customer.pk}/").status_code == 200
    collaborator = Collaborator.objects.get()
    client.post(
        f"/customers/{customer.pk}/sharing/",
        {"action": "remove", "kind": "collaborator", "id": collaborator.pk},
    )
    assert client_for(bob).get(f"/customers/{customer.pk}/").status_code == 404
