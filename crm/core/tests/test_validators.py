"""Phone numbers: numbers written as people write Chinese numbers, generated from the
numbering plan (not from the validator's pattern), are checked against phonenumbers."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm.core.validators import validate_phone

digits = st.text("0123456789", min_size=1, max_size=1)


def run(n: int):
    return st.text("0123456789", min_size=n, max_size=n)


# Mobiles: 11 digits, 1 then 3-9 then the rest of the operator prefix.
mobile = st.builds(
    lambda a, b, rest: ["1" + a + b, rest[:4], rest[4:]], st.sampled_from("3456789"), digits, run(8)
)
# Landlines: trunk 0, an area code (10, 2x, or three digits from 3xx to 9xx), then a
# subscriber number of 7 or 8 digits not starting with 0 or 1; lengths 5, 6 and 9 are wrong.
area = st.one_of(
    st.just("10"),
    st.builds("2{}".format, digits),
    st.builds(lambda a, b: a + b, st.sampled_from("3456789"), run(2)),
)
subscriber = st.builds(
    lambda first, rest: first + rest, st.sampled_from("23456789"), st.integers(4, 8).flatmap(run)
)
landline = st.builds(lambda a, s: [a, s], area, subscriber)


@st.composite
def written(draw) -> str:
    """A number as a person types it: groups joined by nothing, spaces or dashes; an area
    code in parentheses; +86 or 0086 in front (then without the trunk 0)."""
    is_mobile = draw(st.booleans())
    groups = draw(mobile if is_mobile else landline)
    international = draw(st.sampled_from(["", "+86", "0086"]))
    if not is_mobile:
        code = groups[0] if international else "0" + groups[0]
        groups = [draw(st.sampled_from([code, f"({code})"])), groups[1]]
        if draw(st.booleans()) and len(groups[1]) == 8:
            groups[1:] = [groups[1][:4], groups[1][4:]]
    separator = draw(st.sampled_from(["", " ", "-"]))
    text = separator.join(groups)
    return (
        f"{international}{draw(st.sampled_from(['', ' ', '-']))}{text}" if international else text
    )


def accepted(value: str) -> bool:
    try:
        validate_phone(value)
    except ValidationError:
        return False
    return True


def parsed(value: str):
    return phonenumbers.parse(value, "CN")


@settings(max_examples=500, deadline=None)
@given(written())
@example("13800138000")
@example("+86 755 8607 2000")
@example("(0755) 8607-2000")
def test_every_valid_chinese_number_is_accepted(value):
    if phonenumbers.is_valid_number(parsed(value)):
        assert accepted(value), value


@settings(max_examples=500, deadline=None)
@given(written())
@example("010-123456")
@example("0755-123456789")
def test_a_number_is_accepted_exactly_when_its_length_is_possible(value):
    assert accepted(value) == phonenumbers.is_possible_number(parsed(value)), value


@pytest.mark.parametrize("value", ["12", "0755-8607200012345678", "电话", "123456789012345678"])
def test_impossible_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_numbers_of_other_countries_are_taken_with_their_code():
    validate_phone("+44 20 7946 0958")
