"""The quotes' own API actions: `GET /quotes/{id}/pdf/` and `POST /quotes/{id}/send/`
(the rest is the generic router)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router
from pydantic import BaseModel, Field

from crm.core.api import errors
from crm.orders import pdf, sending
from crm.orders.models import Quote

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
