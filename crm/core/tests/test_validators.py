"""Phone numbers: the fast path for usual Chinese shapes agrees with phonenumbers."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.core.validators import _USUAL_CN, validate_phone


@settings(max_examples=300, deadline=None)
@given(st.from_regex(_USUAL_CN, fullmatch=True))
def test_every_usual_shape_is_a_possible_number(value):
    number = phonenumbers.parse(value, "CN")
    assert phonenumbers.is_possible_number(number)
    validate_phone(value)


@pytest.mark.parametrize("value", ["13800138000", "0755-86072000", "+44 20 7946 0958"])
def test_valid_numbers_pass(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12", "0755-8607200012345678", "电话", "123456789012345678"])
def test_impossible_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)
