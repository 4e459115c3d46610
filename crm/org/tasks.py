"""Background jobs of the organisation module (thin: they call one service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.core.tasks import DAY


@db_task()
def run_handover_task(handover_id: int) -> None:
    from crm.org.handover import run_handover

    run_handover(handover_id)


@db_periodic_task(crontab(minute="27", hour="3"))
def purge_login_log_task() -> None:
    """Forget sign-in events and lockouts older than the login log keeps."""
    from crm.core import jobs
    from crm.org.security import signin

    if jobs.claim_period("purge_login_log", DAY):
        signin.purge_old_events()


@db_periodic_task(crontab(minute="37", hour="3"))
def purge_stale_sessions_task() -> None:
    """Forget the rows of sessions that can no longer be alive."""
    from crm.core import jobs
    from crm.org.security import sessions

    if jobs.claim_period("purge_stale_sessions", DAY):
        sessions.purge_stale()
