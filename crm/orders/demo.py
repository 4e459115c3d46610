"""The demo company's quotes and contracts: the price approval process (a line below the
floor price or discounted above its category's limit goes to the salesperson's manager),
quotes on open opportunities in every status (one waiting for `manager`'s approval, one
revised into a second version), the accepted one's contract executing with its payment
plan, a payment, an invoice, deliveries, an overdue instalment and an amendment waiting
for `manager`, and the alert rule that reports overdue instalments; a step of `crm demo`,
written through the services and creating only what is missing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.core import registry
from crm.core import services as core
from crm.core.contributions import DemoContext
from crm.core.money import Money, round_line
from crm.customization.models import DatePart, DictionaryItem, NumberingRule, ResetPeriod
from crm.customization.services import save_numbering_rule
from crm.orders import amendments, services
from crm.orders.models import (
    Amendment,
    AmendmentLine,
    Contract,
    ContractLine,
    Delivery,
    Instalment,
    Invoice,
    Payment,
    Quote,
    QuoteLine,
)
from crm.products.models import Product
from crm.workflow.alerts import save_rule
from crm.workflow.models import AlertRule, ApprovalProcess, ApprovalStep, ApproverKind

SEED = 2028
TERMS = (
    "1. 报价含税（增值税专用发票）。\n"
    "2. 交货期：合同签订后 30 天内。\n"
    "3. 付款方式：预付 30%，到货验收后付清余款。"
)
# seller, how many lines, discount (%), what happens to it
PLAN = (
    ("sales1", 4, 5, "sent"),
    ("sales1", 6, 25, "pending"),  # above the limit: waits for `manager`
    ("sales2", 3, 0, "accepted"),
    ("sales2", 5, 8, "revised"),
    ("sales3", 3, 0, "draft"),
    ("sales3", 4, 3, "declined"),
)


def load(demo: DemoContext) -> None:
    """The numbering and the process, then the quotes."""
    _numbering(demo)
    _process(demo)
    _overdue_rule(demo)
    if Quote.all_objects.exists():
        return
    rng = random.Random(SEED)
    products = list(Product.objects.filter(is_active=True).order_by("code"))
    opportunity_model = registry.get("opportunity").model
    taken: dict[str, int] = {}
    for username, count, discount, outcome in PLAN:
        seller = demo.users[username]
        nth = taken[username] = taken.get(username, -1) + 1
        mine = opportunity_model.objects.filter(owner=seller, status="open").order_by("pk")
        opportunity = mine[nth : nth + 1].first()
        if opportunity is None or not products:
            continue
        lines = [
            {
                "product": product.pk,
                "quantity": Decimal(rng.choice((1, 2, 5, 10, 20))),
                "discount": Decimal(discount),
            }
            for product in rng.sample(products, count)
        ]
        quote = core.save(
            Quote(
                name=f"{opportunity.name} 报价",
                customer=opportunity.customer,
                contact=opportunity.contact,
                opportunity=opportunity,
                valid_until=timezone.localdate() + datetime.timedelta(days=30),
                terms=TERMS,
                owner=seller,
            ),
            actor=seller,
            lines=lines,
        )
        demo.created("quotes")
        _play(quote, outcome, seller)


def _play(quote: Quote, outcome: str, seller) -> None:
    """Take the quote as far as `outcome`."""
    if outcome == "draft":
        return
    core.transition(quote, "submit", actor=seller)
    if outcome == "pending":
        return
    if outcome == "revised":
        # The customer asked for more of the first product at a better price.
        core.transition(quote, "send", actor=seller)
        new = services.revise_quote(quote, actor=seller)
        rows = list(QuoteLine.objects.filter(quote=new).order_by("position"))
        lines = [
            {
                "product": row.product_id,
                "quantity": row.quantity * (2 if index == 0 else 1),
                "unit_price": row.unit_price,
                "discount": row.discount + (2 if index == 0 else 0),
                "tax_rate": row.tax_rate,
            }
            for index, row in enumerate(rows)
        ]
        core.save(new, actor=seller, lines=lines)
        core.transition(new, "submit", actor=seller)
        return
    core.transition(quote, "send", actor=seller)
    if outcome == "accepted":
        _carry_out(services.accept_quote(quote, actor=seller), seller)
    elif outcome == "declined":
        core.transition(quote, "decline", actor=seller)


def _carry_out(contract: Contract, seller) -> None:
    """The contract signed 40 days ago and executing: a plan of three instalments, the
    first due 20 days ago and only partly paid (overdue), an invoice for it, the first
    line delivered and the second half delivered, its rest planned."""
    today = timezone.localdate()
    core.transition(contract, "submit", actor=seller)
    core.transition(contract, "sign", actor=seller, signed_on=today - datetime.timedelta(days=40))
    core.transition(contract, "start", actor=seller)
    contract.refresh_from_db()
    total = contract.total
    plan = (
        ("预付款 30%", Decimal("0.3"), -20),
        ("到货款 60%", Decimal("0.6"), 30),
        ("质保金 10%", None, 365),
    )
    instalments, planned = [], Decimal(0)
    for name, share, days in plan:
        amount = round_line(Money(total * share)).amount if share else total - planned
        planned += amount
        instalments.append(
            core.save(
                Instalment(
                    contract=contract,
                    name=name,
                    due_date=today + datetime.timedelta(days=days),
                    amount=amount,
                    owner=seller,
                ),
                actor=seller,
            )
        )
    first = instalments[0]
    transfer = DictionaryItem.objects.filter(
        dictionary__code="payment_method", code="bank_transfer"
    )
    core.save(
        Payment(
            contract=contract,
            instalment=first,
            paid_on=today - datetime.timedelta(days=18),
            amount=round_line(Money(first.amount * Decimal("0.6"))).amount,
            method=transfer.first(),
            reference="HX20261118001",
            owner=seller,
        ),
        actor=seller,
    )
    core.save(
        Invoice(
            contract=contract,
            invoice_number="04418820",
            issued_on=today - datetime.timedelta(days=15),
            amount=first.amount,
            owner=seller,
        ),
        actor=seller,
    )
    lines = list(ContractLine.objects.filter(contract=contract).order_by("position"))
    for index, line in enumerate(lines[:2]):
        done = line.quantity if index == 0 else (line.quantity / 2).quantize(Decimal(1))
        if done:
            core.save(
                Delivery(
                    contract=contract,
                    line=line,
                    quantity=done,
                    planned_on=today - datetime.timedelta(days=10),
                    delivered_on=today - datetime.timedelta(days=8),
                    owner=seller,
                ),
                actor=seller,
            )
        if line.quantity - done:
            core.save(
                Delivery(
                    contract=contract,
                    line=line,
                    quantity=line.quantity - done,
                    planned_on=today + datetime.timedelta(days=20),
                    owner=seller,
                ),
                actor=seller,
            )
    _amend(contract, seller)


def _amend(contract: Contract, seller) -> None:
    """The customer asked for more of the first product: the amendment waits for the
    seller's manager."""
    amendment = amendments.amend_contract(contract, actor=seller)
    rows = [
        {name: getattr(line, name) for name in services.TYPED}
        for line in AmendmentLine.objects.filter(amendment=amendment)
    ]
    rows[0]["quantity"] += 2
    amendment.reason = "客户追加采购：第一项增加 2 件，交期延后一个月"
    if contract.end_date:
        amendment.end_date = contract.end_date + datetime.timedelta(days=30)
    core.save(amendment, actor=seller, lines=rows)
    core.transition(amendment, "submit", actor=seller)


