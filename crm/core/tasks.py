"""Background tasks of the platform (thin: they call crm.core.jobs).

Periodic tasks' crontabs are in UTC; each claims its period first (`jobs.claim_period`),
so a second consumer with a scheduler does not run it again.
"""

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@db_task()
def run_job_task(job_id: int) -> None:
    from crm.core import jobs

    jobs.run(job_id)


@db_periodic_task(crontab(minute="*"))
def resume_jobs_task() -> None:
    from crm.core import jobs

    if jobs.claim_period("resume_jobs", MINUTE):
        jobs.resume_jobs()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_draft_imports_task() -> None:
    from crm.core import jobs
    from crm.core.imports.services import purge_drafts

    if jobs.claim_period("purge_draft_imports", DAY):
        purge_drafts()


@HUEY.on_startup()
def resume_jobs_on_start() -> None:
    """A consumer that starts (again) picks up the work a killed one left."""
    from django.db import close_old_connections

    from crm.core import jobs

    jobs.resume_jobs()
    close_old_connections()
