"""The organisation pages: tree, employees, teams and users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from crm.core.models import ObjectChange
from crm.org.models import Employee, EmployeeStatus, OrgUnit, OrgUnitKind, Team
from crm.org.services import save_employee, save_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree, admin):
    def hire(name, unit, **extra):
        return save_employee(Employee(name=name, department=tree[unit], **extra), actor=admin)

    boss = hire("赵总", "east", post="总经理")
    return {
        "boss": boss,
        "manager": hire("钱经理", "sales", superior=boss, post="销售经理"),
        "rep": hire("孙销售", "key_accounts", phone="13800138000"),
        "leaver": hire("李离职", "sales", status=EmployeeStatus.LEFT),
        "engineer": hire("周工", "service", post="服务工程师"),
    }


def test_the_tree_shows_units_indented_with_employee_counts(member_client, staff, tree):
    response = member_client.get(reverse("org:unit_list"))

    assert response.status_code == 200
    rows = [(r["unit"].name, r["depth"], r["direct"], r["total"]) for r in response.context["tree"]]
    assert rows == [
        ("星海集团", 0, 0, 4),
        ("华东分公司", 1, 1, 3),
        ("销售部", 2, 1, 2),
        ("大客户组", 3, 1, 1),
        ("华南分公司", 1, 0, 1),
        ("服务部", 2, 1, 1),
    ]
    assert response.context["can_edit"] is False


def test_an_administrator_adds_a_department_under_a_company(admin_client, tree):
    response = admin_client.post(
        reverse("org:unit_create"),
        {
            "name": "市场部",
            "code": "MKT",
            "kind": OrgUnitKind.DEPARTMENT,
            "parent": tree["east"].pk,
            "sort_order": 2,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="市场部")
    assert unit.path == f"{tree['east'].path}{unit.pk}/"


def test_the_new_unit_form_suggests_the_kind_below_the_parent(admin_client, tree):
    response = admin_client.get(reverse("org:unit_create"), {"parent": tree["group"].pk})

    assert response.context["form"].initial["kind"] == OrgUnitKind.COMPANY


def test_a_cycle_is_shown_on_the_parent_field_and_nothing_moves(admin_client, tree):
    east = tree["east"]

    response = admin_client.post(
        reverse("org:unit_edit", args=[east.pk]),
        {
            "name": east.name,
            "kind": east.kind,
            "parent": tree["key_accounts"].pk,
            "sort_order": 0,
            "is_active": "on",
            "version": east.version,
        },
    )

    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert OrgUnit.objects.get(pk=east.pk).parent_id == tree["group"].pk


def test_a_plain_user_cannot_add_a_unit(member_client, tree):
    page = member_client.get(reverse("org:unit_create"))
    response = member_client.post(
        reverse("org:unit_create"),
        {
            "name": "市场部",
            "kind": OrgUnitKind.DEPARTMENT,
            "parent": tree["east"].pk,
            "sort_order": 2,
        },
    )

    assert (page.status_code, response.status_code) == (403, 403)
    assert OrgUnit.objects.count() == 6


def _names(response):
    return [e.name for e in response.context["page"]]


def test_employees_filter_by_a_department_and_its_sub_units(member_client, staff, tree):
    response = member_client.get(reverse("org:employee_list"), {"department": tree["sales"].pk})

    assert _names(response) == ["孙销售", "李离职", "钱经理"]


def test_employees_filter_by_status_and_name(member_client, staff):
    active = member_client.get(reverse("org:employee_list"), {"status": "left"})
    searched = member_client.get(reverse("org:employee_list"), {"q": "钱"})

    assert _names(active) == ["李离职"]
    assert _names(searched) == ["钱经理"]


def test_an_administrator_adds_an_employee_reporting_to_a_manager(
    admin_client, staff, tree, member
):
    response = admin_client.post(
        reverse("org:employee_create"),
        {
            "name": "吴新人",
            "department": tree["key_accounts"].pk,
            "post": "销售代表",
            "superior": staff["manager"].pk,
            "phone": "13900139000",
            "email": "wu@example.com",
            "status": EmployeeStatus.ACTIVE,
            "user": member.pk,
        },
    )

    assert response.status_code == 302
    employee = Employee.objects.get(name="吴新人")
    assert (employee.superior, employee.user, employee.post) == (
        staff["manager"],
        member,
        "销售代表",
    )


def test_a_superior_cycle_is_shown_on_the_form(admin_client, staff, tree):
    boss = staff["boss"]

    response = admin_client.post(
        reverse("org:employee_edit", args=[boss.pk]),
        {
            "name": boss.name,
            "department": tree["east"].pk,
            "superior": staff["manager"].pk,
            "status": EmployeeStatus.ACTIVE,
            "version": boss.version,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["superior"] == [
        "This superior reports, directly or not, to this employee."
    ]
    assert Employee.objects.get(pk=boss.pk).superior_id is None


def test_a_plain_user_cannot_edit_an_employee(member_client, staff, tree):
    rep = staff["rep"]

    response = member_client.post(
        reverse("org:employee_edit", args=[rep.pk]),
        {
            "name": "改名",
            "department": tree["east"].pk,
            "status": EmployeeStatus.ACTIVE,
        },
    )

    assert response.status_code == 403
    assert Employee.objects.get(pk=rep.pk).name == "孙销售"


def test_an_administrator_sets_team_members(admin_client, staff, admin):
    team = save_team(Team(name="攻坚小组"), actor=admin, members=[staff["rep"]])

    response = admin_client.post(
        reverse("org:team_edit", args=[team.pk]),
        {
            "name": "攻坚小组",
            "leader": staff["manager"].pk,
            "members": [staff["engineer"].pk],
            "version": team.version,
        },
    )

    assert response.status_code == 302
    assert set(team.members.values_list("name", flat=True)) == {"钱经理", "周工"}


def test_the_team_form_offers_members_in_a_tom_select(admin_client, staff):
    response = admin_client.get(reverse("org:team_create"))

    assert b'class="form-select tom-select"' in response.content
    assert b"multiple" in response.content


def test_team_list_counts_members(member_client, staff, admin):
    save_team(Team(name="攻坚小组", leader=staff["manager"]), actor=admin, members=[staff["rep"]])

    response = member_client.get(reverse("org:team_list"))

    assert [(t.name, t.member_count) for t in response.context["page"]] == [("攻坚小组", 2)]


def test_only_administrators_see_the_users(member_client, admin_client, member):
    assert member_client.get(reverse("org:user_list")).status_code == 403
    response = admin_client.get(reverse("org:user_list"))
    assert [u.username for u in response.context["page"]] == ["lily", "root"]


def test_an_administrator_creates_a_user(admin_client):
    response = admin_client.post(
        reverse("org:user_create"),
        {
            "username": "chen",
            "full_name": "陈静",
            "email": "chen@example.com",
            "language": "en",
            "is_active": "on",
            "password1": "Harbour-lights-42",
            "password2": "Harbour-lights-42",
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="chen")
    assert user.check_password("Harbour-lights-42")
    assert (user.language, user.is_superuser) == ("en", False)


def test_a_weak_password_is_shown_next_to_the_password_field(admin_client):
    response = admin_client.post(
        reverse("org:user_create"),
        {
            "username": "chen",
            "language": "en",
            "is_active": "on",
            "password1": "chen",
            "password2": "chen",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password1"]
    assert not get_user_model().objects.filter(username="chen").exists()
    assert ObjectChange.objects.count() == 0


def test_a_plain_user_cannot_create_users(member_client):
    response = member_client.post(
        reverse("org:user_create"),
        {
            "username": "chen",
            "language": "en",
            "is_active": "on",
            "is_superuser": "on",
            "password1": "Harbour-lights-42",
            "password2": "Harbour-lights-42",
        },
    )

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="chen").exists()


def test_every_organisation_page_renders_for_an_administrator(admin_client, staff, tree, admin):
    team = save_team(Team(name="攻坚小组", leader=staff["manager"]), actor=admin)
    urls = [
        reverse("org:unit_list"),
        reverse("org:unit_create"),
        reverse("org:unit_edit", args=[tree["sales"].pk]),
        reverse("org:employee_list"),
        reverse("org:employee_create"),
        reverse("org:employee_edit", args=[staff["rep"].pk]),
        reverse("org:team_list"),
        reverse("org:team_create"),
        reverse("org:team_edit", args=[team.pk]),
        reverse("org:user_list"),
        reverse("org:user_create"),
        reverse("org:user_edit", args=[admin.pk]),
    ]

    statuses = {url: admin_client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)


def test_the_organisation_pages_speak_chinese_to_a_chinese_user(member_client, member, tree):
    member.language = "zh-hans"
    member.save(update_fields=["language"])

    response = member_client.get(reverse("org:unit_list"))

    content = response.content.decode()
    assert "<title>组织架构" in content
    assert "含下级单位" in content
