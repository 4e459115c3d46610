"""Writes at the same moment, for tests of what must stay exact under concurrency (numbers,
totals, claims).

On PostgreSQL each call runs in a thread of its own, in its own transaction on its own
connection, all released at once; on SQLite (one writer at a time by design) the same
transactions run one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction


def at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[Exception]]:
    """Run `calls`, each in a transaction, at once where the database allows it: what they
    answered (in the order they finished) and what they raised."""
    results: list[Any] = []
    errors: list[Exception] = []

    def run(call: Callable[[], Any], barrier: threading.Barrier | None) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            with transaction.atomic():
                results.append(call())
        except Exception as exc:  # reported to the test, never swallowed
            errors.append(exc)
        finally:
            if barrier is not None:
                connection.close()

    if connection.vendor != "postgresql":
        for call in calls:
            run(call, None)
        return results, errors
    barrier = threading.Barrier(len(calls))
    threads = [threading.Thread(target=run, args=(call, barrier)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("a concurrent call did not finish within two minutes")
    return results, errors
