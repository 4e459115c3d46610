"""Delivery of the email outbox: a consumer claims a due email with a lease, sends it
through Django's email backend (SMTP from the CRM_EMAIL_* settings) and marks it sent; a
refusal puts it off with the event outbox's doubling delay, and after MAX_ATTEMPTS it is
marked failed. Emails are queued by `crm.messaging.services.queue_email`."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import mail
from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from crm.core import events
from crm.messaging.models import EmailMessage, EmailStatus

log = logging.getLogger(__name__)

# An email is tried this often before it is marked failed (the delay doubling from the
# event outbox's first retry up to its cap: about four hours in all).
MAX_ATTEMPTS = 8
DUE_BATCH = 200


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failure: the event outbox's, doubling from its
    first retry up to its cap."""
    return min(events.RETRY_FIRST * 2 ** min(attempts - 1, 20), events.RETRY_CAP)


def _claimable(now: datetime.datetime) -> Q:
    # A row being sent whose lease ran out was left by a consumer that died.
    return Q(status__in=[EmailStatus.QUEUED, EmailStatus.SENDING], next_attempt_at__lte=now)


def _message(email: EmailMessage) -> mail.EmailMultiAlternatives:
    message = mail.EmailMultiAlternatives(
        email.subject,
        email.body,
        settings.DEFAULT_FROM_EMAIL,
        email.to,
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.name, bytes(attachment.content), attachment.mime_type)
    return message


def send_email(email_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Claim one due email with a lease (another consumer then leaves it alone), send it
    and mark it sent; a refusal puts it off with a doubling delay, and after
    MAX_ATTEMPTS marks it failed. Answers whether it was sent now."""
    now = now or timezone.now()
    claimed = EmailMessage.objects.filter(_claimable(now), pk=email_id).update(
        status=EmailStatus.SENDING,
        next_attempt_at=now + events.LEASE,
        attempts=F("attempts") + 1,
    )
    if not claimed:  # sent, failed, not yet due, or held by another consumer
        return False
    email = EmailMessage.objects.get(pk=email_id)
    try:
        _message(email).send()
    except Exception as exc:
        log.warning("Sending email %s failed: %r", email.message_id, exc)
        failed = email.attempts >= MAX_ATTEMPTS
        EmailMessage.objects.filter(pk=email_id).update(
            status=EmailStatus.FAILED if failed else EmailStatus.QUEUED,
            next_attempt_at=now + retry_delay(email.attempts),
            last_error=repr(exc)[:2000],
        )
        return False
    EmailMessage.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def send_due_emails(*, now: datetime.datetime | None = None) -> int:
    """Send the emails whose time has come (new, due for a retry, or left by a consumer
    that died); answers how many were sent. Each opens its own connection, so a mail
    server that is down counts as a failed attempt of each email, not a crash."""
    now = now or timezone.now()
    sent = 0
    # A tried email is sent or put off (claimed, retried later or failed): the loop ends.
    while ids := list(
        EmailMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:DUE_BATCH]
    ):
        sent += sum(send_email(pk, now=now) for pk in ids)
    return sent


@db_task()
def send_email_task(email_id: int | None) -> None:
    """Wake a consumer for one queued email, or (None) for every due one."""
    if email_id is None:
        send_due_emails()
    else:
        send_email(email_id)
