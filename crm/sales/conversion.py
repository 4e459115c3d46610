"""Converting a lead (线索转化): into a new or an existing customer, a new or an existing
contact, and an opportunity if asked, in one transaction with the lead's convert transition."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from crm.core import money, registry, services
from crm.core.errors import AccessDenied, TransitionRefused, ValidationFailed
from crm.core.validators import validate_not_negative
from crm.sales.models import Lead, Opportunity, SalesProcess
from crm.sales.services import default_process


@dataclass(frozen=True)
class Converted:
    """What a lead became: its customer, its contact (None: the lead named nobody, or none
    was wanted) and its opportunity (None unless asked for)."""

    customer: Any
    contact: Any
    opportunity: Opportunity | None


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
) -> Converted:
    """Convert `lead` as `actor`.

    The customer is `customer`, else a new one from the lead (named `customer_name`, else
    after the lead's company, contact person or name; owned by the lead's owner); the
    contact is `contact` (one of that customer's), else a new one from the lead's contact
    person when `new_contact` and the lead names one; with `create_opportunity`, a new
    opportunity of the customer (`process` or the default one) comes from the lead. Then
    the lead's convert transition links it to them. Each record is written through the
    write path (change log, numbering, search), the lead's move is one "transition" row.

    Raises AccessDenied (403), TransitionRefused "wrong_state" for a lead converted already
    or set aside (409), StaleVersion (409) and ValidationFailed (422) naming the input at
    fault: `customer`, `contact`, `customer_name`, `opportunity_name`, `amount`, `process`,
    `close_date`. Nothing is written then.
    """
    step = registry.get("lead").state_machine.transition("convert")
    current = Lead._base_manager.select_for_update().get(pk=lead.pk)
    if not services.may_transition(current, step, actor=actor):
        raise AccessDenied(_("You may not do “%(action)s” here.") % {"action": step.label})
    if current.status not in step.sources:
        raise TransitionRefused(
            "wrong_state", services.transition_refusal(current, step, actor=actor)
        )
    _check_chosen(customer, contact, actor)
    if create_opportunity:
        amount = _amount(amount)
        process = _process(process)
    if customer is None:
        customer = _new_customer(current, customer_name, actor)
    if contact is None and new_contact and current.contact_name.strip():
        contact = _new_contact(current, customer, actor)
    opportunity = None
    if create_opportunity:
        opportunity = _new_opportunity(
            current, customer, contact, opportunity_name, amount, process, close_date, actor
        )
    services.transition(
        current,
        "convert",
        actor=actor,
        expected_version=expected_version,
        customer=customer,
        contact=contact,
        opportunity=opportunity,
    )
    return Converted(customer, contact, opportunity)


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
    customer = model(
        owner_id=lead.owner_id,
        name=(name.strip() or customer_name_of(lead))[:200],
        industry_id=lead.industry_id,
        region_id=lead.region_id,
        source_id=lead.source_id,
        province=lead.province,
        city=lead.city,
        address=lead.address,
        phone=lead.phone,
        email=lead.email,
    )
    with _errors_named({"name": "customer_name"}, "customer"):
        services.save(customer, actor=actor)
    return customer


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
