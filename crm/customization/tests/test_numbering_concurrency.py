"""Fifty creates taking numbers at once get fifty unique numbers with no gap.

On PostgreSQL the creates run in 50 threads, each in its own transaction on its own
connection, all released at once; on SQLite (one writer at a time by design) the same 50
transactions run one after the other.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from crm.customization.models import NumberingRule, NumberSequence
from crm.customization.numbering import next_number
from crm.customization.services import save_numbering_rule
from crm.org.models import Team

CREATES = 50


def _take_one(barrier: threading.Barrier | None, results: list, errors: list) -> None:
    try:
        if barrier is not None:
            barrier.wait(timeout=30)
        with transaction.atomic():
            results.append(next_number(Team))
    except Exception as exc:  # reported by the test, never swallowed
        errors.append(exc)
    finally:
        if barrier is not None:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_numbers_are_unique_and_gap_free(admin):
    save_numbering_rule(
        NumberingRule(content_type=ContentType.objects.get_for_model(Team), prefix="TM", width=4),
        actor=admin,
    )
    results: list[str] = []
    errors: list[Exception] = []

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(CREATES)
        threads = [
            threading.Thread(target=_take_one, args=(barrier, results, errors))
            for _ in range(CREATES)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
    else:
        for _ in range(CREATES):
            _take_one(None, results, errors)

    assert errors == []
    assert sorted(results) == [f"TM{n:04d}" for n in range(1, CREATES + 1)]
    assert list(NumberSequence.objects.values_list("period", "last_value")) == [("", CREATES)]
