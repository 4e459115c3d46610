"""Periodic tasks of the platform (thin: they call crm.core.jobs; a job's own queue task
is `jobs.run_job_task`).

Daily tasks run at night in the CRM's time zone (`nightly`); each periodic task claims its
period first (`jobs.claim_period`), so a second consumer with a scheduler does not run it
again.
"""

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from crm.core import events, jobs
from crm.core.imports.services import purge_drafts

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def nightly(hour: int, minute: int) -> crontab:
    """Daily at this time in the CRM's time zone (`CRM_TIME_ZONE`). Huey reads crontabs in
    UTC; the zone's offset is taken when the consumer starts, so where clocks change for
    summer the task runs an hour off until the consumer restarts."""
    offset = datetime.datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset() or timedelta()
    at = datetime.datetime.combine(datetime.date(2000, 1, 1), datetime.time(hour, minute))
    at -= offset
    return crontab(minute=str(at.minute), hour=str(at.hour))


@db_periodic_task(crontab(minute="*"))
def resume_jobs_task() -> None:
    if jobs.claim_period("resume_jobs", MINUTE):
        jobs.resume_jobs()


@db_periodic_task(crontab(minute="*"))
def deliver_events_task() -> None:
    """Deliver outbox rows whose retry time has come (new ones are woken on commit)."""
    if jobs.claim_period("deliver_events", MINUTE):
        events.deliver_due()


@db_periodic_task(nightly(3, 17))
def purge_draft_imports_task() -> None:
    if jobs.claim_period("purge_draft_imports", DAY):
        purge_drafts()


@HUEY.on_startup()
def resume_jobs_on_start() -> None:
    """A consumer that starts (again) picks up the work a killed one left."""
    jobs.resume_jobs()
    close_old_connections()
