"""Periodic tasks: what the scheduler queues and when, what they do, and that each runs once
per period even when two consumers run a scheduler."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from crm.core import jobs
from crm.core.models import PeriodicRun
from crm.core.testing.concurrency import at_once
from crm.core.testing.processes import consumer, environment, running, wait_for
from crm.org.models import LoginEvent, LoginResult, UserSession
from crm.org.tasks import purge_login_log_task, purge_stale_sessions_task

RESUME = "crm.core.tasks.resume_jobs_task"


def test_the_scheduler_queues_each_task_once_a_day_or_every_minute():
    # Huey reads crontabs in UTC; the daily ones run at night in the CRM's time zone.
    midnight = datetime.datetime(2026, 3, 2)
    zone = ZoneInfo(settings.TIME_ZONE)
    queued = Counter()
    when = {}
    for minute in range(24 * 60):
        at = midnight + timedelta(minutes=minute)
        for task in HUEY.read_periodic(at):
            queued[task.name] += 1
            when[task.name] = at.replace(tzinfo=datetime.UTC).astimezone(zone).strftime("%H:%M")
    assert queued == {
        "resume_jobs_task": 24 * 60,
        "deliver_events_task": 24 * 60,
        "purge_draft_imports_task": 1,
        "purge_login_log_task": 1,
        "purge_stale_sessions_task": 1,
    }
    assert when["purge_draft_imports_task"] == "03:17"
    assert when["purge_login_log_task"] == "03:27"
    assert when["purge_stale_sessions_task"] == "03:37"


@pytest.mark.django_db
def test_the_purges_forget_old_sign_ins_and_dead_sessions_once_a_day(alice):
    def old_event() -> LoginEvent:
        event = LoginEvent.objects.create(user=alice, result=LoginResult.SUCCESS)
        LoginEvent.objects.filter(pk=event.pk).update(time=timezone.now() - timedelta(days=400))
        return event

    def dead_session(key: str) -> UserSession:
        long_ago = timezone.now() - timedelta(days=2)
        return UserSession.objects.create(
            session_key=key, user=alice, created_at=long_ago, last_seen_at=long_ago
        )

    recent = LoginEvent.objects.create(user=alice, result=LoginResult.SUCCESS)
    live = UserSession.objects.create(session_key="live", user=alice)
    old_event()
    dead_session("dead")
    purge_login_log_task()
    purge_stale_sessions_task()
    assert list(LoginEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]
    # queued again the same day (a second scheduler), they leave what they find alone
    later_event, later_session = old_event(), dead_session("dead later")
    purge_login_log_task()
    purge_stale_sessions_task()
    assert LoginEvent.objects.filter(pk=later_event.pk).exists()
    assert UserSession.objects.filter(pk=later_session.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_of_two_runs_at_the_same_moment_one_claims_the_period():
    jobs.claim_period("test_task", timedelta(days=1))  # a row of an earlier period to take over
    PeriodicRun.objects.update(period=timezone.now() - timedelta(days=3))
    claimed, errors = at_once([lambda: jobs.claim_period("test_task", timedelta(days=1))] * 2)
    assert errors == []
    assert sorted(claimed) == [False, True]


def _two_schedulers_start(tmp_path, attempt: int) -> str:
    """Start two consumers with schedulers, wait until both queued runs of the every-minute
    task are done, stop them; their output."""
    env = environment(tmp_path)
    consumers = [
        consumer(env, tmp_path / f"consumer-{attempt}-{n}.log", scheduler=True) for n in (1, 2)
    ]

    def output() -> str:
        return "\n".join(c.output() for c in consumers)

    with running(*consumers):
        # each run logs "Executing ..." and "... executed in"
        wait_for(lambda: output().count(f"{RESUME}: ") >= 4, 60, output)
    return output()


@pytest.mark.django_db(transaction=True)
def test_two_consumers_with_schedulers_run_a_periodic_task_once_a_minute(tmp_path):
    # Each scheduler queues the every-minute task as it starts; both runs must fall in
    # one minute, so start early enough in a minute (and try once more if they did not).
    for attempt in range(2):
        if time.time() % 60 > 30:
            time.sleep(60 - time.time() % 60)
        minute = time.time() // 60
        text = _two_schedulers_start(tmp_path, attempt)
        if time.time() // 60 == minute:
            break
    queued = text.count(f"Executing {RESUME}: ")
    runs = queued - text.count("resume_jobs was run for this period by another consumer")
    assert (queued, runs) == (2, 1), f"queued {queued} times, run {runs} times:\n{text}"
