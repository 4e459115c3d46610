"""Numbering rules: formats, sequences, resets per period, and the rule checks."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from crm.core.errors import DomainError, ValidationFailed
from crm.customization.models import DatePart, NumberingRule, NumberSequence, ResetPeriod
from crm.customization.numbering import format_number, next_number, peek_number
from crm.customization.services import save_numbering_rule
from crm.org.models import Team

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def _rule(admin, **values) -> NumberingRule:
    values = {
        "prefix": "TM",
        "date_part": DatePart.NONE,
        "width": 5,
        "reset": ResetPeriod.NEVER,
        **values,
    }
    return save_numbering_rule(
        NumberingRule(content_type=ContentType.objects.get_for_model(Team), **values), actor=admin
    )


def _take(when):
    with transaction.atomic():
        return next_number(Team, when=when)


@pytest.mark.parametrize(
    ("date_part", "width", "value", "expected"),
    [
        (DatePart.NONE, 5, 7, "Q00007"),
        (DatePart.YEAR, 4, 12, "Q20260012"),
        (DatePart.MONTH, 3, 1, "Q202603001"),
        (DatePart.DAY, 6, 123456, "Q20260305123456"),
        (DatePart.NONE, 2, 1234, "Q1234"),
    ],
)
def test_format_joins_prefix_date_and_padded_sequence(date_part, width, value, expected):
    rule = NumberingRule(prefix="Q", date_part=date_part, width=width)

    assert format_number(rule, value, at(2026, 3, 5)) == expected


def test_an_empty_prefix_is_allowed():
    rule = NumberingRule(prefix="", date_part=DatePart.MONTH, width=4)

    assert format_number(rule, 3, at(2026, 11, 30)) == "2026110003"


def test_numbers_follow_each_other_without_reset(admin):
    _rule(admin)

    taken = [_take(at(2026, 12, 31)), _take(at(2027, 1, 1)), _take(at(2027, 1, 2))]

    assert taken == ["TM00001", "TM00002", "TM00003"]


def test_a_yearly_sequence_restarts_in_a_new_year(admin):
    _rule(admin, date_part=DatePart.YEAR, width=4, reset=ResetPeriod.YEARLY)

    taken = [_take(at(2026, 12, 31)), _take(at(2026, 12, 31)), _take(at(2027, 1, 1))]

    assert taken == ["TM20260001", "TM20260002", "TM20270001"]


def test_a_monthly_sequence_restarts_in_a_new_month(admin):
    _rule(admin, date_part=DatePart.MONTH, width=3, reset=ResetPeriod.MONTHLY)

    taken = [
        _take(at(2026, 1, 31)),
        _take(at(2026, 2, 1)),
        _take(at(2026, 2, 28)),
        _take(at(2026, 3, 1)),
    ]

    assert taken == ["TM202601001", "TM202602001", "TM202602002", "TM202603001"]


def test_a_daily_sequence_restarts_each_day(admin):
    _rule(admin, date_part=DatePart.DAY, width=3, reset=ResetPeriod.DAILY)

    taken = [_take(at(2026, 3, 5, 8)), _take(at(2026, 3, 5, 23)), _take(at(2026, 3, 6, 0))]

    assert taken == ["TM20260305001", "TM20260305002", "TM20260306001"]


def test_a_month_in_the_number_may_run_on_a_yearly_sequence(admin):
    _rule(admin, date_part=DatePart.MONTH, width=3, reset=ResetPeriod.YEARLY)

    assert [_take(at(2026, 1, 9)), _take(at(2026, 2, 1))] == ["TM202601001", "TM202602002"]


def test_a_type_without_an_active_rule_is_not_numbered(admin):
    rule = _rule(admin)
    rule.is_active = False
    save_numbering_rule(rule, actor=admin)

    assert _take(at(2026, 3, 5)) is None
    assert NumberSequence.objects.count() == 0


def test_a_rolled_back_create_gives_its_number_back(admin):
    _rule(admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(Team, when=at(2026, 3, 5))
        raise RuntimeError("the create failed")

    assert _take(at(2026, 3, 5)) == "TM00001"


def test_the_preview_shows_the_next_number_without_taking_it(admin):
    rule = _rule(admin, date_part=DatePart.YEAR, reset=ResetPeriod.YEARLY)
    _take(at(2026, 6, 1))

    assert peek_number(rule, at(2026, 6, 2)) == "TM202600002"
    assert peek_number(rule, at(2027, 1, 1)) == "TM202700001"
    assert _take(at(2026, 6, 2)) == "TM202600002"


def test_a_reset_without_the_matching_date_part_is_refused(admin):
    with pytest.raises(DomainError) as refused:
        _rule(admin, date_part=DatePart.YEAR, reset=ResetPeriod.MONTHLY)

    assert refused.value.code == "numbering_reset_without_date"
    assert list(refused.value.fields) == ["date_part"]
    assert NumberingRule.objects.count() == 0


@pytest.mark.parametrize("width", [0, 13])
def test_a_width_outside_1_to_12_is_refused(admin, width):
    with pytest.raises(ValidationFailed) as refused:
        _rule(admin, width=width)

    assert list(refused.value.fields) == ["width"]
    assert NumberingRule.objects.count() == 0
