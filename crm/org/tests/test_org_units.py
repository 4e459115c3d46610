"""The organisation tree: paths, moves, kind rules and cycle refusals."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.errors import AccessDenied, DomainError, StaleVersion
from crm.core.models import ObjectChange
from crm.org.models import OrgUnit, OrgUnitKind
from crm.org.services import save_org_unit

pytestmark = pytest.mark.django_db


def _paths() -> dict[str, str]:
    return dict(OrgUnit.objects.values_list("name", "path"))


def _changes(unit: OrgUnit) -> int:
    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(OrgUnit), object_id=unit.pk
    ).count()


def test_a_root_group_gets_its_own_id_as_path(make_unit):
    group = make_unit("星海集团", OrgUnitKind.GROUP)

    group.refresh_from_db()
    assert group.path == f"/{group.pk}/"
    assert group.depth == 0


def test_each_unit_path_lists_its_ancestors_from_the_root(tree):
    g, e, s, k = (tree[n].pk for n in ("group", "east", "sales", "key_accounts"))

    assert _paths()["大客户组"] == f"/{g}/{e}/{s}/{k}/"
    assert OrgUnit.objects.get(pk=k).depth == 3


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(tree, admin):
    sales = tree["sales"]
    sales.parent = tree["south"]

    save_org_unit(sales, actor=admin, expected_version=sales.version)

    g, so, s, k = (tree[n].pk for n in ("group", "south", "sales", "key_accounts"))
    paths = _paths()
    assert paths["销售部"] == f"/{g}/{so}/{s}/"
    assert paths["大客户组"] == f"/{g}/{so}/{s}/{k}/"
    assert paths["华东分公司"] == f"/{g}/{tree['east'].pk}/"
    assert paths["服务部"] == f"/{g}/{so}/{tree['service'].pk}/"


def test_a_move_is_logged_with_the_old_and_new_parent(tree, admin):
    sales = tree["sales"]
    sales.parent = tree["south"]

    save_org_unit(sales, actor=admin)

    change = ObjectChange.objects.filter(object_id=sales.pk, action="update").get()
    assert change.changes["parent_id"] == [tree["east"].pk, tree["south"].pk]
    assert change.actor == admin


def test_moving_a_unit_under_its_own_descendant_is_refused(tree, admin):
    east = tree["east"]
    before = (_paths(), east.version, _changes(east))
    east.kind = OrgUnitKind.COMPANY
    east.parent = tree["sales"]

    with pytest.raises(DomainError) as refused:
        save_org_unit(east, actor=admin)

    assert refused.value.code == "org_cycle"
    east.refresh_from_db()
    assert east.parent_id == tree["group"].pk
    assert (_paths(), east.version, _changes(east)) == before


def test_a_unit_cannot_be_its_own_parent(tree, admin):
    sales = tree["sales"]
    before = _paths()
    sales.parent = sales

    with pytest.raises(DomainError) as refused:
        save_org_unit(sales, actor=admin)

    assert refused.value.code == "org_cycle"
    assert _paths() == before


def test_a_company_without_a_parent_is_refused(admin):
    with pytest.raises(DomainError) as refused:
        save_org_unit(OrgUnit(name="孤立公司", kind=OrgUnitKind.COMPANY), actor=admin)

    assert refused.value.code == "org_kind"
    assert "parent" in refused.value.fields
    assert OrgUnit.objects.count() == 0
    assert ObjectChange.objects.count() == 0


def test_a_group_cannot_have_a_parent(tree, admin):
    with pytest.raises(DomainError) as refused:
        save_org_unit(
            OrgUnit(name="子集团", kind=OrgUnitKind.GROUP, parent=tree["group"]), actor=admin
        )

    assert refused.value.code == "org_kind"
    assert OrgUnit.objects.count() == 6


def test_a_department_cannot_sit_directly_under_the_group(tree, admin):
    with pytest.raises(DomainError) as refused:
        save_org_unit(
            OrgUnit(name="财务部", kind=OrgUnitKind.DEPARTMENT, parent=tree["group"]),
            actor=admin,
        )

    assert refused.value.code == "org_kind"
    assert not OrgUnit.objects.filter(name="财务部").exists()


def test_a_branch_company_may_sit_under_a_company(tree, make_unit):
    branch = make_unit("苏州办事处", OrgUnitKind.COMPANY, tree["east"])

    assert branch.path == f"{tree['east'].path}{branch.pk}/"


def test_a_kind_change_that_its_children_do_not_fit_is_refused(tree, admin):
    east = tree["east"]
    before = (_paths(), east.version)
    east.kind = OrgUnitKind.GROUP
    east.parent = None

    with pytest.raises(DomainError) as refused:
        save_org_unit(east, actor=admin, expected_version=east.version)

    assert refused.value.code == "org_kind"
    east.refresh_from_db()
    assert (east.kind, east.parent_id) == (OrgUnitKind.COMPANY, tree["group"].pk)
    assert (_paths(), east.version) == before


def test_a_stale_edit_is_refused(tree, admin):
    sales = tree["sales"]
    read_version = sales.version
    sales.name = "销售一部"
    save_org_unit(sales, actor=admin, expected_version=read_version)
    stale = OrgUnit.objects.get(pk=sales.pk)
    stale.name = "销售二部"

    with pytest.raises(StaleVersion):
        save_org_unit(stale, actor=admin, expected_version=read_version)

    assert OrgUnit.objects.get(pk=sales.pk).name == "销售一部"


def test_only_administrators_change_the_tree(tree, member):
    with pytest.raises(AccessDenied):
        save_org_unit(
            OrgUnit(name="市场部", kind=OrgUnitKind.DEPARTMENT, parent=tree["east"]),
            actor=member,
        )

    assert OrgUnit.objects.count() == 6
