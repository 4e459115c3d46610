"""People, processes and customers the approval tests share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.core import services as core
from crm.customers.models import Customer
from crm.org.models import Employee, OrgUnit, OrgUnitKind, Role, RolePermission
from crm.org.services import save_org_unit
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind


@pytest.fixture
def org(admin, make_user):
    """Sales department of a company: salesperson -> manager -> director; a finance clerk
    in the same department holding the role "finance"."""
    group = save_org_unit(OrgUnit(name="星海集团", kind=OrgUnitKind.GROUP), actor=admin)
    company = save_org_unit(
        OrgUnit(name="华东分公司", kind=OrgUnitKind.COMPANY, parent=group), actor=admin
    )
    sales = save_org_unit(
        OrgUnit(name="销售部", kind=OrgUnitKind.DEPARTMENT, parent=company), actor=admin
    )
    lead = Role.objects.create(code="test_lead", name_zh="主管", name_en="Lead")
    RolePermission.objects.create(
        role=lead,
        type_key="*",
        view_scope="subordinates",
        edit_scope="subordinates",
        actions=["view", "create", "edit"],
    )
    finance = Role.objects.create(code="test_finance", name_zh="财务", name_en="Finance")
    RolePermission.objects.create(
        role=finance, type_key="*", view_scope="own", edit_scope="own", actions=["view"]
    )
    people = {}
    superior = None
    for name, roles in (("director", [lead]), ("manager", [lead]), ("seller", None)):
        user = make_user(name, roles=roles)
        employee = Employee.objects.create(
            user=user, name=name.title(), department=sales, superior=superior
        )
        superior = employee
        people[name] = user
    clerk = make_user("clerk", roles=[finance])
    Employee.objects.create(user=clerk, name="Clerk", department=sales)
    people["clerk"] = clerk
    people["finance"] = finance
    people["sales"] = sales
    return people


def process(type_key="customer", approvable="credit_limit", conditions=None, steps=(), order=0):
    """An active process with `steps` given as dicts of ApprovalStep fields (users= a list)."""
    found = ApprovalProcess.objects.create(
        name=f"Process {order}",
        type_key=type_key,
        approvable=approvable,
        conditions=conditions or [],
        sort_order=order,
    )
    for position, fields in enumerate(steps):
        fields = dict(fields)
        users = fields.pop("users", [])
        step = ApprovalStep.objects.create(process=found, position=position, **fields)
        step.users.set(users)
    return found


ABOVE_100K = [{"field": "credit_limit", "op": "gt", "value": "100000"}]


def customer(owner, **fields) -> Customer:
    return core.save(Customer(name="金蝶软件", owner=owner, **fields), actor=owner)


def raise_limit(obj: Customer, amount: str, actor) -> Customer:
    obj = Customer.objects.get(pk=obj.pk)
    obj.credit_limit = Decimal(amount)
    return core.save(obj, actor=actor, expected_version=obj.version)


def stored_limit(obj) -> Decimal | None:
    return Customer.objects.get(pk=obj.pk).credit_limit


def two_steps(org):
    return process(
        conditions=ABOVE_100K,
        steps=[
            {"approver_kind": ApproverKind.SUPERIOR},
            {"approver_kind": ApproverKind.SUPERIOR_LEVEL, "levels": 2},
        ],
    )
