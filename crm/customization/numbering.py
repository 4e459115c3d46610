"""Numbers for new records from their type's numbering rule, gap-free under concurrency."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.customization.models import NumberingRule, NumberSequence, ResetPeriod

_PERIOD_FORMAT = {
    ResetPeriod.NEVER: "",
    ResetPeriod.YEARLY: "%Y",
    ResetPeriod.MONTHLY: "%Y%m",
    ResetPeriod.DAILY: "%Y%m%d",
}


def format_number(rule: NumberingRule, value: int, when=None) -> str:
    when = when or timezone.localtime()
    date = when.strftime(rule.date_part) if rule.date_part else ""
    return f"{rule.prefix}{date}{value:0{rule.width}d}"


def next_number(model, when=None) -> str | None:
    """Take the next number for a new `model` record, or None when it has no active rule.

    Runs inside the caller's transaction: the sequence row stays locked until it commits,
    so concurrent creates queue up and a rolled-back create gives its number back.
    """
    numbers = take_numbers(model, 1, when)
    return numbers[0] if numbers else None


def take_numbers(model, count: int, when=None) -> list[str] | None:
    """Take `count` consecutive numbers at once (imports); None when there is no rule."""
    content_type = ContentType.objects.get_for_model(model)
    rule = NumberingRule.objects.filter(content_type=content_type, is_active=True).first()
    if rule is None:
        return None
    when = when or timezone.localtime()
    period = when.strftime(_PERIOD_FORMAT[ResetPeriod(rule.reset)])
    sequence = NumberSequence.objects.select_for_update().filter(rule=rule, period=period).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(rule=rule, period=period)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs below
        sequence = NumberSequence.objects.select_for_update().get(rule=rule, period=period)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [format_number(rule, value, when) for value in range(first, first + count)]


def peek_number(rule: NumberingRule, when=None) -> str:
    """The number the next record would get under `rule` (saved or not), taking nothing."""
    when = when or timezone.localtime()
    period = when.strftime(_PERIOD_FORMAT[ResetPeriod(rule.reset)])
    last = 0
    if rule.pk:
        last = (
            NumberSequence.objects.filter(rule_id=rule.pk, period=period)
            .values_list("last_value", flat=True)
            .first()
        ) or 0
    return format_number(rule, last + 1, when)
