"""The email outbox against a real SMTP server on 127.0.0.1 that refuses, then recovers:
nothing lost, nothing sent twice, attempts and the growing delay recorded."""

import datetime
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from crm.core.errors import AccessDenied
from crm.messaging import outbox, services
from crm.messaging.models import EmailMessage, EmailStatus
from crm.messaging.services import Attachment


class MailServer:
    """Answers "451 try later" while `refusing`, else keeps each message."""

    def __init__(self):
        self.refusing = True
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 try later"
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_server(settings):
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    yield handler
    controller.stop()


SECOND = datetime.timedelta(seconds=1)


@pytest.mark.django_db
def test_a_refusing_server_loses_nothing_and_gets_nothing_twice(mail_server):
    first = services.queue_email(["a@example.com"], "Quote Q-1", "Please find the quote.")
    second = services.queue_email(
        ["b@example.com"],
        "报价单 Q-2",
        "请查收。",
        attachments=[Attachment("Q-2.pdf", b"%PDF-1.4 fake", "application/pdf")],
    )
    start = timezone.now()

    assert outbox.send_due_emails(now=start) == 0
    rows = EmailMessage.objects.order_by("pk")
    assert [(e.status, e.attempts) for e in rows] == [("queued", 1), ("queued", 1)]
    assert all(e.next_attempt_at == start + 30 * SECOND for e in rows)
    assert all("451" in e.last_error for e in rows)

    # Not yet due: nothing is tried.
    assert outbox.send_due_emails(now=start + 10 * SECOND) == 0
    assert [e.attempts for e in rows.all()] == [1, 1]

    # Refused again: the delay doubles.
    assert outbox.send_due_emails(now=start + 30 * SECOND) == 0
    assert all(e.next_attempt_at == start + 90 * SECOND for e in rows.all())

    mail_server.refusing = False
    assert outbox.send_due_emails(now=start + 90 * SECOND) == 2
    assert outbox.send_due_emails(now=start + datetime.timedelta(days=1)) == 0

    assert [(e.status, e.attempts, e.last_error) for e in rows.all()] == [
        ("sent", 3, ""),
        ("sent", 3, ""),
    ]
    got = {m["Message-ID"]: m for m in mail_server.received}
    assert sorted(got) == sorted([first.message_id, second.message_id])
    pdf = got[second.message_id].get_payload()[1]
    assert (pdf.get_filename(), pdf.get_payload(decode=True)) == ("Q-2.pdf", b"%PDF-1.4 fake")
    assert len(mail_server.received) == 2


@pytest.mark.django_db
def test_an_email_held_by_one_consumer_is_not_sent_by_another(mail_server):
    mail_server.refusing = False
    email = services.queue_email(["a@example.com"], "Hello", "Hi")
    now = timezone.now()
    # A consumer claimed it and died before sending: its lease holds the row.
    EmailMessage.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING, next_attempt_at=now + outbox.events.LEASE, attempts=1
    )

    assert outbox.send_email(email.pk, now=now) is False
    assert mail_server.received == []

    assert outbox.send_email(email.pk, now=now + outbox.events.LEASE) is True
    email.refresh_from_db()
    assert (email.status, email.attempts, len(mail_server.received)) == ("sent", 2, 1)


@pytest.mark.django_db
def test_an_email_fails_after_its_last_attempt_and_can_be_retried(mail_server, admin, alice):
    email = services.queue_email(["a@example.com"], "Hello", "Hi")
    now = timezone.now()
    for _attempt in range(outbox.MAX_ATTEMPTS):
        outbox.send_email(email.pk, now=now)
        now = EmailMessage.objects.get(pk=email.pk).next_attempt_at
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert outbox.send_due_emails(now=now + datetime.timedelta(days=30)) == 0

    with pytest.raises(AccessDenied):
        services.retry_email(email, actor=alice)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", outbox.MAX_ATTEMPTS)

    mail_server.refusing = False
    services.retry_email(email, actor=admin)
    assert outbox.send_due_emails() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert len(mail_server.received) == 1


def test_the_delay_doubles_up_to_its_cap():
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
