"""The demo company (金蝶演示集团): organisation, users, and what each app adds (customers
and contacts come from `crm/customers/demo.py`), as steps registered with
`crm.core.contributions`.

Deterministic (one seeded random generator) and idempotent: a second run creates only what
is missing, keyed by usernames and names, so `crm demo` is safe to repeat. Everything is
written through the services, so the change log and search index are filled as in real use.
Documentation and tests rely on the usernames and on the customer 金蝶软件 (phone
0755-86072000, owned by sales1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation

from crm.core import contributions
from crm.org.models import Employee, OrgUnit, OrgUnitKind, Role, Team, User
from crm.org.services import save_employee, save_org_unit, save_team, save_user

# The preset roles each demo login holds.
ROLES = {
    "admin": ["admin"],
    "director": ["sales_director"],
    "manager": ["sales_manager"],
    "manager2": ["sales_manager"],
    "sales1": ["salesperson"],
    "sales2": ["salesperson"],
    "sales3": ["salesperson"],
    "service": ["service_manager"],
    "finance": ["finance"],
}

# username, full name, superuser, department key, post, superior username
USERS = [
    ("admin", "系统管理员", True, None, "", None),
    ("director", "王建国", False, "shenzhen", "销售总监", None),
    ("manager", "李明", False, "sales1", "销售一部经理", "director"),
    ("sales1", "张伟", False, "sales1", "销售代表", "manager"),
    ("sales2", "刘洋", False, "sales1", "销售代表", "manager"),
    ("manager2", "陈静", False, "sales2", "销售二部经理", "director"),
    ("sales3", "赵磊", False, "sales2", "销售代表", "manager2"),
    ("service", "孙丽", False, "service", "服务部经理", None),
    ("finance", "周敏", False, "finance", "财务经理", None),
]

# Employees without a login: name, department key, post, superior (username or name)
STAFF = [
    ("高峰", "sales1", "售前工程师", "manager"),
    ("马超", "sales2", "销售代表", "manager2"),
    ("郑浩", "marketing", "市场部经理", "director"),
    ("吴芳", "marketing", "市场专员", "郑浩"),
    ("黄晓燕", "service", "客服专员", "service"),
    ("何军", "service", "服务工程师", "service"),
    ("林娜", "finance", "会计", "finance"),
]

# key, name, kind, parent key
ORG_UNITS = [
    ("group", "金蝶演示集团", OrgUnitKind.GROUP, None),
    ("shenzhen", "深圳分公司", OrgUnitKind.COMPANY, "group"),
    ("shanghai", "上海分公司", OrgUnitKind.COMPANY, "group"),
    ("sales1", "销售一部", OrgUnitKind.DEPARTMENT, "shenzhen"),
    ("marketing", "市场部", OrgUnitKind.DEPARTMENT, "shenzhen"),
    ("finance", "财务部", OrgUnitKind.DEPARTMENT, "shenzhen"),
    ("sales2", "销售二部", OrgUnitKind.DEPARTMENT, "shanghai"),
    ("service", "服务部", OrgUnitKind.DEPARTMENT, "shanghai"),
]

# name, leader username, member usernames or names
TEAMS = [
    ("华南大客户组", "manager", ["sales1", "sales2", "高峰"]),
    ("华东渠道组", "manager2", ["sales3", "马超"]),
]


@dataclass
class _Log:
    verbose: bool
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + count

    def report(self) -> None:
        if not self.verbose:
            return
        if not self.created:
            print("Demo company: already complete, nothing created.")
            return
        done = ", ".join(f"{n} {what}" for what, n in self.created.items())
        print(f"Demo company: created {done}.")


def _admin(log: _Log) -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "admin", "admin@example.cn", settings.CRM_DEMO_PASSWORD, full_name="系统管理员"
        )
        admin.roles.set(Role.objects.filter(code__in=ROLES["admin"]))
        log.add("users")
    return admin


def _org_units(admin: User, log: _Log) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for order, (key, name, kind, parent_key) in enumerate(ORG_UNITS, start=1):
        parent = units.get(parent_key) if parent_key else None
        unit = OrgUnit.objects.filter(name=name, parent=parent).first()
        if unit is None:
            unit = OrgUnit(name=name, kind=kind, parent=parent, sort_order=order, code=key.upper())
            save_org_unit(unit, actor=admin)
            log.add("organisation units")
        units[key] = unit
    return units


def _people(admin: User, units: dict[str, OrgUnit], log: _Log) -> dict[str, User]:
    users = {"admin": admin}
    employees: dict[str, Employee] = {}
    for username, full_name, superuser, unit_key, post, superior in USERS:
        if username == "admin":
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                is_superuser=superuser,
                email=f"{username}@example.cn",
                language="zh-hans",
            )
            roles = Role.objects.filter(code__in=ROLES.get(username, []))
            save_user(user, actor=admin, password=settings.CRM_DEMO_PASSWORD, roles=roles)
            log.add("users")
        users[username] = user
        employees[username] = _employee(
            admin, full_name, units[unit_key], post, employees.get(superior or ""), user, log
        )
    for name, unit_key, post, superior in STAFF:
        employees[name] = _employee(admin, name, units[unit_key], post, employees.get(superior),
                                    None, log)  # fmt: skip
    for name, leader, members in TEAMS:
        if not Team.objects.filter(name=name).exists():
            team = Team(name=name, leader=employees[leader])
            save_team(team, actor=admin, members=[employees[m] for m in members])
            log.add("teams")
    return users


def _employee(admin, name, unit, post, superior, user, log: _Log) -> Employee:
    employee = Employee.objects.filter(name=name, department=unit).first()
    if employee is None:
        employee = Employee(name=name, department=unit, post=post, superior=superior, user=user,
                            email=user.email if user else "")  # fmt: skip
        save_employee(employee, actor=admin)
        log.add("employees")
    return employee


def load(*, verbose: bool = False) -> None:
    """Create whatever part of the demo company is missing, in the company's language (what
    the change log keeps of each record is written in it)."""
    log = _Log(verbose)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        admin = _admin(log)
        units = _org_units(admin, log)
        users = _people(admin, units, log)
        demo = contributions.DemoContext(admin=admin, users=users, created=log.add)
        for step in contributions.demo_steps():
            step.run(demo)
    log.report()
