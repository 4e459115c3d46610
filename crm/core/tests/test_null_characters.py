"""A NUL character (which PostgreSQL cannot store) is refused on every path, naming the
field, and nothing is written."""

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.models import ObjectChange
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField

NUL = "金蝶\x00软件"


@pytest.fixture
def remark_field(db):
    return CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="remark",
        label_zh="备注二",
        label_en="Remark",
        field_type="text",
    )


def test_the_api_refuses_a_nul_in_any_text_with_422_naming_the_field(alice, api_for, remark_field):
    api = api_for(alice)
    changes = ObjectChange.objects.count()
    for payload, field in [
        ({"name": NUL}, "name"),
        ({"name": "甲", "address": NUL}, "address"),
        ({"name": "甲", "custom_fields": {"remark": NUL}}, "custom_fields.remark"),
    ]:
        response = api.post("/api/v1/customers/", payload)
        assert response.status_code == 422, response.content
        assert field in response.json()["fields"]
    assert Customer.all_objects.count() == 0
    customer = make_customer(alice)
    refused = api.patch(f"/api/v1/customers/{customer.pk}/", {"notes": NUL, "version": 1})
    assert refused.status_code == 422
    assert "notes" in refused.json()["fields"]
    contact = api.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王\x00芳"})
    assert contact.status_code == 422
    assert Contact.all_objects.count() == 0
    customer.refresh_from_db()
    assert customer.version == 1
    assert ObjectChange.objects.count() == changes + 1


def test_a_nul_in_search_and_filters_is_no_server_error(alice, api_for, client_for):
    make_customer(alice)
    api = api_for(alice)
    assert api.get("/api/v1/customers/", {"q": NUL}).status_code in (200, 422)
    assert api.get("/api/v1/customers/", {"province": NUL}).status_code == 422
    client = client_for(alice)
    assert client.get("/customers/", {"q": NUL}).status_code == 200
    assert client.get("/search/", {"q": NUL}).status_code == 200


def test_the_form_refuses_a_nul(alice, client_for):
    response = client_for(alice).post(
        "/customers/new/", {"name": NUL, "customer_type": "end", "status": "potential"}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Customer.all_objects.count() == 0


def test_an_import_file_with_a_nul_is_refused_whole(alice, settings, tmp_path):
    from crm.core.errors import ValidationFailed
    from crm.core.tests.test_imports import csv_file, run

    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(ValidationFailed):
        run(alice, csv_file([["客户名称", "地址"], ["甲公司", "深圳\x00南山"], ["乙公司", "上海"]]))
    assert Customer.all_objects.count() == 0
