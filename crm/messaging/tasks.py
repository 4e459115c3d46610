"""Periodic tasks of the messaging app (thin: they call crm.messaging.outbox)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.core import jobs
from crm.core.tasks import MINUTE
from crm.messaging import outbox


@db_periodic_task(crontab(minute="*"))
def send_due_emails_task() -> None:
    """Send the emails due for a retry (new ones are sent on commit)."""
    if jobs.claim_period("send_due_emails", MINUTE):
        outbox.send_due_emails()
