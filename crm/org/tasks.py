"""Periodic tasks of the organisation module (thin: they call one service)."""

from huey.contrib.djhuey import db_periodic_task

from crm.core import jobs
from crm.core.tasks import DAY, nightly
from crm.org.security import sessions, signin


@db_periodic_task(nightly(3, 27))
def purge_login_log_task() -> None:
    """Forget sign-in events and lockouts older than the login log keeps."""
    if jobs.claim_period("purge_login_log", DAY):
        signin.purge_old_events()


@db_periodic_task(nightly(3, 37))
def purge_stale_sessions_task() -> None:
    """Forget the rows of sessions that can no longer be alive."""
    if jobs.claim_period("purge_stale_sessions", DAY):
        sessions.purge_stale()
