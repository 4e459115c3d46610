"""Employees (superior chain) and team membership."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.errors import DomainError, ValidationFailed
from crm.core.models import ObjectChange
from crm.org.models import Employee, Team
from crm.org.services import add_team_member, remove_team_member, save_employee, save_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree, admin):
    """Boss <- manager <- rep: a superior chain of three."""
    boss = save_employee(Employee(name="赵总", department=tree["east"]), actor=admin)
    manager = save_employee(
        Employee(name="钱经理", department=tree["sales"], superior=boss), actor=admin
    )
    rep = save_employee(
        Employee(name="孙销售", department=tree["key_accounts"], superior=manager), actor=admin
    )
    return boss, manager, rep


def test_an_employee_reports_to_a_superior(staff):
    boss, manager, rep = staff

    assert Employee.objects.get(pk=rep.pk).superior == manager
    assert list(boss.subordinates.all()) == [manager]


def test_a_superior_chain_cycle_is_refused(staff, admin):
    boss, _manager, rep = staff
    version = boss.version
    boss.superior = rep

    with pytest.raises(DomainError) as refused:
        save_employee(boss, actor=admin, expected_version=version)

    assert refused.value.code == "superior_cycle"
    boss.refresh_from_db()
    assert (boss.superior_id, boss.version) == (None, version)


def test_an_employee_cannot_be_their_own_superior(staff, admin):
    _boss, manager, _rep = staff
    changes = ObjectChange.objects.count()
    manager.superior = manager

    with pytest.raises(DomainError) as refused:
        save_employee(manager, actor=admin)

    assert refused.value.code == "superior_cycle"
    assert Employee.objects.get(pk=manager.pk).superior_id == staff[0].pk
    assert ObjectChange.objects.count() == changes


def test_a_user_can_be_linked_to_one_employee_only(staff, admin, member):
    boss, manager, _rep = staff
    boss.user = member
    save_employee(boss, actor=admin)
    manager.user = member

    with pytest.raises(ValidationFailed) as refused:
        save_employee(manager, actor=admin)

    assert list(refused.value.fields) == ["user"]
    assert Employee.objects.get(pk=manager.pk).user_id is None


def _team_changes(team: Team):
    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Team), object_id=team.pk
    ).order_by("pk")


def test_a_team_gets_its_members_and_its_leader_is_one_of_them(staff, admin):
    _boss, manager, rep = staff

    team = save_team(Team(name="攻坚小组", leader=manager), actor=admin, members=[rep])

    assert set(team.members.all()) == {manager, rep}
    assert [c.changes.get("members") for c in _team_changes(team)] == [
        None,
        [[], sorted([manager.pk, rep.pk])],
    ]


def test_changing_members_bumps_the_version_and_logs_before_and_after(staff, admin):
    boss, _manager, rep = staff
    team = save_team(Team(name="攻坚小组"), actor=admin, members=[rep])

    save_team(team, actor=admin, members=[boss], expected_version=team.version)

    team.refresh_from_db()
    assert list(team.members.all()) == [boss]
    assert team.version == 2
    assert _team_changes(team).last().changes == {"members": [[rep.pk], [boss.pk]]}


def test_members_are_added_and_removed_one_by_one(staff, admin):
    boss, _manager, rep = staff
    team = save_team(Team(name="攻坚小组"), actor=admin, members=[])

    add_team_member(team, rep, actor=admin)
    add_team_member(team, boss, actor=admin)
    remove_team_member(team, rep, actor=admin)

    assert list(team.members.all()) == [boss]


def test_the_leader_cannot_be_removed_from_the_team(staff, admin):
    _boss, manager, rep = staff
    team = save_team(Team(name="攻坚小组", leader=manager), actor=admin, members=[rep])
    logged = _team_changes(team).count()

    with pytest.raises(DomainError) as refused:
        remove_team_member(team, manager, actor=admin)

    assert refused.value.code == "team_leader_member"
    assert set(team.members.all()) == {manager, rep}
    assert _team_changes(team).count() == logged
