"""Leads and opportunities registered with the platform, with their state machines; the
customer's page gets their tabs."""

from django.utils.translation import gettext_lazy as _

from crm.core import registry
from crm.core.registry import (
    Approvable,
    Column,
    ObjectType,
    Panel,
    Related,
    Rollup,
    SearchSpec,
    TypeView,
    WorkbenchCard,
    register,
)
from crm.core.states import Category, State, StateMachine, Transition
from crm.sales import (
    contact_role_views,
    conversion,
    filters,
    forms,
    pages,
    pool_views,
    services,
    views,
)
from crm.sales.models import Lead, LeadStatus, Opportunity, OpportunityStatus, PipelineTotal

L = LeadStatus
OS = OpportunityStatus
WORKING = (L.NEW, L.FOLLOWING, L.QUALIFIED)

LEAD_MACHINE = StateMachine(
    field="status",
    states=(
        State(L.NEW, L.NEW.label),
        State(L.FOLLOWING, L.FOLLOWING.label),
        State(L.QUALIFIED, L.QUALIFIED.label),
        State(L.REVIEWING, L.REVIEWING.label),
        State(L.CONVERTED, L.CONVERTED.label, Category.WON),
        State(L.INVALID, L.INVALID.label, Category.LOST),
    ),
    transitions=(
        Transition("follow_up", L.NEW, L.FOLLOWING, _("Follow up"), event="followed_up"),
        Transition("qualify", (L.NEW, L.FOLLOWING), L.QUALIFIED, _("Qualify"), event="qualified"),
        # Its page (or POST …/convert/) creates or picks what the lead becomes.
        Transition(
            "convert",
            WORKING,
            L.CONVERTED,
            _("Convert"),
            action="convert",
            required=("customer",),
            optional=("contact", "opportunity"),
            guards=(services.conversion_fits,),
            prepare=(services.converted,),
            page="convert",
            event="converted",
        ),
        # A conversion an approval process must review (crm.sales.conversion): the
        # conversion page sends it, the process approves, rejects or takes it back.
        Transition(
            "submit_conversion",
            WORKING,
            L.REVIEWING,
            _("Send conversion for review"),
            action="convert",
            required=("conversion_plan",),
            event="conversion_submitted",
            offered=False,
        ),
        Transition(
            "approve_conversion",
            L.REVIEWING,
            L.CONVERTED,
            _("Approve conversion"),
            action="convert",
            prepare=(conversion.carry_out_plan,),
            event="converted",
            offered=False,
        ),
        Transition(
            "reject_conversion",
            L.REVIEWING,
            L.QUALIFIED,
            _("Reject conversion"),
            action="convert",
            prepare=(conversion.drop_plan,),
            event="conversion_rejected",
            offered=False,
        ),
        Transition(
            "withdraw_conversion",
            L.REVIEWING,
            L.QUALIFIED,
            _("Withdraw conversion"),
            action="convert",
            prepare=(conversion.drop_plan,),
            event="conversion_withdrawn",
            offered=False,
        ),
        Transition(
            "mark_invalid",
            WORKING,
            L.INVALID,
            _("Mark invalid"),
            required=("invalid_reason",),
            event="invalidated",
        ),
        Transition("reactivate", L.INVALID, L.FOLLOWING, _("Reactivate"), event="reactivated"),
    ),
)

OPPORTUNITY_MACHINE = StateMachine(
    field="status",
    states=(
        State(OS.OPEN, OS.OPEN.label),
        State(OS.WON, OS.WON.label, Category.WON),
        State(OS.LOST, OS.LOST.label, Category.LOST),
    ),
    transitions=(
        Transition(
            "move",
            OS.OPEN,
            OS.OPEN,
            _("Change stage"),
            required=("stage",),
            guards=(services.may_enter,),
            prepare=(services.enter_stage,),
            choices=services.stage_choices,
            event="stage_changed",
        ),
        Transition(
            "win",
            OS.OPEN,
            OS.WON,
            _("Mark won"),
            optional=("close_note",),
            guards=(services.may_win,),
            prepare=(services.close_won,),
            event="won",
        ),
        Transition(
            "lose",
            OS.OPEN,
            OS.LOST,
            _("Mark lost"),
            required=("lost_reason",),
            optional=("close_note",),
            guards=(services.may_lose,),
            prepare=(services.close_lost,),
            event="lost",
        ),
        Transition(
            "reopen",
            (OS.WON, OS.LOST),
            OS.OPEN,
            _("Reopen"),
            action="reopen",
            required=("stage",),
            guards=(services.may_enter,),
            prepare=(services.enter_stage,),
            choices=services.stage_choices,
            event="reopened",
        ),
    ),
    moves=("stage",),
)