def _overdue_rule(demo: DemoContext) -> None:
    """Alert the salesperson and their superior each morning of overdue instalments."""
    name = "收款计划逾期提醒"
    if AlertRule.objects.filter(name=name).exists():
        return
    save_rule(
        AlertRule(
            name=name,
            type_key="instalment",
            to_owner=True,
            to_superior=True,
            time_of_day=datetime.time(8, 30),
        ),
        actor=demo.admin,
        conditions=[
            {"field": "due_date", "op": "overdue"},
            {"field": "outstanding", "op": "gt", "value": "0"},
        ],
    )
    demo.created("alert rules")


def _numbering(demo: DemoContext) -> None:
    """Quotes numbered BJ202600001 …, contracts HT…, amendments BG…, by year."""
    for model, prefix in ((Quote, "BJ"), (Contract, "HT"), (Amendment, "BG")):
        content_type = ContentType.objects.get_for_model(model)
        if not NumberingRule.objects.filter(content_type=content_type).exists():
            rule = NumberingRule(
                content_type=content_type,
                prefix=prefix,
                date_part=DatePart.YEAR,
                width=5,
                reset=ResetPeriod.YEARLY,
            )
            save_numbering_rule(rule, actor=demo.admin)
            demo.created("numbering rules")


PROCESSES = (
    (
        "报价价格审批",
        "quote",
        "price",
        [{"field": "price_exception", "op": "eq", "value": True}],
        "报价行低于最低价，或折扣超过产品分类的折扣限额：由销售员的直属上级审批。",
    ),
    ("合同变更审批", "amendment", "amendment", [], "已签合同的每次变更：由销售员的直属上级审批。"),
)


def _process(demo: DemoContext) -> None:
    """Quotes' price exceptions and every contract amendment go to the seller's manager."""
    for name, type_key, approvable, conditions, description in PROCESSES:
        if ApprovalProcess.objects.filter(type_key=type_key, approvable=approvable).exists():
            continue
        process = core.save(
            ApprovalProcess(
                name=name,
                type_key=type_key,
                approvable=approvable,
                conditions=conditions,
                description=description,
            ),
            actor=demo.admin,
        )
        ApprovalStep.objects.create(
            process=process,
            position=0,
            name="销售经理审批",
            approver_kind=ApproverKind.SUPERIOR,
            time_limit_hours=24,
        )
        demo.created("approval processes")
