"""Background jobs that survive a killed consumer.

A `Job` row is the truth; the queue message only wakes a consumer. A consumer claims the
job with a lease (a token and an expiry), then does the work in batches: each batch's
writes, the checkpoint and a renewed lease commit in one transaction. If the consumer dies,
the lease runs out and `resume_jobs` (on consumer start and every minute) hands the job to
another consumer, which goes on from the checkpoint: no batch is done twice or lost.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from crm.core.models import Job, JobStatus, PeriodicRun

log = logging.getLogger(__name__)

# kind -> the function(job) doing the work; it calls `commit_batch` after each batch.
_HANDLERS: dict[str, Callable[[Job], None]] = {}


def register_kind(kind: str, handler: Callable[[Job], None]) -> None:
    """Name the work jobs of `kind` do (a module does this in its AppConfig.ready)."""
    _HANDLERS[kind] = handler


class LeaseLost(Exception):
    """Another consumer took the job over (this one was presumed dead)."""


class Cancelled(Exception):
    """The user cancelled the job."""


def _lease_end() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.CRM_JOB_LEASE_SECONDS)


def _claimable() -> Q:
    return Q(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    )


def claim(job_id: int) -> Job | None:
    """Take the job for this consumer, unless another holds a live lease on it."""
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = Job.objects.filter(_claimable(), pk=job_id).update(
        status=JobStatus.RUNNING, lease_token=token, lease_until=_lease_end()
    )
    if not taken:
        return None
    job = Job.objects.get(pk=job_id)
    job.attempts += 1
    job.started_at = job.started_at or now
    Job.objects.filter(pk=job_id).update(attempts=job.attempts, started_at=job.started_at)
    return job


def commit_batch(job: Job, **fields) -> None:
    """Inside the batch's transaction: check the lease is still ours, save the checkpoint
    and other progress `fields`, renew the lease. Raises LeaseLost or Cancelled (the
    batch then rolls back)."""
    current = Job.objects.select_for_update().get(pk=job.pk)
    if current.lease_token != job.lease_token:
        raise LeaseLost
    if current.cancel_requested:
        raise Cancelled
    for name, value in fields.items():
        setattr(job, name, value)
    job.lease_until = _lease_end()
    Job.objects.filter(pk=job.pk).update(lease_until=job.lease_until, **fields)


def finish(job: Job, status: str, message: str = "", **fields) -> None:
    """End the job (if the lease is still ours)."""
    with transaction.atomic():
        current = Job.objects.select_for_update().get(pk=job.pk)
        if current.lease_token != job.lease_token:
            raise LeaseLost
        job.status = status
        job.message = message
        job.finished_at = timezone.now()
        for name, value in fields.items():
            setattr(job, name, value)
        Job.objects.filter(pk=job.pk).update(
            status=status,
            message=message,
            finished_at=job.finished_at,
            lease_until=None,
            **fields,
        )


def run(job_id: int) -> None:
    """Claim and run one job; a job another consumer holds is left to it."""
    job = claim(job_id)
    if job is None:
        return
    try:
        _HANDLERS[job.kind](job)
    except LeaseLost:
        log.warning("Job %s was taken over by another consumer", job_id)
    except Cancelled:
        finish(job, JobStatus.CANCELLED)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # errors, and panics of native readers (not Exceptions)
        log.exception("Job %s failed", job_id)
        finish(job, JobStatus.FAILED, str(exc)[:2000])


@db_task()
def run_job_task(job_id: int) -> None:
    """Wake a consumer for one job."""
    run(job_id)


def enqueue(job: Job) -> None:
    """Queue the job for a consumer once the current transaction commits."""
    job_id = job.pk
    transaction.on_commit(lambda: run_job_task(job_id))


def resume_jobs() -> int:
    """Queue jobs nobody holds (queued, or running under a lapsed lease), and look again
    when a live lease would lapse. Returns how many were queued."""
    queued = 0
    for job_id in Job.objects.filter(_claimable()).values_list("pk", flat=True):
        run_job_task(job_id)
        queued += 1
    held = Job.objects.filter(status=JobStatus.RUNNING, lease_until__isnull=False)
    for job_id, until in held.values_list("pk", "lease_until"):
        assert until is not None  # the filter above leaves out jobs without a lease
        run_job_task.schedule(args=(job_id,), eta=until + datetime.timedelta(seconds=1))
    return queued


def request_cancel(job: Job) -> None:
    """Ask a queued or running job to stop after its current batch."""
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )


def claim_period(task: str, period: datetime.timedelta) -> bool:
    """Whether this run of a periodic task is the first of its period (periods counted
    from midnight UTC): each consumer with a scheduler queues the task, one does the work."""
    now = timezone.now()
    seconds = period.total_seconds()
    start = datetime.datetime.fromtimestamp(now.timestamp() // seconds * seconds, datetime.UTC)
    if PeriodicRun.objects.filter(task=task, period__lt=start).update(period=start, ran_at=now):
        return True
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=task, period=start, ran_at=now)
    except IntegrityError:  # this period's run is claimed already
        log.info("%s was run for this period by another consumer", task)
        return False
    return True
