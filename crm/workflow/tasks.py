"""Periodic tasks of the workflow app: alert rules and approval reminders every minute,
and at night the purge of old alerts (thin: each claims its period, then calls one
service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.core import jobs
from crm.core.tasks import DAY, MINUTE, nightly
from crm.workflow import alerts, services


@db_periodic_task(crontab(minute="*"))
def run_alerts_task() -> None:
    """Run the alert rules whose hour or day has come (each rule claims its period)."""
    if jobs.claim_period("workflow_alerts", MINUTE):
        alerts.run_due()


@db_periodic_task(nightly(3, 47))
def purge_alert_hits_task() -> None:
    """Forget the alerts of periods more than a month old."""
    if jobs.claim_period("workflow_alert_hits", DAY):
        alerts.purge_hits()


@db_periodic_task(crontab(minute="*"))
def remind_approvals_task() -> None:
    """Remind approvers whose time limit has passed, and escalate overdue steps."""
    if jobs.claim_period("workflow_reminders", MINUTE):
        services.remind_due()
