"""New customers take their number from the type's rule after validation; a number typed
by hand is passed over by the rule."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from crm.core import services
from crm.core.errors import ValidationFailed
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import DatePart, NumberingRule, NumberSequence, ResetPeriod
from crm.customization.services import save_numbering_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(admin):
    return save_numbering_rule(
        NumberingRule(
            content_type=ContentType.objects.get_for_model(Customer),
            prefix="KH",
            date_part=DatePart.NONE,
            width=5,
            reset=ResetPeriod.NEVER,
        ),
        actor=admin,
    )


def test_new_customers_are_numbered_in_turn(alice, rule):
    first, second = make_customer(alice, name="甲公司"), make_customer(alice, name="乙公司")
    assert (first.number, second.number) == ("KH00001", "KH00002")


def test_an_invalid_customer_takes_no_number(alice, rule):
    with pytest.raises(ValidationFailed):
        make_customer(alice, name="")
    assert not NumberSequence.objects.filter(rule=rule, last_value__gt=0).exists()
    assert make_customer(alice, name="甲公司").number == "KH00001"


def test_a_number_typed_by_hand_is_passed_over_by_the_rule(alice, rule):
    make_customer(alice, name="手工编号公司", number="KH00001")
    services.delete(make_customer(alice, name="回收站公司", number="KH00002"), actor=alice)

    assert make_customer(alice, name="自动编号公司").number == "KH00003"


def test_a_number_typed_by_hand_must_be_free(alice, rule):
    make_customer(alice, name="甲公司")
    before = Customer.objects.count()

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        make_customer(alice, name="乙公司", number="KH00001")

    assert refused.value.fields == {
        "__all__": [
            "This number is already used by another customer (perhaps one in the recycle bin)."
        ]
    }
    assert Customer.objects.count() == before