LEAD_SYNONYMS = {
    "name": ("线索", "线索名称", "主题", "lead", "subject", "title"),
    "company_name": ("公司", "公司名称", "单位", "企业名称", "company", "account"),
    "contact_name": ("联系人", "姓名", "联系人姓名", "contact", "full name"),
    "job_title": ("职务", "职位", "position"),
    "source": ("来源", "线索来源", "lead source", "channel"),
    "region": ("地区", "区域", "销售区域", "area", "territory"),
    "industry": ("行业", "sector"),
    "rating": ("评级", "热度", "等级", "grade"),
}
OPPORTUNITY_SYNONYMS = {
    "name": ("商机", "商机名称", "项目", "项目名称", "deal", "opportunity name"),
    "customer": ("客户", "客户名称", "公司", "account", "account name"),
    "expected_amount": ("金额", "商机金额", "预计金额", "预计成交金额", "amount", "deal size"),
    "close_date": ("预计成交日期", "预计签单日期", "结单日期", "close date"),
    "process": ("销售流程", "sales process", "pipeline"),
    "probability": ("赢率", "成交概率", "可能性"),
    "competitors": ("竞争对手", "竞争者"),
    "products": ("意向产品", "产品"),
    "next_step": ("下一步", "下一步计划"),
}
ORDERINGS = (
    "-updated_at",
    "updated_at",
    "name",
    "-name",
    "-created_at",
    "created_at",
    "number",
    "-number",
)


def my_open_leads(user) -> int:
    """The workbench's number: the leads `user` owns that are still being worked."""
    mine = Lead.objects.visible_to(user).filter(owner=user, status__in=WORKING)
    return mine.filter(in_pool=False).count()


def my_open_opportunities(user) -> int:
    """The workbench's number: the open opportunities `user` owns."""
    return Opportunity.objects.visible_to(user).filter(owner=user, status=OS.OPEN).count()


