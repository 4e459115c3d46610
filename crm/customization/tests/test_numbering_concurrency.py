"""Fifty creates taking numbers at once get fifty unique numbers with no gap (at once on
PostgreSQL, one after the other on SQLite: crm.core.testing.concurrency)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.testing.concurrency import at_once
from crm.customization.models import NumberingRule, NumberSequence
from crm.customization.numbering import next_number
from crm.customization.services import save_numbering_rule
from crm.org.models import Team

CREATES = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_numbers_are_unique_and_gap_free(admin):
    save_numbering_rule(
        NumberingRule(content_type=ContentType.objects.get_for_model(Team), prefix="TM", width=4),
        actor=admin,
    )
    results, errors = at_once([lambda: next_number(Team)] * CREATES)
    assert errors == []
    assert sorted(results) == [f"TM{n:04d}" for n in range(1, CREATES + 1)]
    assert list(NumberSequence.objects.values_list("period", "last_value")) == [("", CREATES)]
