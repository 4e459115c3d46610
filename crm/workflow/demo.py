"""The demo company's approvals: a two-step process on customers' credit limit (the
manager, then the sales director) with raises waiting for `manager`, and one approved."""

from __future__ import annotations

from decimal import Decimal

from crm.core import registry
from crm.core import services as core
from crm.core.contributions import DemoContext
from crm.org.models import Employee, OrgUnit
from crm.workflow import services
from crm.workflow.models import ApprovalProcess, ApprovalRequest, ApprovalStep, ApproverKind

HEADS = ("director", "manager", "manager2", "service")
# owner username, the limit set straight away, the raise that needs approval
RAISES = (("sales1", "80000", "300000"), ("sales2", "50000", "500000"))


def load(demo: DemoContext) -> None:
    """Department heads, the credit-limit process and its requests (once)."""
    Customer = registry.get("customer").model
    _heads(demo.users)
    _process(demo.admin, demo.created)
    if ApprovalRequest.objects.exists():
        return
    for username, start, raised in RAISES:
        customer = _first_of(Customer, demo.users[username])
        if customer is not None:
            _set_limit(customer, start, demo.users[username])
            _set_limit(customer, raised, demo.users[username])
            demo.created("approvals")
    seller = demo.users["sales3"]
    customer = _first_of(Customer, seller)
    if customer is not None:
        held = _set_limit(customer, "200000", seller)
        for request in held:
            services.approve(request, actor=demo.users["manager2"], comment="客户回款记录良好。")
            services.approve(request, actor=demo.users["director"], comment="同意。")
        demo.created("approvals")


def _first_of(model, owner):
    """The owner's first customer other than 金蝶软件, which the guides use to edit."""
    return model.objects.filter(owner=owner).exclude(name="金蝶软件").order_by("pk").first()


def _heads(users) -> None:
    for username in HEADS:
        employee = Employee.objects.filter(user=users.get(username)).first()
        if employee is not None:
            OrgUnit.objects.filter(pk=employee.department_id, head__isnull=True).update(
                head=employee
            )


def _process(admin, created) -> ApprovalProcess:
    found = ApprovalProcess.objects.filter(type_key="customer", approvable="credit_limit").first()
    if found is not None:
        return found
    process = core.save(
        ApprovalProcess(
            name="大额信用额度审批",
            type_key="customer",
            approvable="credit_limit",
            conditions=[{"field": "credit_limit", "op": "gt", "value": "100000"}],
            description="信用额度超过 10 万元：销售经理审批后，由销售总监审批。",
        ),
        actor=admin,
    )
    ApprovalStep.objects.create(
        process=process,
        position=0,
        name="销售经理审批",
        approver_kind=ApproverKind.SUPERIOR,
        time_limit_hours=48,
    )
    ApprovalStep.objects.create(
        process=process,
        position=1,
        name="销售总监审批",
        approver_kind=ApproverKind.SUPERIOR_LEVEL,
        levels=2,
    )
    created("approval processes")
    return process


def _set_limit(customer, amount: str, actor) -> list:
    customer = type(customer).objects.get(pk=customer.pk)
    customer.credit_limit = Decimal(amount)
    saved = core.save(customer, actor=actor)
    return saved.held_approvals