register(
    ObjectType(
        model=Lead,
        slug="leads",
        form=forms.LeadForm,
        filterset=filters.LeadFilter,
        columns=[
            Column("name", _("Lead name"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("company_name", _("Company name")),
            Column("contact_name", _("Contact person")),
            Column("job_title", _("Job title")),
            Column("mobile", _("Mobile")),
            Column("phone", _("Phone")),
            Column("email", _("Email")),
            Column("status", _("Status"), "choice"),
            Column("rating", _("Rating"), "choice"),
            Column("source", _("Source"), "dict"),
            Column("region", _("Sales region"), "dict"),
            Column("industry", _("Industry"), "dict"),
            Column("province", _("Province")),
            Column("city", _("City")),
            Column("owner", _("Owner"), "user"),
            Column("created_at", _("Created at"), "datetime", sortable=True),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "name",
            "company_name",
            "contact_name",
            "mobile",
            "status",
            "rating",
            "source",
            "owner",
            "updated_at",
        ],
        search=SearchSpec(
            title="name",
            subtitle="company_name",
            text=("number", "company_name", "contact_name"),
            phones=("mobile", "phone"),
            emails=("email",),
        ),
        detail_fields=[
            "number",
            "company_name",
            "contact_name",
            "job_title",
            "mobile",
            "phone",
            "email",
            "status",
            "rating",
            "source",
            "region",
            "industry",
            "province",
            "city",
            "address",
            "invalid_reason",
            "customer",
            "contact",
            "opportunity",
            "converted_at",
            "owner",
            "notes",
        ],
        orderings=ORDERINGS,
        icon="target",
        masked=("mobile", "phone"),
        state_machine=LEAD_MACHINE,
        lock=services.lead_lock,
        approvals=(
            Approvable(
                "conversion",
                _("Lead conversion"),
                submit="submit_conversion",
                approve="approve_conversion",
                reject="reject_conversion",
                withdraw="withdraw_conversion",
            ),
        ),
        import_synonyms=LEAD_SYNONYMS,
        panels=(
            Panel(
                "similar",
                _("Possible duplicates"),
                "sales/_similar_panel.html",
                views.similar_panel,
                sidebar=True,
            ),
        ),
        views=(
            TypeView(
                "convert",
                views.convert_view,
                label=_("Convert"),
                record=True,
                permission="convert",
            ),
            TypeView("similar", views.similar_view),
            *pool_views.VIEWS,
        ),
        actions=(*pool_views.ACTIONS,),
        menu_order=30,
        workbench=WorkbenchCard(
            _("My open leads"), my_open_leads, order=30, create_label=_("New lead")
        ),
    )
)

register(
    ObjectType(
        model=Opportunity,
        slug="opportunities",
        form=forms.OpportunityForm,
        filterset=filters.OpportunityFilter,
        columns=[
            Column("name", _("Opportunity name"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("customer", _("Customer"), "link"),
            Column("expected", _("Amount"), "money"),
            Column("weighted_amount", _("Weighted amount"), "number"),
            Column("close_date", _("Expected close date"), "date", sortable=True),
            Column("process", _("Sales process"), "name"),
            Column("stage", _("Stage"), "name"),
            Column("probability", _("Probability (%)"), "number"),
            Column("status", _("Status"), "choice"),
            Column("source", _("Source"), "dict"),
            Column("next_step", _("Next step")),
            Column("owner", _("Owner"), "user"),
            Column("created_at", _("Created at"), "datetime", sortable=True),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "name",
            "customer",
            "expected",
            "close_date",
            "stage",
            "probability",
            "owner",
            "updated_at",
        ],
        search=SearchSpec(
            title="name", subtitle="customer__name", text=("number", "competitors", "products")
        ),
        detail_fields=[
            "number",
            "customer",
            "contact",
            "expected_amount",
            "expected_currency",
            "weighted_amount",
            "close_date",
            "process",
            "stage",
            "probability",
            "status",
            "source",
            "competitors",
            "products",
            "next_step",
            "lead",
            "lost_reason",
            "close_note",
            "closed_on",
            "stage_entered_at",
            "owner",
            "notes",
        ],
        orderings=(*ORDERINGS, "close_date", "-close_date"),
        icon="briefcase",
        panels=pages.OPPORTUNITY_PANELS,
        board=pages.OPPORTUNITY_BOARD,
        rollup=Rollup(
            PipelineTotal,
            keys={"stage": "stage_id", "owner": "owner_id", "currency": "expected_currency"},
            sums={"amount": "expected_amount", "weighted": "weighted_amount"},
        ),
        views=(
            TypeView("funnel", pages.funnel_view, label=_("Sales funnel"), permission="view"),
            TypeView("contacts", contact_role_views.contact_roles_view, record=True),
        ),
        state_machine=OPPORTUNITY_MACHINE,
        compute=services.compute,
        computed=("weighted_amount",),
        clean=services.clean,
        lock=services.lock,
        import_synonyms=OPPORTUNITY_SYNONYMS,
        match_keys=(("number",), ("external_id",)),
        menu_order=40,
        workbench=WorkbenchCard(
            _("My open opportunities"),
            my_open_opportunities,
            order=40,
            create_label=_("New opportunity"),
        ),
    )
)
CUSTOMER_TABS = (
    Related(
        "opportunity",
        "customer",
        _("Opportunities"),
        ("name", "expected", "stage", "close_date", "owner"),
    ),
    Related("lead", "customer", _("Converted leads"), ("name", "contact_name", "converted_at")),
)


def _customer_tabs(object_type: ObjectType) -> None:
    """The customer's page lists its opportunities and the leads converted into it."""
    if object_type.key == "customer":
        object_type.related.extend(tab for tab in CUSTOMER_TABS if tab not in object_type.related)


registry.extend(_customer_tabs)
registry.extend(pages.extend_customer)
