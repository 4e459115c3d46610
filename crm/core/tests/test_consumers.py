"""Imports as users run them: started through a real server's API, done by a real consumer
from the real queue (the embedded SQLite file of `make run`, and Redis), followed as they
rise batch by batch, and cancelled."""

from __future__ import annotations

import uuid

import pytest
import redis
import requests

from crm.core.testing.processes import REDIS_URL, Server, consumer, environment, running, wait_for
from crm.customers.models import Customer
from crm.org.tokens import create_token

ROWS = 20000
BATCH = 50


def _csv() -> bytes:
    lines = ["客户名称,编号,城市"] + [f"队列测试客户{i:05d},Q{i:05d},苏州" for i in range(ROWS)]
    return "\n".join(lines).encode()


@pytest.fixture(params=["sqlite", "redis"])
def deployed(request, tmp_path):
    """The environment of a deployment whose jobs queue in a SQLite file or in Redis (under
    a prefix of this test's own, removed afterwards)."""
    if request.param == "sqlite":
        yield environment(tmp_path, CRM_IMPORT_BATCH=str(BATCH))
        return
    prefix = f"crm-test-{uuid.uuid4().hex}"
    yield environment(
        tmp_path, CRM_IMPORT_BATCH=str(BATCH), CRM_REDIS_URL=REDIS_URL, CRM_REDIS_PREFIX=prefix
    )
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_rises_batch_by_batch_and_a_cancel_stops_it_at_a_boundary(
    deployed, tmp_path, alice
):
    _, token = create_token(alice, "tests")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    server = Server(deployed, tmp_path / "server.log")
    worker = consumer(deployed, tmp_path / "consumer.log")
    with running(server, worker):
        server.wait_ready()
        # given an import started as the API starts it: the job waits in the queue
        response = api.post(
            f"{server.url}/api/v1/imports/",
            data={"type": "customers", "on_duplicate": "skip", "match": "number"},
            files={"file": ("customers.csv", _csv(), "text/csv")},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        # The consumer may take it before the answer is written; the request never runs it.
        assert response.json()["status"] in ("queued", "running")
        url = f"{server.url}/api/v1/imports/{response.json()['id']}/"
        seen: list[dict] = []

        def rising() -> bool:
            seen.append(api.get(url, timeout=10).json())
            return len({b["rows_done"] for b in seen if b["status"] == "running"} - {0}) >= 3

        # when the consumer has taken it and committed a few batches
        wait_for(rising, 60, lambda: f"{seen[-1:]}\n{worker.output()}")
        running_ = [b for b in seen if b["status"] == "running" and b["rows_done"]]
        done = [b["rows_done"] for b in running_]
        assert done == sorted(done)
        assert all(n % BATCH == 0 and 0 < n < ROWS for n in done), done
        assert all(b["rows"] == ROWS and b["percent"] == round(100 * b["rows_done"] / ROWS)
                   for b in running_)  # fmt: skip
        # and the user cancels it
        assert api.post(f"{url}cancel/", timeout=10).status_code == 200

        # then it stops after the batch it was in, keeping what it imported
        def ended():
            body = api.get(url, timeout=10).json()
            return body if body["status"] != "running" else None

        final = wait_for(ended, 60, lambda: f"still running:\n{worker.output()}")
    assert final["status"] == "cancelled", final
    assert final["finished_at"]
    assert final["rows_done"] % BATCH == 0 and done[-1] <= final["rows_done"] < ROWS
    assert final["summary"]["created"] == final["rows_done"]
    assert Customer.objects.filter(number__startswith="Q").count() == final["rows_done"]
