"""The edit form with masked numbers: a new number typed over the masked one replaces it,
holders of "unmask" see and edit the number in full, and that showing is logged."""

import pytest

from crm.core.models import Disclosure
from crm.core.tests.test_masking import PHONE, unmasker  # noqa: F401 (fixture)
from crm.customers.tests.test_battery import make_customer


def form_data(client, url):
    form = client.get(url).context["form"]
    return {n: form[n].value() for n in form.fields if form[n].value() not in (None, False)}


@pytest.mark.django_db
def test_a_number_typed_over_the_masked_one_replaces_it_without_showing_it(alice, client_for):
    customer = make_customer(alice, phone=PHONE)
    client = client_for(alice)
    url = f"/customers/{customer.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'data-masked="138****5678"' in page
    assert PHONE not in page
    data = form_data(client, url)
    data["phone"] = "13900001111"
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "13900001111"
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_holders_of_unmask_edit_the_number_in_full_and_the_showing_is_logged(
    unmasker,  # noqa: F811
    client_for,
):
    customer = make_customer(unmasker, phone=PHONE)
    client = client_for(unmasker)
    url = f"/customers/{customer.pk}/edit/"
    page = client.get(url).content.decode()
    assert f'value="{PHONE}"' in page
    assert "data-masked" not in page
    (logged,) = Disclosure.objects.all()
    assert (logged.user, logged.field, logged.object_id) == (unmasker, "phone", customer.pk)
    data = form_data(client, url)
    data["name"] = "改名"
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("改名", PHONE)
    data = form_data(client, url)
    data["phone"] = "13900001111"
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "13900001111"
