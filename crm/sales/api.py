"""The leads' own API action: `POST /leads/{id}/convert/` (the rest is the generic router)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.shortcuts import get_object_or_404
from ninja import Router, Status
from pydantic import BaseModel, Field, create_model

from crm.core import params, registry
from crm.core.api import answer, errors
from crm.sales import conversion
from crm.sales.models import Lead, LeadStatus

router = Router(tags=["leads"])
RecordId = Annotated[int, Field(ge=1, le=params.MAX_ID)]


class LeadConvertIn(BaseModel):
    """A lead's conversion: an existing customer (null: a new one from the lead), an
    existing contact of it (null: a new one from the lead's contact person, unless
    `new_contact` is false), and an opportunity if asked (in `process`, the default one
    unless named)."""

    customer: RecordId | None = None
    customer_name: str = Field("", max_length=200)
    contact: RecordId | None = None
    new_contact: bool = True
    create_opportunity: bool = False
    opportunity_name: str = Field("", max_length=200)
    amount: Decimal | str | None = Field(None, description="1234.50, or as typed: 1.2万")
    process: RecordId | None = None
    close_date: datetime.date | None = None
    version: int | None = Field(None, description="The lead's version read (or If-Match).")


def _out(key: str) -> Any:
    return registry.get(key).schema_out


LeadConversionOut = create_model(
    "LeadConversionOut",
    customer=(_out("customer"), ...),
    contact=(_out("contact") | None, ...),
    opportunity=(_out("opportunity") | None, ...),
)


class LeadConversionInReview(BaseModel):
    """A conversion an approval process reviews first: its request
    (`GET /approvals/{approval}/`) and the lead's status."""

    approval: int
    status: str


def _answer(key: str, record, user) -> dict | None:
    """A record as its type's API answers it, its masked numbers masked for `user`."""
    return None if record is None else answer(registry.get(key), user, record.pk)


@router.post(
    "/leads/{int:pk}/convert/",
    response={
        200: LeadConversionOut,
        202: LeadConversionInReview,
        **errors(400, 401, 403, 404, 409, 422),
    },
    operation_id="convert_lead",
    url_name="convert_lead",
    summary="Convert a lead into a customer, a contact and an opportunity",
    description=(
        "One transaction: a lead converted already, in review, or set aside, answers 409 "
        "(`wrong_state`); a customer or contact the user may not see, a contact of another "
        "customer, an amount that cannot be read, or no sales process for the opportunity "
        "answer 422 naming the field. Nothing is written then. When an approval process "
        "reviews the conversion, nothing is made yet: 202 names the approval request and "
        "the lead is in review until it is decided."
    ),
)
def convert_lead(request, pk: int, payload: LeadConvertIn):
    lead = get_object_or_404(Lead.objects.visible_to(request.user), pk=pk)
    header = request.headers.get("If-Match", "").strip('W/"')
    version = payload.version
    if version is None and header.isdigit():
        version = int(header)
    done = conversion.convert(
        lead,
        actor=request.user,
        expected_version=version,
        customer=conversion.chosen_record("customer", payload.customer),
        customer_name=payload.customer_name,
        contact=conversion.chosen_record("contact", payload.contact),
        new_contact=payload.new_contact,
        create_opportunity=payload.create_opportunity,
        opportunity_name=payload.opportunity_name,
        amount=payload.amount,
        process=conversion.chosen_process(payload.process),
        close_date=payload.close_date,
    )
    if isinstance(done, conversion.InReview):
        return Status(202, {"approval": done.approval.pk, "status": LeadStatus.REVIEWING})
    return {
        "customer": _answer("customer", done.customer, request.user),
        "contact": _answer("contact", done.contact, request.user),
        "opportunity": _answer("opportunity", done.opportunity, request.user),
    }
