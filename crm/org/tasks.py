"""Background jobs of the organisation module (thin: they call one service)."""

from huey.contrib.djhuey import db_task


@db_task()
def run_handover_task(handover_id: int) -> None:
    from crm.org.handover import run_handover

    run_handover(handover_id)
