"""The demo company's sales pipeline: two sales processes, leads in every status, and
opportunities across the stages for every salesperson, some won and some lost with their
reasons; a step of `crm demo`, written through the services and creating only what is
missing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from crm.core import registry
from crm.core.contributions import DemoContext
from crm.core.services import save, transition
from crm.core.states import Category
from crm.customization.models import DictionaryItem
from crm.names import MOBILE_PREFIXES, SURNAMES, TITLES
from crm.sales import assignment, contact_roles, conversion
from crm.sales.models import Lead, LeadStatus, Opportunity, SalesProcess, SalesStage, StageChange

SEED = 2027
SELLERS = ("sales1", "sales2", "sales3", "manager", "manager2")
OPPORTUNITIES_PER_SELLER = 14
LEADS = 48

# name, default, stages as (name, probability, category, fields required before entering)
PROCESSES = (
    (
        "项目型销售",
        True,
        (
            ("初步接洽", 10, Category.OPEN, []),
            ("需求确认", 25, Category.OPEN, []),
            ("方案报价", 50, Category.OPEN, ["expected_amount"]),
            ("商务谈判", 75, Category.OPEN, ["expected_amount", "close_date"]),
            ("赢单", 100, Category.WON, []),
            ("输单", 0, Category.LOST, []),
        ),
    ),
    (
        "分销销售",
        False,
        (
            ("意向沟通", 20, Category.OPEN, []),
            ("样品测试", 40, Category.OPEN, []),
            ("试单", 70, Category.OPEN, ["expected_amount"]),
            ("签约", 100, Category.WON, []),
            ("未合作", 0, Category.LOST, []),
        ),
    ),
)
PROJECTS = (
    "ERP 升级",
    "MES 一期",
    "仓储管理系统",
    "年度维保",
    "智能产线改造",
    "办公设备采购",
    "渠道分销合作",
    "CRM 实施",
    "数据中台",
    "原材料年度框架",
)
COMPETITORS = ("用友", "SAP", "浪潮", "鼎捷", "Oracle", "")
NEXT_STEPS = ("安排技术交流", "提交方案与报价", "约见采购负责人", "准备投标文件", "确认合同条款")
LEAD_COMPANIES = (
    "华南精密模具有限公司",
    "苏州新锐光电科技有限公司",
    "武汉长江物流集团",
    "成都天府食品股份有限公司",
    "青岛海川机械有限公司",
    "杭州云帆电子商务有限公司",
    "宁波东港塑胶制品厂",
    "郑州中原农机有限公司",
    "长沙湘江医疗器械有限公司",
    "天津滨海化工有限公司",
    "厦门鹭岛服装有限公司",
    "合肥科达新能源有限公司",
)
STATUS_CYCLE = (
    LeadStatus.NEW,
    LeadStatus.FOLLOWING,
    LeadStatus.QUALIFIED,
    LeadStatus.INVALID,
    LeadStatus.NEW,
    LeadStatus.CONVERTED,
)
LEAD_TOPICS = ("官网咨询", "展会名片", "电话询价", "老客户介绍", "招标信息", "样品申请")


def load(demo: DemoContext) -> None:
    """The processes, then the opportunities, then the leads."""
    processes = _processes(demo.admin, demo.created)
    _opportunities(demo, processes)
    _leads(demo)


def _processes(admin, created) -> list[SalesProcess]:
    found = []
    for name, default, stages in PROCESSES:
        process = SalesProcess.objects.filter(name=name).first()
        if process is None:
            process = save(
                SalesProcess(name=name, is_default=default, sort_order=len(found)), actor=admin
            )
            for position, (stage, probability, category, required) in enumerate(stages, 1):
                save(
                    SalesStage(
                        process=process,
                        name=stage,
                        position=position,
                        probability=probability,
                        category=category,
                        required_fields=required,
                    ),
                    actor=admin,
                )
            created("sales processes")
        found.append(process)
    return found


def _opportunities(demo: DemoContext, processes: list[SalesProcess]) -> None:
    """For each seller, opportunities on their customers spread over the stages (moved
    there through the transitions, so their history is real, then dated back)."""
    if Opportunity.all_objects.exists():
        return
    rng = random.Random(SEED)
    customer_model = registry.get("customer").model
    lost_reasons = list(DictionaryItem.objects.filter(dictionary__code="lost_reason"))
    sources = list(DictionaryItem.objects.filter(dictionary__code="customer_source"))
    today = timezone.localdate()
    for username in SELLERS:
        seller = demo.users[username]
        customers = list(customer_model.objects.filter(owner=seller).order_by("id")[:40])
        if not customers:
            continue
        for index in range(OPPORTUNITIES_PER_SELLER):
            process = processes[1] if index % 3 == 2 else processes[0]
            customer = customers[index % len(customers)]
            amount = Decimal(rng.randrange(20, 400) * 5000)
            opportunity = save(
                Opportunity(
                    name=f"{customer.name[:12]} {rng.choice(PROJECTS)}",
                    customer=customer,
                    owner=seller,
                    process=process,
                    expected_amount=amount,
                    close_date=today + datetime.timedelta(days=rng.randrange(10, 150)),
                    source=rng.choice(sources) if sources else None,
                    competitors=rng.choice(COMPETITORS),
                    next_step=rng.choice(NEXT_STEPS),
                ),
                actor=seller,
            )
            _involve(opportunity, seller, rng)
            _advance(opportunity, index, seller, rng, lost_reasons)
            demo.created("opportunities")
    _date_back(rng)


def _involve(opportunity: Opportunity, seller, rng) -> None:
    """Up to three of the customer's contacts get a part in the purchase: their own buying
    role when they have one, and where they stand."""
    roles = list(contact_roles.buying_roles())
    for contact in contact_roles.contacts_to_choose(opportunity, seller).select_related("role")[:3]:
        role = contact.role or rng.choice(roles)
        attitude = rng.choice(["supports", "supports", "neutral", "opposes", ""])
        contact_roles.set_role(opportunity, contact, role, actor=seller, attitude=attitude)


def _advance(opportunity: Opportunity, index: int, seller, rng, lost_reasons) -> None:
    """Move the opportunity some stages on; every fifth is won and every seventh lost."""
    stages = list(opportunity.process.stages.filter(category=Category.OPEN).order_by("position"))
    for stage in stages[1 : 1 + index % len(stages)]:
        opportunity = transition(opportunity, "move", actor=seller, stage=stage)
    if index % 5 == 4:
        transition(opportunity, "win", actor=seller)
    elif index % 7 == 6 and lost_reasons:
        transition(opportunity, "lose", actor=seller, lost_reason=rng.choice(lost_reasons))


def _date_back(rng) -> None:
    """Spread the demo's history over the past months, as a pipeline that has been worked:
    each opportunity created some weeks ago, each of its moves some days after the last."""
    now = timezone.now()
    for opportunity in Opportunity.all_objects.all():
        moment = now - datetime.timedelta(days=rng.randrange(40, 120))
        Opportunity.all_objects.filter(pk=opportunity.pk).update(
            created_at=moment, stage_entered_at=moment
        )
        for change in StageChange.objects.filter(opportunity=opportunity).order_by("id"):
            moment += datetime.timedelta(days=rng.randrange(3, 15), hours=rng.randrange(0, 9))
            StageChange.objects.filter(pk=change.pk).update(changed_at=min(moment, now))
            closing = change.to_stage.category != Category.OPEN
            closed = {"closed_on": min(moment, now).date()} if closing else {}
            Opportunity.all_objects.filter(pk=opportunity.pk).update(
                stage_entered_at=min(moment, now), **closed
            )


def _leads(demo: DemoContext) -> None:
    """Leads of every status for the sellers: new ones (some released to the lead pool),
    ones being followed up, qualified ones, invalid ones with a reason, and converted ones
    (some with an opportunity)."""
    if Lead.all_objects.exists():
        return
    rng = random.Random(SEED + 1)
    items = {
        code: list(DictionaryItem.objects.filter(dictionary__code=code, is_active=True))
        for code in ("customer_source", "region", "industry", "lead_invalid_reason")
    }
    for n in range(LEADS):
        seller = demo.users[SELLERS[(n // len(STATUS_CYCLE)) % 3]]
        company = LEAD_COMPANIES[n % len(LEAD_COMPANIES)]
        person = rng.choice(SURNAMES) + rng.choice(("先生", "女士", "经理", "总"))
        lead = save(
            Lead(
                name=f"{company[:6]} {rng.choice(LEAD_TOPICS)}",
                company_name=company if n < len(LEAD_COMPANIES) * 3 else "",
                contact_name=person,
                job_title=rng.choice(TITLES)[0],
                mobile=f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}",
                owner=seller,
                source=rng.choice(items["customer_source"]),
                region=rng.choice(items["region"]),
                industry=rng.choice(items["industry"]),
                rating=rng.choice(("hot", "warm", "cold", "")),
            ),
            actor=seller,
        )
        status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
        if status in (LeadStatus.FOLLOWING, LeadStatus.QUALIFIED):
            lead = transition(lead, "follow_up", actor=seller)
        if status == LeadStatus.QUALIFIED:
            transition(lead, "qualify", actor=seller)
        if status == LeadStatus.INVALID:
            reason = rng.choice(items["lead_invalid_reason"])
            transition(lead, "mark_invalid", actor=seller, invalid_reason=reason)
        if status == LeadStatus.CONVERTED:
            conversion.convert(lead, actor=seller, create_opportunity=n % 2 == 0, amount="80000")
        if status == LeadStatus.NEW and n % 8 == 0:
            assignment.release(lead, actor=seller, reason="暂无精力跟进")
        demo.created("leads")
