"""Bulk inserts give the objects their keys and store every value as a save would."""

import datetime
import decimal

import pytest

from crm.core import bulk
from crm.core.models import ObjectChange
from crm.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def test_inserted_rows_have_keys_timestamps_and_values(alice):
    customers = [
        Customer(
            name=f"批量客户{i}", owner=alice, custom_field_data={"rank": i, "note": "引号\"'\\"}
        )
        for i in range(3)
    ]
    bulk.insert(Customer, customers)
    assert all(c.pk for c in customers)
    assert len({c.pk for c in customers}) == 3
    stored = Customer.objects.get(pk=customers[2].pk)
    assert stored.name == "批量客户2"
    assert stored.custom_field_data == {"rank": 2, "note": "引号\"'\\"}
    assert stored.created_at is not None and stored.updated_at is not None
    contact = Contact(
        customer=stored, name="王芳", owner=alice, birthday=datetime.date(1990, 2, 28)
    )
    bulk.insert(Contact, [contact])
    assert Contact.objects.get(pk=contact.pk).birthday == datetime.date(1990, 2, 28)
    change = ObjectChange(
        action="create",
        content_type_id=1,
        object_id=stored.pk,
        object_repr="x",
        changes={"amount": [None, str(decimal.Decimal("1.50"))]},
    )
    bulk.insert(ObjectChange, [change])
    assert ObjectChange.objects.get(pk=change.pk).changes == {"amount": [None, "1.50"]}
    # The sequence moved on: an ordinary save takes the next free key.
    later = Customer.objects.create(name="之后", owner=alice)
    assert later.pk > max(c.pk for c in customers)
