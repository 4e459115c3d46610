"""Personal numbers are masked in every output; showing one in full is explicit and logged."""

import csv
import io

import pytest

from crm.core import services
from crm.core.masking import mask
from crm.core.models import Disclosure
from crm.customers.tests.test_battery import make_customer
from crm.org.models import Role, RolePermission

PHONE = "13812345678"


@pytest.fixture
def unmasker(make_user):
    role = Role.objects.create(
        code="unmasker", name_zh="看号", name_en="Unmasker", specials=["unmask"]
    )
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit", "delete", "export"],
    )
    return make_user("ursula", roles=[role])


def test_mask_keeps_the_ends():
    assert mask(PHONE) == "138****5678"
    assert mask("0755-86072000") == "075****2000"
    assert mask("") == ""


@pytest.mark.django_db
def test_pages_show_the_number_masked(alice, client_for):
    customer = make_customer(alice, phone=PHONE)
    client = client_for(alice)
    listing = client.get("/customers/", {"col": ["name", "phone"]}).content.decode()
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    for page in (listing, detail):
        assert PHONE not in page
        assert "138****5678" in page


@pytest.mark.django_db
def test_exports_and_api_mask_for_users_without_the_permission(
    alice, unmasker, client_for, api_for
):
    for user, expected in ((alice, "138****5678"), (unmasker, PHONE)):
        customer = make_customer(user, name=f"{user.username}公司", phone=PHONE)
        export = client_for(user).get(
            "/customers/export/", {"format": "csv", "col": ["name", "phone"]}
        )
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text)))[1] == [customer.name, expected]
        assert api_for(user).get(f"/api/v1/customers/{customer.pk}/").json()["phone"] == expected
        listed = api_for(user).get("/api/v1/customers/").json()["items"]
        assert [c["phone"] for c in listed] == [expected]


@pytest.mark.django_db
def test_sending_the_masked_number_back_keeps_the_real_one(alice, client_for, api_for):
    customer = make_customer(alice, phone=PHONE)
    api = api_for(alice)
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "138****5678", "city": "深圳", "version": 1}
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    assert (customer.phone, customer.city) == (PHONE, "深圳")
    client = client_for(alice)
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    assert form["phone"].value() == "138****5678"
    data = {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}
    data["city"] = "上海"
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.city) == (PHONE, "上海")
    api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "13900001111", "version": customer.version}
    )
    customer.refresh_from_db()
    assert customer.phone == "13900001111"


@pytest.mark.django_db
def test_showing_a_number_in_full_is_logged_and_needs_the_permission(alice, unmasker, client_for):
    mine = make_customer(unmasker, phone=PHONE)
    theirs = make_customer(alice, name="别人的", phone=PHONE)
    client = client_for(unmasker)
    detail = client.get(f"/customers/{mine.pk}/").content.decode()
    assert "data-unmask" in detail
    shown = client.post(f"/customers/{mine.pk}/unmask/phone/")
    assert PHONE in shown.content.decode()
    (logged,) = Disclosure.objects.all()
    assert (logged.user, logged.field, logged.object_id) == (unmasker, "phone", mine.pk)
    assert client.post(f"/customers/{theirs.pk}/unmask/phone/").status_code == 404
    assert client.post(f"/customers/{mine.pk}/unmask/name/").status_code == 403
    assert client_for(alice).post(f"/customers/{theirs.pk}/unmask/phone/").status_code == 403
    assert "data-unmask" not in client_for(alice).get(f"/customers/{theirs.pk}/").content.decode()
    assert Disclosure.objects.count() == 1


@pytest.mark.django_db
def test_the_timeline_masks_changed_numbers(alice, client_for):
    customer = make_customer(alice, phone=PHONE)
    customer.phone = "13900001111"
    services.save(customer, actor=alice, expected_version=1)
    page = client_for(alice).get(f"/customers/{customer.pk}/").content.decode()
    assert "13900001111" not in page and "139****1111" in page
