"""Fixtures of the organisation tests (the user fixtures are shared with the settings tests)."""

from __future__ import annotations

import pytest

from crm.customization.tests.conftest import *  # noqa: F403  (admin, member and their clients)
from crm.org.models import OrgUnit, OrgUnitKind
from crm.org.services import save_org_unit


@pytest.fixture
def make_unit(admin):
    """Create a unit through the service: make_unit("华东分公司", "company", parent)."""

    def make(name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
        return save_org_unit(OrgUnit(name=name, kind=kind, parent=parent), actor=admin)

    return make


@pytest.fixture
def tree(make_unit):
    """group -> (east company -> sales dept -> key accounts), (south company -> service dept)."""
    group = make_unit("星海集团", OrgUnitKind.GROUP)
    east = make_unit("华东分公司", OrgUnitKind.COMPANY, group)
    sales = make_unit("销售部", OrgUnitKind.DEPARTMENT, east)
    key_accounts = make_unit("大客户组", OrgUnitKind.DEPARTMENT, sales)
    south = make_unit("华南分公司", OrgUnitKind.COMPANY, group)
    service = make_unit("服务部", OrgUnitKind.DEPARTMENT, south)
    return {
        "group": group,
        "east": east,
        "sales": sales,
        "key_accounts": key_accounts,
        "south": south,
        "service": service,
    }
