"""Sending a quote to the customer: an email with its PDF attached, queued in the outbox
(crm.messaging), after which an approved quote becomes Sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from crm.core import services as core
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.messaging import services as messaging
from crm.messaging.models import EmailMessage
from crm.orders import pdf
from crm.orders.models import Quote, QuoteStatus

SENDABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT)
MAX_RECIPIENTS = 20


def may_send(quote: Quote, user) -> bool:
    """Whether the quote is one to send: approved, or sent already (sent again)."""
    return quote.status in SENDABLE


def proposed(quote: Quote, user) -> dict:
    """The email as first offered to `user`, in their language: to the quote's contact,
    "报价单 <number> v<version> — <title>" and a short message."""
    names = {"number": quote.number or quote.pk, "revision": quote.revision, "name": quote.name}
    with translation.override(getattr(user, "language", None) or None):
        return {
            "to": [quote.contact.email] if quote.contact_id and quote.contact.email else [],
            "subject": _("Quotation %(number)s v%(revision)s — %(name)s") % names,
            "body": _(
                "Hello,\n\nPlease find attached our quotation %(number)s (version "
                "%(revision)s).\n\nBest regards,\n%(sender)s"
            )
            % {**names, "sender": user},
        }


@transaction.atomic
def send_quote(
    quote: Quote, *, actor, to: Sequence[str], subject: str = "", body: str = ""
) -> EmailMessage:
    """Queue an email to `to` with the quote's PDF attached (blank subject and body: the
    proposed ones), related to the quote by its `ref`; an approved quote then becomes
    Sent through its "send" transition, logged in its change log.

    Raises AccessDenied (403) when `actor` may not change the quote, DomainError
    "wrong_state" (409) unless it is approved or sent, and ValidationFailed (422) naming
    `to` for no address, too many or one that is not an email address. A refused send
    queues nothing and changes nothing."""
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    if not Quote.objects.editable_by(actor).filter(pk=current.pk).exists():
        raise AccessDenied(_("You may not send this quote."))
    if not may_send(current, actor):
        raise DomainError(
            "wrong_state", _("Only an approved or sent quote can be sent to the customer.")
        )
    offered = proposed(current, actor)
    email = messaging.queue_email(
        checked_addresses(to),
        subject.strip() or offered["subject"],
        body.strip() or offered["body"],
        attachments=[
            messaging.Attachment(
                pdf.filename(current), pdf.quote_pdf(current, actor), "application/pdf"
            )
        ],
        ref=f"quote:{current.pk}",
        actor=actor,
    )
    if current.status == QuoteStatus.APPROVED:
        core.transition(current, "send", actor=actor)
    return email


def checked_addresses(to: Sequence[str]) -> list[str]:
    """The addresses given, blanks and repeats left out; ValidationFailed naming `to` when
    none is left, there are more than MAX_RECIPIENTS, or one is not an email address."""
    addresses = list(dict.fromkeys(a.strip() for a in to if a and a.strip()))
    if not addresses:
        raise ValidationFailed({"to": [_("Enter at least one email address.")]})
    if len(addresses) > MAX_RECIPIENTS:
        message = _("Send to at most %(count)d addresses.") % {"count": MAX_RECIPIENTS}
        raise ValidationFailed({"to": [message]})
    wrong = [a for a in addresses if not _is_email(a)]
    if wrong:
        message = _("Not an email address: %(addresses)s") % {"addresses": ", ".join(wrong)}
        raise ValidationFailed({"to": [message]})
    return addresses


def _is_email(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True
