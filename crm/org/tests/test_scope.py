"""Reads for data scopes: users below a user, units below a unit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.org.models import Employee, EmployeeStatus
from crm.org.scope import subordinate_user_ids, subtree_unit_ids
from crm.org.services import save_employee, save_org_unit

pytestmark = pytest.mark.django_db


def _user(username: str):
    return get_user_model().objects.create_user(username, password="x-Long-pass-2026")


@pytest.fixture
def people(tree, admin):
    """ceo > (east_head > (rep_a, assistant without user > rep_b)), (south_head > rep_c)."""
    users = {
        n: _user(n)
        for n in ("ceo", "east_head", "rep_a", "rep_b", "south_head", "rep_c", "outsider")
    }

    def employee(name, unit, superior=None, user=True, **extra):
        return save_employee(
            Employee(
                name=name,
                department=tree[unit],
                superior=superior,
                user=users[name] if user else None,
                **extra,
            ),
            actor=admin,
        )

    ceo = employee("ceo", "group")
    east_head = employee("east_head", "east", ceo)
    employee("rep_a", "sales", east_head)
    assistant = employee("assistant", "sales", east_head, user=False)
    employee("rep_b", "key_accounts", assistant, status=EmployeeStatus.LEFT)
    south_head = employee("south_head", "south", ceo)
    employee("rep_c", "service", south_head)
    return users


def _ids(users, *names):
    return {users[n].pk for n in names}


def test_a_manager_has_everyone_below_them_at_any_depth(people):
    assert subordinate_user_ids(people["ceo"]) == _ids(
        people, "east_head", "rep_a", "rep_b", "south_head", "rep_c"
    )


def test_the_chain_runs_through_employees_without_a_user(people):
    assert subordinate_user_ids(people["east_head"]) == _ids(people, "rep_a", "rep_b")


def test_someone_without_reports_has_no_subordinates(people):
    assert subordinate_user_ids(people["rep_a"]) == set()


def test_a_user_without_an_employee_has_no_subordinates(people):
    assert subordinate_user_ids(people["outsider"]) == set()


def test_a_cycle_in_stored_data_does_not_loop(people):
    # Written past the service on purpose: old or imported data may hold a loop.
    ceo = Employee.objects.get(user=people["ceo"])
    Employee.objects.filter(pk=ceo.pk).update(superior=Employee.objects.get(user=people["rep_c"]))

    assert subordinate_user_ids(people["south_head"]) == _ids(
        people, "rep_c", "ceo", "east_head", "rep_a", "rep_b"
    )


def test_a_subtree_is_the_unit_and_everything_below_it(tree):
    assert subtree_unit_ids(tree["east"]) == {
        tree["east"].pk,
        tree["sales"].pk,
        tree["key_accounts"].pk,
    }
    assert subtree_unit_ids(tree["key_accounts"]) == {tree["key_accounts"].pk}
    assert subtree_unit_ids(tree["group"]) == {u.pk for u in tree.values()}


def test_a_subtree_follows_a_move(tree, admin):
    sales = tree["sales"]
    sales.parent = tree["south"]
    save_org_unit(sales, actor=admin)

    assert subtree_unit_ids(tree["south"]) == {
        tree["south"].pk,
        tree["service"].pk,
        tree["sales"].pk,
        tree["key_accounts"].pk,
    }
    assert subtree_unit_ids(tree["east"]) == {tree["east"].pk}
