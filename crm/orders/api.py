"""The quotes' and contracts' own API actions: `GET /quotes/{id}/pdf/`, `POST
/quotes/{id}/send/`, `/revise/` and `/accept/`, `POST /contracts/{id}/amend/` (the rest,
payments, deliveries and amendments included, is the generic router)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Status
from pydantic import BaseModel, Field

from crm.core import registry
from crm.core.api import answer, errors
from crm.orders import amendments, pdf, sending, services
from crm.orders.models import Contract, Quote

router = Router(tags=["quotes"])

PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The quote's PDF (报价单), shown inline.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class QuoteSendIn(BaseModel):
    """The email that carries the quote's PDF: blank subject and body are the proposed
    ones (in the user's language)."""

    to: list[str] = Field(min_length=1, max_length=sending.MAX_RECIPIENTS)
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=5000)


class QuoteSentOut(BaseModel):
    """The quote's status and version after sending, and the queued email's id."""

    status: str
    version: int
    email: int


@router.get(
    "/quotes/{int:pk}/pdf/",
    response=errors(401, 403, 404),
    openapi_extra=PDF_ANSWER,
    operation_id="quote_pdf",
    url_name="quote_pdf",
    summary="The quote as a PDF",
    description="The printed quote in the user's language. A quote the user may not see "
    "answers 404.",
)
def quote_pdf(request, pk: int):
    quote = get_object_or_404(Quote.objects.visible_to(request.user), pk=pk)
    return pdf.inline_response(quote, request.user)


@router.post(
    "/quotes/{int:pk}/send/",
    response={200: QuoteSentOut, **errors(400, 401, 403, 404, 409, 422)},
    operation_id="send_quote",
    url_name="send_quote",
    summary="Email the quote with its PDF attached",
    description=(
        "Queues an email to `to` in the outbox with the quote's PDF; an approved quote "
        "becomes sent. A draft or a quote waiting for approval answers 409 "
        "(`wrong_state`), an address that is not one 422 naming `to`; nothing is queued "
        "then. A quote the user may see but not change answers 403."
    ),
)
def send_quote(request, pk: int, payload: QuoteSendIn):
    quote = get_object_or_404(Quote.objects.visible_to(request.user), pk=pk)
    email = sending.send_quote(
        quote, actor=request.user, to=payload.to, subject=payload.subject, body=payload.body
    )
    quote.refresh_from_db(fields=["status", "version"])
    return {"status": quote.status, "version": quote.version, "email": email.pk}


def _out(key: str):
    return registry.get(key).schema_out


@router.post(
    "/quotes/{int:pk}/revise/",
    response={201: _out("quote"), **errors(401, 403, 404, 409)},
    operation_id="revise_quote",
    url_name="revise_quote",
    summary="Revise a quote into a new version",
    description=(
        "A new draft version (version + 1, the same number) with the quote's lines; the "
        "quote becomes revised. A draft, a quote waiting for approval, accepted or revised "
        "already answers 409 (`wrong_state`); nothing is written then."
    ),
)
def revise_quote(request, pk: int):
    quote = get_object_or_404(Quote.objects.visible_to(request.user), pk=pk)
    new = services.revise_quote(quote, actor=request.user)
    return Status(201, answer(registry.get("quote"), request.user, new.pk))


@router.post(
    "/quotes/{int:pk}/accept/",
    response={201: _out("contract"), **errors(401, 403, 404, 409)},
    operation_id="accept_quote",
    url_name="accept_quote",
    summary="Record the customer's acceptance: answers the contract drafted from it",
    description=(
        "The quote becomes accepted and a draft contract is made from it (its lines, terms "
        "and customer). A quote neither approved nor sent, or accepted already, answers 409 "
        "(`wrong_state`); nothing is written then."
    ),
)
def accept_quote(request, pk: int):
    quote = get_object_or_404(Quote.objects.visible_to(request.user), pk=pk)
    contract = services.accept_quote(quote, actor=request.user)
    return Status(201, answer(registry.get("contract"), request.user, contract.pk))


@router.post(
    "/contracts/{int:pk}/amend/",
    response={201: _out("amendment"), **errors(401, 403, 404, 409)},
    operation_id="amend_contract",
    url_name="amend_contract",
    summary="Draft an amendment of a signed contract",
    description=(
        "A draft amendment (合同变更) holding the contract's lines, end date and terms, to be "
        "changed and then submitted: once approved it is applied to the contract. A contract "
        "neither signed nor executing, or with an amendment not yet applied, answers 409 "
        "(`wrong_state`); nothing is written then."
    ),
)
def amend_contract(request, pk: int):
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    amendment = amendments.amend_contract(contract, actor=request.user)
    return Status(201, answer(registry.get("amendment"), request.user, amendment.pk))
