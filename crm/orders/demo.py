"""The demo company's quotes: the price approval process (a line below the floor price or
discounted above its category's limit goes to the salesperson's manager), and quotes on
open opportunities in every status, one of them waiting for `manager`'s approval and one
revised into a second version; a step of `crm demo`, written through the services and
creating only what is missing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.core import registry
from crm.core import services as core
from crm.core.contributions import DemoContext
from crm.customization.models import DatePart, NumberingRule, ResetPeriod
from crm.customization.services import save_numbering_rule
from crm.orders import services
from crm.orders.models import Quote, QuoteLine
from crm.products.models import Product
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind

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
        services.accept_quote(quote, actor=seller)
    elif outcome == "declined":
        core.transition(quote, "decline", actor=seller)


def _numbering(demo: DemoContext) -> None:
    """Quotes numbered BJ202612001 …, by month."""
    content_type = ContentType.objects.get_for_model(Quote)
    if not NumberingRule.objects.filter(content_type=content_type).exists():
        rule = NumberingRule(
            content_type=content_type,
            prefix="BJ",
            date_part=DatePart.MONTH,
            width=3,
            reset=ResetPeriod.MONTHLY,
        )
        save_numbering_rule(rule, actor=demo.admin)
        demo.created("numbering rules")


def _process(demo: DemoContext) -> None:
    if ApprovalProcess.objects.filter(type_key="quote", approvable="price").exists():
        return
    process = core.save(
        ApprovalProcess(
            name="报价价格审批",
            type_key="quote",
            approvable="price",
            conditions=[{"field": "price_exception", "op": "eq", "value": True}],
            description="报价行低于最低价，或折扣超过产品分类的折扣限额：由销售员的直属上级审批。",
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
