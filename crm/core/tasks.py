"""Background tasks of the platform (thin: they call crm.core.jobs)."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task


@db_task()
def run_job_task(job_id: int) -> None:
    from crm.core import jobs

    jobs.run(job_id)


@db_periodic_task(crontab(minute="*"))
def resume_jobs_task() -> None:
    from crm.core import jobs

    jobs.resume_jobs()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_draft_imports_task() -> None:
    from crm.core.imports.services import purge_drafts

    purge_drafts()


@HUEY.on_startup()
def resume_jobs_on_start() -> None:
    """A consumer that starts (again) picks up the work a killed one left."""
    from django.db import close_old_connections

    from crm.core import jobs

    jobs.resume_jobs()
    close_old_connections()
