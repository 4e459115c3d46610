"""An attachment over CRM_ATTACHMENT_MAX_BYTES is refused with the limit named, nothing kept;
one at the limit is taken."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.core.models import Attachment, ObjectChange
from crm.customers.tests.test_battery import make_customer

pytestmark = pytest.mark.django_db

MB = 2**20


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CRM_ATTACHMENT_MAX_BYTES = 1 * MB
    return tmp_path / "media"


def attach(client, customer, size: int):
    upload = SimpleUploadedFile("合同.pdf", b"%" * size, content_type="application/pdf")
    response = client.post(f"/customers/{customer.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    return [str(m) for m in get_messages(response.wsgi_request)]


def stored(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(alice, client_for, media):
    customer = make_customer(alice)
    changes = ObjectChange.objects.count()
    assert attach(client_for(alice), customer, MB + 1) == ["The file is larger than 1 MB."]
    assert not Attachment.objects.exists()
    assert stored(media) == []
    assert ObjectChange.objects.count() == changes
    customer.refresh_from_db()
    assert customer.version == 1


def test_a_file_at_the_limit_is_attached(alice, client_for, media):
    customer = make_customer(alice)
    assert attach(client_for(alice), customer, MB) == ["File attached."]
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size) == ("合同.pdf", MB)
    assert [p.stat().st_size for p in stored(media)] == [MB]
