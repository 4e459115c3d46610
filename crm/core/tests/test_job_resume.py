"""A consumer killed with SIGKILL mid-import: the next consumer finishes the job from its
checkpoint, with every good row written exactly once and every bad row reported."""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from crm.core import registry
from crm.core.imports import services as imports
from crm.core.models import Job, JobRowError, JobStatus, ObjectChange, SearchEntry
from crm.customers.models import Customer

ROWS = 2400
BATCH = 100
REDIS_URL = "redis://127.0.0.1:6379/14"
# Each run queues under a prefix of its own, so test runs can share the Redis server.
PREFIX = f"crm-test-resume-{os.getpid()}"


def _file() -> SimpleUploadedFile:
    """ROWS rows, every 97th of them without a name (so it fails)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["客户名称", "编号", "城市"])
    for i in range(ROWS):
        writer.writerow(["" if i % 97 == 5 else f"恢复测试客户{i:05d}", f"R{i:05d}", "苏州"])
    return SimpleUploadedFile("resume.csv", text.getvalue().encode(), content_type="text/csv")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _consumer() -> subprocess.Popen:
    """A real `crm worker` against the test database and a Redis queue of its own."""
    env = {
        **os.environ,
        "CRM_TESTING": "0",
        "CRM_DATABASE_URL": _database_url(),
        "CRM_REDIS_URL": REDIS_URL,
        "CRM_REDIS_PREFIX": PREFIX,
        "CRM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CRM_JOB_LEASE_SECONDS": "2",
        "CRM_IMPORT_BATCH": str(BATCH),
        "CRM_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from crm.cli import main; sys.exit(main())", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(job: Job, done, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if done(job):
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} is {job.status} at row {job.checkpoint} of {job.total}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2, 3])
def test_import_killed_mid_way_resumes_exactly(run, admin):
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"*{PREFIX}*"):
        store.delete(key)
    job = imports.upload(admin, registry.get("customer"), _file())
    imports.configure(job, admin, job.params["columns"], "skip", "number")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # as `start` leaves it
    kill_at = random.randrange(BATCH, ROWS - 3 * BATCH)

    first = _consumer()
    try:
        _wait(job, lambda j: j.checkpoint >= kill_at)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert job.checkpoint < ROWS

    second = _consumer()
    try:
        _wait(job, lambda j: j.status != JobStatus.RUNNING)
    finally:
        second.terminate()
        second.wait(timeout=30)

    bad = sum(1 for i in range(ROWS) if i % 97 == 5)
    assert job.status == JobStatus.DONE, job.message
    assert job.attempts == 2
    assert job.summary == {
        "created": ROWS - bad,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": bad,
    }
    customers = Customer.objects.filter(number__startswith="R")
    assert customers.count() == ROWS - bad
    assert not customers.values("number").annotate(n=Count("id")).filter(n__gt=1).exists()
    content_type = ContentType.objects.get_for_model(Customer)
    logged = ObjectChange.objects.filter(content_type=content_type, request_id=f"import:{job.pk}")
    assert logged.count() == ROWS - bad
    assert SearchEntry.objects.filter(content_type=content_type).count() == ROWS - bad
    assert JobRowError.objects.filter(job=job).count() == bad
    assert bool(job.result_file)
