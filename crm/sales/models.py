"""The sales pipeline: leads (线索), the sales processes (销售流程) with their stages (阶段),
opportunities (商机) moving through them, and each opportunity's stage history."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import NameSorted, Record, TrackedModel
from crm.core.money import AmountField, CurrencyField, MoneyField
from crm.core.states import Category
from crm.core.validators import validate_phone
from crm.customization.models import DictionaryField


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    FOLLOWING = "following", _("Following up")
    QUALIFIED = "qualified", _("Qualified")
    REVIEWING = "reviewing", _("In review")
    CONVERTED = "converted", _("Converted")
    INVALID = "invalid", _("Invalid")


class Rating(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


class Lead(Record, NameSorted):
    """Someone who may buy, not yet a customer: followed up, qualified, then converted into
    a customer, a contact and perhaps an opportunity (after a review when an approval
    process asks for one), or set aside as invalid. A lead in the pool (`in_pool`) waits for
    a salesperson to claim it."""

    name = models.CharField(_("lead name"), max_length=200)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True, validators=[validate_phone])
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    region = DictionaryField("region", _("sales region"))
    industry = DictionaryField("industry", _("industry"))
    source = DictionaryField("customer_source", _("source"))
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    rating = models.CharField(_("rating"), max_length=8, choices=Rating.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    invalid_reason = DictionaryField("lead_invalid_reason", _("invalid reason"))
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    in_pool = models.BooleanField(_("in the lead pool"), default=False, editable=False)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    # What the conversion made of it (set once, by the convert transition).
    customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("contact"),
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("opportunity"),
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    # A conversion sent for review: what it will make once approved (crm.sales.conversion).
    conversion_plan = models.JSONField(_("conversion plan"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="lead_owner_updated"),
            models.Index(fields=["owner", "name_sort", "id"], name="lead_owner_name_sort"),
            models.Index(fields=["updated_at", "id"], name="lead_updated"),
            models.Index(fields=["name_sort", "id"], name="lead_name_sort"),
            models.Index(fields=["in_pool", "created_at", "id"], name="lead_pool"),
            models.Index(fields=["mobile"], name="lead_mobile"),
            models.Index(fields=["email"], name="lead_email"),
        ]


class SalesProcess(TrackedModel):
    """A way of selling (项目型销售, 分销): its stages in order. Several may exist; each
    opportunity follows one."""

    manage_permission = "manage_settings"

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_default = models.BooleanField(_("default for new opportunities"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class SalesStage(TrackedModel):
    """One stage of a process: its place, the probability an opportunity in it closes, its
    category (open, won, lost) and what must be filled before an opportunity enters it."""

    manage_permission = "manage_settings"

    process = models.ForeignKey(
        SalesProcess, models.CASCADE, related_name="stages", verbose_name=_("sales process")
    )
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    category = models.CharField(
        _("category"),
        max_length=8,
        choices=[(c.value, c.label) for c in (Category.OPEN, Category.WON, Category.LOST)],
        default=Category.OPEN,
    )
    # Opportunity fields that must hold a value before entering: ["expected_amount", ...].
    required_fields = models.JSONField(_("required before entering"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales stage")
        verbose_name_plural = _("sales stages")
        ordering = ["process", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "name"],
                name="sales_stage_name_unique",
                violation_error_message=_("This process already has a stage of that name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(Record, NameSorted):
    """A deal being worked: a customer, an amount expected to close on a date, the process
    it follows and the stage it has reached. Only its transitions move the stage."""

    name = models.CharField(_("opportunity name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("main contact"),
    )
    expected_amount = AmountField(
        _("amount"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    expected_currency = CurrencyField()
    expected = MoneyField("expected_amount", "expected_currency")
    weighted_amount = AmountField(_("weighted amount"), default=0, editable=False)
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    process = models.ForeignKey(
        SalesProcess, models.PROTECT, related_name="+", verbose_name=_("sales process")
    )
    stage = models.ForeignKey(
        SalesStage, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("stage")
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("The stage's unless you enter one; a stage change sets it again."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    source = DictionaryField("customer_source", _("source"))
    lead = models.ForeignKey(
        Lead,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("source lead"),
    )
    competitors = models.CharField(_("competitors"), max_length=255, blank=True)
    products = models.CharField(_("products of interest"), max_length=255, blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    lost_reason = DictionaryField("lost_reason", _("lost reason"))
    close_note = models.CharField(_("closing note"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    stage_entered_at = models.DateTimeField(
        _("in stage since"), null=True, blank=True, editable=False
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="opp_owner_updated"),
            models.Index(fields=["owner", "name_sort", "id"], name="opp_owner_name_sort"),
            models.Index(fields=["updated_at", "id"], name="opp_updated"),
            models.Index(fields=["name_sort", "id"], name="opp_name_sort"),
            models.Index(fields=["customer", "status"], name="opp_customer"),
            # A board column: one stage's cards in the board's order, for everyone and per owner.
            models.Index(fields=["stage", "updated_at", "id"], name="opp_stage_updated"),
            models.Index(fields=["owner", "stage", "updated_at", "id"], name="opp_owner_stage"),
        ]


class PipelineTotal(models.Model):
    """The live opportunities of one owner in one stage and currency: how many, their amount
    and weighted amount (crm.core.rollups, kept by the write path). A board's headers and
    the funnel read these instead of every opportunity; 0 stands for no stage or owner."""

    stage = models.BigIntegerField()
    owner = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    records = models.BigIntegerField(default=0)
    amount = AmountField(max_digits=20, default=0)
    weighted = AmountField(max_digits=20, default=0)

    class Meta:
        verbose_name = _("pipeline total")
        verbose_name_plural = _("pipeline totals")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "owner", "currency"], name="pipeline_total_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage}/{self.owner}/{self.currency}: {self.records}"


class StageChange(models.Model):
    """An opportunity moved from one stage to another (won and lost included), when and by
    whom; the time spent in each stage is read from these (crm.sales.services.stage_history)."""

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(SalesStage, models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(SalesStage, models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="stage_change_opp")]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Attitude(models.TextChoices):
    SUPPORTS = "supports", _("Supports us")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSES = "opposes", _("Opposes us")


class ContactRole(models.Model):
    """A contact of the opportunity's customer and the part they play in the purchase
    (联系人角色: decision maker, technical evaluator ...), with where they stand."""

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey(
        "customers.Contact", models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    role = DictionaryField("contact_role", _("buying role"), null=False, blank=False)
    attitude = models.CharField(_("attitude"), max_length=8, choices=Attitude.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="contact_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})"


class AssignmentMethod(models.TextChoices):
    OWNER = "owner", _("To one salesperson")
    ROUND_ROBIN = "round_robin", _("In turn within a team")
    POOL = "pool", _("To the lead pool")


class LeadAssignmentRule(TrackedModel):
    """Where a new lead without an owner goes: rules are tried in order, the first whose
    region, industry and source (each empty: any) match applies."""

    manage_permission = "manage_settings"

    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    region = DictionaryField("region", _("sales region"))
    industry = DictionaryField("industry", _("industry"))
    source = DictionaryField("customer_source", _("source"))
    method = models.CharField(
        _("assign"), max_length=12, choices=AssignmentMethod.choices, default=AssignmentMethod.OWNER
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    team = models.ForeignKey(
        "org.Team", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    # The member who got the last lead in turn (round-robin goes on from the next).
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name
