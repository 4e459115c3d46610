"""Sending a quote by email: one outbox email with the PDF attached (delivered to a real
SMTP server on 127.0.0.1), an approved quote marked Sent; a draft, a quote waiting for
approval, bad addresses and a user who may not change the quote are refused with nothing
queued and nothing changed, on the service, the page and the API alike."""

import io
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from pypdf import PdfReader

from crm.core import services as core
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import ObjectChange
from crm.messaging import outbox
from crm.messaging.models import EmailMessage
from crm.messaging.tests.test_outbox import mail_server  # noqa: F401  (fixture)
from crm.orders import sending
from crm.orders.models import Quote, QuoteStatus
from crm.orders.tests.test_quote_pdf import make_quote, servo, text_of
from crm.org.models import Role, RolePermission
from crm.products.models import Product
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind

TO = ["wangfang@example.com"]


def approved(owner, code="S1") -> Quote:
    """A quote for 华星电子, submitted and (with no approval process) approved at once."""
    quote = make_quote(owner, [servo(owner, code=code)])
    core.transition(quote, "submit", actor=owner)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED
    return quote


def state(quote: Quote) -> tuple:
    """What a refused send must leave as it was: the outbox, the quote's status and
    version, and its change log."""
    quote.refresh_from_db()
    logged = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Quote), object_id=quote.pk
    ).count()
    return (EmailMessage.objects.count(), quote.status, quote.version, logged)


@pytest.mark.django_db
def test_sending_queues_the_pdf_and_marks_the_quote_sent(alice):
    quote = approved(alice)
    logged = state(quote)[3]

    email = sending.send_quote(quote, actor=alice, to=TO, subject="", body="")

    assert EmailMessage.objects.count() == 1
    assert email.to == TO and email.ref == f"quote:{quote.pk}" and email.created_by == alice
    assert email.subject == f"Quotation {quote.number} v1 — 伺服系统报价"
    assert "Please find attached our quotation" in email.body
    (attachment,) = email.attachments.all()
    assert (attachment.name, attachment.mime_type) == (f"{quote.number}-v1.pdf", "application/pdf")
    assert "壹万壹仟叁佰元整" in text_of(bytes(attachment.content))
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert state(quote)[3] == logged + 1  # the "send" transition's row


@pytest.mark.django_db
def test_a_sent_quote_is_sent_again_and_stays_sent(alice):
    quote = approved(alice)
    sending.send_quote(quote, actor=alice, to=TO, subject="报价", body="请查收。")
    version = Quote.objects.get(pk=quote.pk).version

    again = sending.send_quote(quote, actor=alice, to=["li@example.com"], subject="", body="")

    assert EmailMessage.objects.count() == 2 and again.to == ["li@example.com"]
    quote.refresh_from_db()
    assert (quote.status, quote.version) == (QuoteStatus.SENT, version)


@pytest.mark.django_db
def test_a_draft_is_not_sent_and_nothing_is_queued(alice):
    quote = make_quote(alice, [servo(alice)])
    before = state(quote)

    with pytest.raises(DomainError) as refused:
        sending.send_quote(quote, actor=alice, to=TO)

    assert (refused.value.code, refused.value.status) == ("wrong_state", 409)
    assert state(quote) == before
    assert before[1] == QuoteStatus.DRAFT


@pytest.mark.django_db
def test_a_quote_waiting_for_approval_is_not_sent(alice, admin):
    below_the_floor = ApprovalProcess.objects.create(
        name="价格审批",
        type_key="quote",
        approvable="price",
        conditions=[{"field": "price_exception", "op": "eq", "value": True}],
    )
    step = ApprovalStep.objects.create(
        process=below_the_floor, position=0, approver_kind=ApproverKind.USERS
    )
    step.users.set([admin])
    product = core.save(
        Product(
            owner=alice, code="D1", name="伺服驱动器", standard_price=D(1000), floor_price=D(900)
        ),
        actor=alice,
    )
    quote = make_quote(alice, [product], line={"unit_price": D(800)})
    core.transition(quote, "submit", actor=alice)
    before = state(quote)
    assert before[1] == QuoteStatus.PENDING

    with pytest.raises(DomainError) as refused:
        sending.send_quote(quote, actor=alice, to=TO)

    assert refused.value.code == "wrong_state"
    assert state(quote) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "to",
    [[], ["  "], ["not an address"], ["a@example.com", "b@"], [f"u{n}@x.cn" for n in range(21)]],
)
def test_bad_addresses_are_refused_and_nothing_is_queued(alice, to):
    quote = approved(alice)
    before = state(quote)

    with pytest.raises(ValidationFailed) as refused:
        sending.send_quote(quote, actor=alice, to=to)

    assert list(refused.value.fields) == ["to"]
    assert state(quote) == before


