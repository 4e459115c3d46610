"""The people, team and leads the lead assignment tests share: two salespeople and their
manager in one department, a salesperson who may not claim, and a team of three who take
leads in turn."""

from __future__ import annotations

from dataclasses import dataclass

from crm.core import services
from crm.customization.models import DictionaryItem
from crm.org.models import Employee, OrgUnit, OrgUnitKind, Role, RolePermission, Team, User
from crm.org.services import save_org_unit
from crm.sales.models import Lead

SELLING = ["view", "create", "edit", "delete", "claim"]


@dataclass
class PoolOrg:
    admin: User
    seller: User  # claims, works their own leads
    other: User  # another salesperson, the same rights
    manager: User  # the two salespeople's superior: assigns (transfer) and claims
    plain: User  # works their own leads, may not claim
    team: Team
    members: list[User]

    def lead(self, owner: User, name: str = "华星电子 MES 项目", **fields) -> Lead:
        """A lead of `owner`'s, written as any create is."""
        fields.setdefault("mobile", "13812345678")
        return services.save(Lead(owner=owner, name=name, **fields), actor=self.admin)


def role(code: str, actions: list[str], scope: str = "own") -> Role:
    found = Role.objects.create(code=code, name_zh=code, name_en=code)
    RolePermission.objects.create(
        role=found, type_key="lead", actions=actions, view_scope=scope, edit_scope=scope
    )
    return found


def item(dictionary: str, code: str) -> DictionaryItem:
    """A preset dictionary item: ("region", "east") is 华东."""
    return DictionaryItem.objects.get(dictionary__code=dictionary, code=code)


def build_org(admin, make_user) -> PoolOrg:
    """The organisation (each test module's `org` fixture builds it with the shared
    `admin` and `make_user`)."""
    group = save_org_unit(OrgUnit(name="星海集团", kind=OrgUnitKind.GROUP), actor=admin)
    company = save_org_unit(
        OrgUnit(name="星海科技", kind=OrgUnitKind.COMPANY, parent=group), actor=admin
    )
    sales = save_org_unit(
        OrgUnit(name="销售部", kind=OrgUnitKind.DEPARTMENT, parent=company), actor=admin
    )
    seller_role = role("pool_seller", SELLING)
    manager_role = role("pool_manager", [*SELLING, "transfer"], scope="subordinates")
    plain_role = role("pool_plain", ["view", "create", "edit"])

    def person(username: str, roles: list[Role], superior: Employee | None = None) -> User:
        user = make_user(username, roles=roles)
        Employee.objects.create(
            user=user, name=username.title(), department=sales, superior=superior
        )
        return user

    manager = person("zhao", [manager_role])
    boss = manager.employee
    team = Team.objects.create(name="华东组")
    members = [person(name, [seller_role]) for name in ("m1", "m2", "m3")]
    team.members.set([member.employee for member in members])
    return PoolOrg(
        admin=admin,
        seller=person("li", [seller_role], boss),
        other=person("wang", [seller_role], boss),
        manager=manager,
        plain=person("sun", [plain_role], boss),
        team=team,
        members=members,
    )
