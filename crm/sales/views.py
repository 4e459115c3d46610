"""Pages of leads of their own (registered on the lead type in crm.sales.registry)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from crm.core import binding, masking, params, registry, services, timeline
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.views.editing import go_to, posted
from crm.core.views.generic import render_page
from crm.sales import conversion, duplicates
from crm.sales.forms import ConvertForm
from crm.sales.models import Lead
from crm.sales.services import default_process

# --------------------------------------------------------------------------- conversion

# What the conversion page shows of the lead.
LEAD_FIELDS = [
    "company_name",
    "contact_name",
    "job_title",
    "mobile",
    "phone",
    "email",
    "source",
    "region",
    "industry",
    "province",
    "city",
    "address",
]


def convert_view(request, object_type, lead: Lead):
    """Convert the lead into a customer, a contact and an opportunity: the page shows what
    the lead holds and the customers like it; done, the lead's page names what was made, or
    says the conversion was sent for review. A lead that may not be converted (converted
    already, in review, set aside) goes back to its page."""
    detail = reverse(object_type.url_name("detail"), args=[lead.pk])
    step = object_type.state_machine.transition("convert")
    if lead.status not in step.sources:
        messages.error(request, services.transition_refusal(lead, step, actor=request.user))
        return go_to(request, detail)
    matches = similar_to(lead, request.user)
    suggested = duplicates.customers_among(matches)
    form = ConvertForm(
        posted(request), lead=lead, user=request.user, initial=_initial(request, lead)
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = conversion.convert(lead, actor=request.user, **form.arguments())
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _outcome_message(lead, done))
            return go_to(request, detail)
    context = {
        "object_type": object_type,
        "object": lead,
        "fields": [
            field
            for field in timeline.detail_fields(lead, LEAD_FIELDS, masking.on_pages(object_type))
            if field.value
        ],
        "form": form,
        "matches": matches,
        "suggested": suggested,
        "reviewed": conversion.reviewed(lead),
    }
    return render_page(request, "sales/lead_convert.html", context, partial="contact")


def _initial(request, lead: Lead) -> dict:
    """The conversion as proposed: a new customer named after the lead (or the one chosen
    among those like it, `?customer=`), a new contact when the lead names a person, an
    opportunity in the default process."""
    chosen = request.GET.get("customer")
    customer = params.record_id(chosen, "customer") if chosen else None
    person = ConvertForm.NEW if lead.contact_name.strip() else ConvertForm.NONE
    return {
        "version": lead.version,
        "customer_mode": ConvertForm.EXISTING if customer else ConvertForm.NEW,
        "customer": customer,
        "customer_name": conversion.customer_name_of(lead),
        "contact_mode": request.GET.get("contact_mode") or person,
        "process": default_process(),
    }


def _outcome_message(lead: Lead, done: conversion.Converted | conversion.InReview) -> str:
    """What the lead's page says after the conversion page: what was made, or that an
    approval process reviews it first."""
    if isinstance(done, conversion.InReview):
        return _("“%(name)s” was sent for review (%(process)s): it is converted once approved.") % {
            "name": lead,
            "process": done.approval.process.name,
        }
    return converted_message(lead, done)


def converted_message(lead: Lead, done: conversion.Converted) -> str:
    """What the lead's page says after a conversion, linking to each record."""
    made = (("customer", done.customer), ("contact", done.contact))
    made += (("opportunity", done.opportunity),)
    links = format_html_join(
        ", ",
        '{} <a href="{}">{}</a>',
        (
            (
                registry.get(key).model._meta.verbose_name,
                reverse(registry.get(key).url_name("detail"), args=[record.pk]),
                record,
            )
            for key, record in made
            if record is not None
        ),
    )
    return format_html(_("“{name}” converted: {records}."), name=lead, records=links)


# --------------------------------------------------------------------------- duplicates


def similar_to(lead: Lead, user) -> list[duplicates.Similar]:
    """The leads, customers and contacts like `lead`, less those it was converted into."""
    return duplicates.similar(
        user,
        company_name=lead.company_name,
        mobile=lead.mobile,
        email=lead.email,
        exclude=(lead, lead.customer, lead.contact),
    )


def similar_panel(lead: Lead, user) -> dict:
    """The lead page's panel of records like it."""
    return {"matches": similar_to(lead, user)}


def similar_view(request, object_type):
    """The lead form's duplicate warning for the company name, mobile and email typed (an
    htmx fragment); `?exclude=` names the lead being edited (its masked mobile sent back
    stands for the stored one)."""
    typed = {name: request.GET.get(name, "")[:200] for name in ("company_name", "mobile", "email")}
    lead = None
    if request.GET.get("exclude"):
        exclude = params.record_id(request.GET["exclude"], "exclude")
        lead = Lead.objects.visible_to(request.user).filter(pk=exclude).first()
    if lead is not None:
        typed["mobile"] = binding.kept(typed["mobile"], lead.mobile)
    context = {
        "object_type": object_type,
        "object": lead,
        "matches": duplicates.similar(request.user, **typed, exclude=(lead,)),
    }
    return render(request, "sales/_similar_check.html", context)