@pytest.mark.django_db
def test_who_may_only_read_the_quote_may_not_send_it(alice, make_user):
    reader_role = Role.objects.create(code="test_reader", name_zh="只读", name_en="Read only")
    RolePermission.objects.create(
        role=reader_role, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    reader = make_user("reader", roles=[reader_role])
    quote = approved(alice)
    before = state(quote)

    with pytest.raises(AccessDenied):
        sending.send_quote(quote, actor=reader, to=TO)

    assert state(quote) == before


@pytest.mark.django_db
def test_the_queued_email_reaches_the_mail_server_with_the_pdf(alice, mail_server):  # noqa: F811
    mail_server.refusing = False
    quote = approved(alice)
    sending.send_quote(quote, actor=alice, to=TO, subject="", body="")

    assert outbox.send_due_emails() == 1

    (message,) = mail_server.received
    assert message["To"] == TO[0]
    (part,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert part.get_filename() == f"{quote.number}-v1.pdf"
    text = text_of(part.get_payload(decode=True))
    assert "华星电子" in text and "¥11,300.00" in text
    assert len(PdfReader(io.BytesIO(part.get_payload(decode=True))).pages) == 1


# The page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_offers_the_email_to_the_contact_and_sends_it(alice, client_for):
    quote = approved(alice)
    client = client_for(alice)
    url = reverse("orders:quote_email", args=[quote.pk])
    detail = reverse("orders:quote_detail", args=[quote.pk])
    assert url in client.get(detail).content.decode()

    offered = client.get(url)

    assert offered.status_code == 200
    form = offered.context["form"]
    assert form["to"].value() == "wangfang@example.com"
    assert form["subject"].value() == f"Quotation {quote.number} v1 — 伺服系统报价"

    sent = client.post(
        url, {"to": "wangfang@example.com, li@example.com", "subject": "报价单", "body": "请查收"}
    )

    assert sent.status_code == 302 and sent["Location"] == detail
    (email,) = EmailMessage.objects.all()
    assert email.to == ["wangfang@example.com", "li@example.com"]
    assert (email.subject, email.body) == ("报价单", "请查收")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


@pytest.mark.django_db
def test_the_page_shows_a_bad_address_and_sends_nothing(alice, client_for):
    quote = approved(alice)
    before = state(quote)

    answer = client_for(alice).post(
        reverse("orders:quote_email", args=[quote.pk]),
        {"to": "wangfang@", "subject": "报价单", "body": "请查收"},
    )

    assert answer.status_code == 200
    assert answer.context["form"].errors["to"] == ["Not an email address: wangfang@"]
    assert state(quote) == before


@pytest.mark.django_db
def test_a_draft_has_no_email_button_and_its_page_sends_nothing(alice, client_for):
    quote = make_quote(alice, [servo(alice)])
    client = client_for(alice)
    url = reverse("orders:quote_email", args=[quote.pk])
    before = state(quote)

    assert url not in client.get(reverse("orders:quote_detail", args=[quote.pk])).content.decode()
    posted = client.post(url, {"to": TO[0], "subject": "报价单", "body": "请查收"})

    assert posted.status_code == 302
    assert state(quote) == before


@pytest.mark.django_db
def test_another_users_quote_is_not_found_on_the_page(alice, bob, client_for):
    quote = approved(alice)
    before = state(quote)

    answer = client_for(bob).post(
        reverse("orders:quote_email", args=[quote.pk]),
        {"to": TO[0], "subject": "报价单", "body": "请查收"},
    )

    assert answer.status_code == 404
    assert state(quote) == before


# The API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_sends_an_approved_quote(alice, api_for):
    quote = approved(alice)

    answer = api_for(alice).post(f"/api/v1/quotes/{quote.pk}/send/", {"to": TO})

    assert answer.status_code == 200
    (email,) = EmailMessage.objects.all()
    quote.refresh_from_db()
    assert answer.json() == {"status": "sent", "version": quote.version, "email": email.pk}
    assert email.subject == f"Quotation {quote.number} v1 — 伺服系统报价"


@pytest.mark.django_db
def test_the_api_refuses_a_draft_bad_addresses_and_others_quotes(alice, bob, api_for):
    draft = make_quote(alice, [servo(alice, code="S0")])
    quote = approved(alice)
    before = (state(draft), state(quote))

    wrong_state = api_for(alice).post(f"/api/v1/quotes/{draft.pk}/send/", {"to": TO})
    bad = api_for(alice).post(f"/api/v1/quotes/{quote.pk}/send/", {"to": ["wangfang@"]})
    unseen = api_for(bob).post(f"/api/v1/quotes/{quote.pk}/send/", {"to": TO})

    assert (wrong_state.status_code, wrong_state.json()["code"]) == (409, "wrong_state")
    assert (bad.status_code, list(bad.json()["fields"])) == (422, ["to"])
    assert (unseen.status_code, unseen.json()["code"]) == (404, "not_found")
    assert (state(draft), state(quote)) == before
