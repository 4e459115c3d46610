"""Converting a lead (线索转化): into a new or an existing customer, a new or an existing
contact, and an opportunity if asked, in one transaction with the lead's convert transition.

When an approval process applies to the conversion (its approvable "conversion"), nothing
is made yet: the plan is stored on the lead, which is in review until the process decides;
approved, the plan is carried out as whoever sent it, exactly as a direct conversion."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from crm.core import changes, money, registry, services
from crm.core.errors import AccessDenied, DomainError, TransitionRefused, ValidationFailed
from crm.core.validators import validate_not_negative
from crm.customization.models import DictionaryItem
from crm.sales.models import Lead, LeadStatus, Opportunity, SalesProcess
from crm.sales.services import converted, default_process
from crm.workflow import services as approvals

if TYPE_CHECKING:
    from crm.workflow.models import ApprovalRequest


@dataclass(frozen=True)
class Converted:
    """What a lead became: its customer, its contact (None: the lead named nobody, or none
    was wanted) and its opportunity (None unless asked for)."""

    customer: Any
    contact: Any
    opportunity: Opportunity | None


@dataclass(frozen=True)
class InReview:
    """A conversion sent for review: the approval request deciding it."""

    approval: ApprovalRequest


@dataclass(frozen=True)
class Plan:
    """What a conversion makes: the customer (`customer`, else a new one named
    `customer_name`), the contact (`contact`, else a new one when `new_contact`), and with
    `create_opportunity` an opportunity (named, its amount, process and close date)."""

    customer: Any = None
    customer_name: str = ""
    contact: Any = None
    new_contact: bool = True
    create_opportunity: bool = False
    opportunity_name: str = ""
    amount: Decimal | str | None = None
    process: SalesProcess | None = None
    close_date: datetime.date | None = None

    def stored(self, by) -> dict[str, Any]:
        """The plan as the lead keeps it while in review, with who sent it (`by`)."""
        return {
            "by": by.pk,
            "customer": self.customer.pk if self.customer else None,
            "customer_name": self.customer_name,
            "contact": self.contact.pk if self.contact else None,
            "new_contact": self.new_contact,
            "create_opportunity": self.create_opportunity,
            "opportunity_name": self.opportunity_name,
            "amount": str(self.amount) if self.amount is not None else None,
            "process": self.process.pk if self.process else None,
            "close_date": self.close_date.isoformat() if self.close_date else None,
        }

    @classmethod
    def kept(cls, data: dict[str, Any]) -> Plan:
        """The plan a lead keeps (`stored`), its records read again; one gone since is
        refused as a record the sender may not see."""
        close_date = data["close_date"]
        return cls(
            customer=chosen_record("customer", data["customer"]),
            customer_name=data["customer_name"],
            contact=chosen_record("contact", data["contact"]),
            new_contact=data["new_contact"],
            create_opportunity=data["create_opportunity"],
            opportunity_name=data["opportunity_name"],
            amount=data["amount"],
            process=chosen_process(data["process"]),
            close_date=datetime.date.fromisoformat(close_date) if close_date else None,
        )


def chosen_record(key: str, pk: int | None):
    """The record `pk` of a type, or None; the conversion checks the user sees it."""
    if pk is None:
        return None
    found = registry.get(key).model._base_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed({key: [_("Choose an existing record you may see.")]})
    return found


def chosen_process(pk: int | None) -> SalesProcess | None:
    found = SalesProcess.objects.filter(pk=pk).first() if pk is not None else None
    if pk is not None and found is None:
        raise ValidationFailed({"process": [_("Choose an active sales process.")]})
    return found


@transaction.atomic
def convert(
    lead: Lead,
    *,
    actor,
    expected_version: int | None = None,
    customer=None,
    customer_name: str = "",
    contact=None,
    new_contact: bool = True,
    create_opportunity: bool = False,
    opportunity_name: str = "",
    amount: Decimal | str | None = None,
    process: SalesProcess | None = None,
    close_date: datetime.date | None = None,
) -> Converted | InReview:
    """Convert `lead` as `actor`, or send the conversion for review when an approval
    process applies to it.

    The customer is `customer`, else a new one from the lead (named `customer_name`, else
    after the lead's company, contact person or name; owned by the lead's owner); the
    contact is `contact` (one of that customer's), else a new one from the lead's contact
    person when `new_contact` and the lead names one; with `create_opportunity`, a new
    opportunity of the customer (`process` or the default one) comes from the lead. Then
    the lead's convert transition links it to them. Each record is written through the
    write path (change log, numbering, search), the lead's move is one "transition" row.

    When a process applies, the choices are checked as the conversion itself would check
    them (it is tried and undone), then kept on the lead (`conversion_plan`) by its
    submit_conversion transition, which hands it to the approval engine: the lead is in
    review and locked, and nothing else is written.

    Raises AccessDenied (403), TransitionRefused "wrong_state" for a lead converted already,
    in review or set aside (409), StaleVersion (409) and ValidationFailed (422) naming the
    input at fault: `customer`, `contact`, `customer_name`, `opportunity_name`, `amount`,
    `process`, `close_date`. Nothing is written then.
    """
    step = registry.get("lead").state_machine.transition("convert")
    current = Lead._base_manager.select_for_update().get(pk=lead.pk)
    if not services.may_transition(current, step, actor=actor):
        raise AccessDenied(_("You may not do “%(action)s” here.") % {"action": step.label})
    if current.status not in step.sources:
        raise TransitionRefused(
            "wrong_state", services.transition_refusal(current, step, actor=actor)
        )
    plan = Plan(
        customer=customer,
        customer_name=customer_name,
        contact=contact,
        new_contact=new_contact,
        create_opportunity=create_opportunity,
        opportunity_name=opportunity_name,
        amount=amount,
        process=process,
        close_date=close_date,
    )
    if not reviewed(current):
        done = carry_out(current, plan, actor)
        services.transition(
            current,
            "convert",
            actor=actor,
            expected_version=expected_version,
            customer=done.customer,
            contact=done.contact,
            opportunity=done.opportunity,
        )
        return done
    return _send_for_review(current, plan, actor, expected_version)


def reviewed(lead: Lead) -> bool:
    """Whether an approval process reviews the conversion of `lead`: the engine routes the
    lead as submit_conversion leaves it, in review, so it is asked about that."""
    approvable = next(a for a in registry.get("lead").approvals if a.key == "conversion")
    in_review = copy.copy(lead)
    in_review.status = LeadStatus.REVIEWING
    return approvals.route(in_review, approvable) is not None


def _send_for_review(lead: Lead, plan: Plan, actor, expected_version: int | None) -> InReview:
    """Try the conversion and undo it (so that it is refused as it would be), then keep
    the plan on the lead through its submit_conversion transition."""
    plan = _checked(plan, actor)
    with transaction.atomic():
        carry_out(lead, plan, actor)
        transaction.set_rollback(True)
    services.transition(
        lead,
        "submit_conversion",
        actor=actor,
        expected_version=expected_version,
        conversion_plan=plan.stored(actor),
    )
    request = approvals.pending_request(lead)
    assert request is not None  # routed as `reviewed` routed it, in the same transaction
    return InReview(request)


def _checked(plan: Plan, actor) -> Plan:
    """`plan` with its amount read and its process chosen (the default one unless named),
    once its choices are ones `actor` may make."""
    _check_chosen(plan.customer, plan.contact, actor)
    if not plan.create_opportunity:
        return plan
    return dataclasses.replace(plan, amount=_amount(plan.amount), process=_process(plan.process))


def carry_out(lead: Lead, plan: Plan, actor) -> Converted:
    """Make what `plan` says from `lead` as `actor`: the customer, the contact and the
    opportunity, each through the write path; the lead itself is left as it is."""
    plan = _checked(plan, actor)
    customer = plan.customer
    if customer is None:
        customer = _new_customer(lead, plan.customer_name, actor)
    contact = plan.contact
    if contact is None and plan.new_contact and lead.contact_name.strip():
        contact = _new_contact(lead, customer, actor)
    opportunity = None
    if plan.create_opportunity:
        opportunity = _new_opportunity(
            lead,
            customer,
            contact,
            plan.opportunity_name,
            plan.amount,
            plan.process,
            plan.close_date,
            actor,
        )
    return Converted(customer, contact, opportunity)


def carry_out_plan(lead: Lead, before: dict[str, Any], actor) -> None:
    """The approved conversion (the approve_conversion transition's preparation): the plan
    the lead keeps carried out as whoever sent it for review, so the records are made and
    owned as a direct conversion makes them; the lead is linked to them and its plan
    cleared. Raises DomainError "conversion_outdated" when the plan can no longer be
    carried out (a chosen record deleted or no longer seen by the sender): the approval
    then fails and nothing is written."""
    try:
        sender = get_user_model()._base_manager.get(pk=lead.conversion_plan["by"])
        done = carry_out(lead, Plan.kept(lead.conversion_plan), sender)
    except DomainError as error:
        reasons = [str(m) for messages in error.fields.values() for m in messages]
        raise DomainError(
            "conversion_outdated",
            _(
                "This conversion can no longer be carried out as it was sent for review "
                "(%(reason)s). Reject it, and the lead can be converted again."
            )
            % {"reason": " ".join(reasons) or error.message},
        ) from None
    lead.customer, lead.contact, lead.opportunity = done.customer, done.contact, done.opportunity
    lead.conversion_plan = None
    converted(lead, before, actor)


def drop_plan(lead: Lead, before: dict[str, Any], actor) -> None:
    """A conversion rejected or withdrawn: the lead keeps no plan and may be converted
    again."""
    lead.conversion_plan = None


def _check_chosen(customer, contact, actor) -> None:
    """An existing customer and contact must be ones `actor` sees, the contact one of the
    customer's."""
    for name, chosen in (("customer", customer), ("contact", contact)):
        if chosen is not None and not _visible(chosen, actor):
            raise ValidationFailed({name: [_("Choose an existing record you may see.")]})
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise ValidationFailed({"contact": [_("The contact belongs to another customer.")]})


def _visible(record: models.Model, actor) -> bool:
    return type(record).objects.visible_to(actor).filter(pk=record.pk).exists()


def _amount(amount: Decimal | str | None) -> Decimal | None:
    """The opportunity's amount: typed as people write it (1,234.50, 1.2万) or a number; not
    negative."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return None
    try:
        if isinstance(amount, Decimal) and amount.is_finite():
            value = amount
        else:
            value = money.parse_amount(str(amount))
        validate_not_negative(value)
    except ValidationError as error:
        raise ValidationFailed({"amount": error.messages}) from None
    return value


def _process(process: SalesProcess | None) -> SalesProcess:
    """The process the opportunity follows: the one chosen (active), else the default."""
    if process is not None and not process.is_active:
        raise ValidationFailed({"process": [_("Choose an active sales process.")]})
    chosen = process or default_process()
    if chosen is None:
        message = _("No sales process is set up yet: an administrator adds one first.")
        raise ValidationFailed({"process": [message]}, message)
    return chosen


@contextmanager
def _errors_named(names: dict[str, str], prefix: str) -> Iterator[None]:
    """A refused write's field errors under the names the conversion takes (`names`), the
    others as `<prefix>.<field>`."""
    try:
        yield
    except ValidationFailed as error:
        fields: dict[str, list[str]] = {}
        for name, messages in error.fields.items():
            fields.setdefault(names.get(name, f"{prefix}.{name}"), []).extend(messages)
        raise ValidationFailed(fields) from None


def _new_customer(lead: Lead, name: str, actor):
    """A customer made from the lead, owned by the lead's owner."""
    model = registry.get("customer").model
    industry, region, source = _still_offered(lead.industry_id, lead.region_id, lead.source_id)
    customer = model(
        owner_id=lead.owner_id,
        name=(name.strip() or customer_name_of(lead))[:200],
        industry_id=industry,
        region_id=region,
        source_id=source,
        province=lead.province,
        city=lead.city,
        address=lead.address,
        phone=lead.phone,
        email=lead.email,
    )
    with _errors_named({"name": "customer_name"}, "customer"):
        services.save(customer, actor=actor)
    return customer


def _still_offered(*item_ids: int | None) -> list[int | None]:
    """The lead's dictionary items, each left out (None) if it has been deactivated since:
    the new customer takes only items still offered, rather than being refused for one."""
    active = set(
        DictionaryItem.objects.filter(
            pk__in=[i for i in item_ids if i], is_active=True
        ).values_list("pk", flat=True)
    )
    return [item if item in active else None for item in item_ids]


def _new_contact(lead: Lead, customer, actor):
    """The lead's contact person as a contact of `customer`, its primary contact when it has
    none yet."""
    model = registry.get("contact").model
    contact = model(
        owner_id=lead.owner_id,
        customer=customer,
        name=lead.contact_name.strip(),
        title=lead.job_title,
        mobile=lead.mobile,
        phone=lead.phone,
        email=lead.email,
        is_primary=not model.objects.filter(customer=customer).exists(),
    )
    with _errors_named({}, "contact"):
        services.save(contact, actor=actor)
    return contact


def _new_opportunity(
    lead: Lead,
    customer,
    contact,
    name: str,
    amount: Decimal | None,
    process: SalesProcess,
    close_date: datetime.date | None,
    actor,
) -> Opportunity:
    """An opportunity of `customer` from the lead, which it keeps as its source lead."""
    opportunity = Opportunity(
        owner_id=lead.owner_id,
        name=(name.strip() or default_name(customer.name, lead))[:200],
        customer=customer,
        contact=contact,
        expected_amount=amount,
        close_date=close_date,
        process=process,
        source_id=lead.source_id,
    )
    opportunity.lead = lead
    names = {
        "name": "opportunity_name",
        "expected_amount": "amount",
        "process": "process",
        "close_date": "close_date",
    }
    with _errors_named(names, "opportunity"):
        services.save(opportunity, actor=actor)
    return opportunity


def customer_name_of(lead: Lead) -> str:
    """What a new customer from the lead is called unless named: its company, else its
    contact person, else the lead's name."""
    return lead.company_name.strip() or lead.contact_name.strip() or lead.name


def default_name(customer_name: str, lead: Lead) -> str:
    """What an opportunity from a lead is called unless named: “<customer> - <lead>”."""
    return f"{customer_name} - {lead.name}"


def describe_changes() -> None:
    """The change log reads a lead's stored conversion plan in words."""
    changes.describe_values(Lead, "conversion_plan", plan_text)


def plan_text(value: Any) -> str:
    """A stored plan as people read it: what it makes, naming only what the lead itself
    holds (a chosen customer or contact is not named: the reader may not see it)."""
    if not isinstance(value, dict) or not value:
        return ""
    if value.get("customer"):
        parts = [_("An existing customer")]
    elif value.get("customer_name"):
        parts = [_("New customer “%(name)s”") % {"name": value["customer_name"]}]
    else:
        parts = [_("A new customer")]
    if value.get("contact"):
        parts.append(_("an existing contact"))
    elif value.get("new_contact"):
        parts.append(_("a new contact"))
    if value.get("create_opportunity") and value.get("opportunity_name"):
        parts.append(_("opportunity “%(name)s”") % {"name": value["opportunity_name"]})
    elif value.get("create_opportunity"):
        parts.append(_("an opportunity"))
    return ", ".join(str(part) for part in parts)
