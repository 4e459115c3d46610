"""A dictionary item deactivated since a record took it (a retired customer level): the
record keeps it and is still edited and saved, on the form and through the write path;
nobody chooses it anew."""

import pytest

from crm.core.tests.test_masked_form import form_data
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import DictionaryItem


@pytest.mark.django_db
def test_the_edit_form_keeps_a_retired_item_and_saves_the_record(alice, client_for):
    retired, active = DictionaryItem.objects.filter(dictionary__code="customer_level")[:2]
    customer = make_customer(alice, level=retired)
    DictionaryItem.objects.filter(pk=retired.pk).update(is_active=False)
    client = client_for(alice)
    url = f"/customers/{customer.pk}/edit/"
    data = form_data(client, url)
    assert data["level"] == retired.pk
    data["phone"] = "010-12345678"
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.level_id) == ("010-12345678", retired.pk)

    other = make_customer(alice, name="另一家")
    data = form_data(client, f"/customers/{other.pk}/edit/")
    data["level"] = retired.pk
    refused = client.post(f"/customers/{other.pk}/edit/", data)
    assert refused.status_code == 200  # the form again, with the error
    assert "level" in refused.context["form"].errors
    assert Customer.objects.get(pk=other.pk).level_id is None
    choices = [value for value, _label in refused.context["form"].fields["level"].choices]
    assert retired.pk not in [getattr(v, "value", v) for v in choices]
    assert active.pk in [getattr(v, "value", v) for v in choices]
