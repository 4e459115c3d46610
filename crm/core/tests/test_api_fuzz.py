"""The API kept to its contract: every operation of /api/v1/openapi.json is fuzzed as a
salesperson and as a read-only user, one call at a time and in sequences (the stateful
phase); no server error, every status, content type and body as documented.

Every type registered later is fuzzed here without new code. The examples per operation
are bounded so the whole file stays within a few minutes on each database.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

from crm.core import services
from crm.customers.models import Contact, Customer
from crm.org.models import Role, RolePermission
from crm.org.tokens import create_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 100
SEQUENCES = 50


@dataclass(frozen=True)
class Personas:
    """The request headers of each persona that fuzzes the API."""

    salesperson: dict
    read_only: dict

    def all(self) -> list[dict]:
        return [self.salesperson, self.read_only]


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_token(user, 'fuzz')[1]}"}


@pytest.fixture
def personas(make_user, bob) -> Personas:
    """A salesperson with records (one deleted), others' records, and a read-only user."""
    viewer = Role.objects.create(code="fuzz_viewer", name_zh="只读", name_en="Read only")
    RolePermission.objects.create(
        role=viewer, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    seller = make_user("seller")
    reader = make_user("reader", roles=[viewer])
    for owner in (seller, bob):
        customer = services.save(Customer(name=f"{owner.username}的客户"), actor=owner)
        services.save(Contact(customer=customer, name="张伟"), actor=owner)
        gone = services.save(Customer(name=f"{owner.username}删除的客户"), actor=owner)
        services.delete(gone, actor=owner)
    return Personas(salesperson=_bearer(seller), read_only=_bearer(reader))


def _load_schema():
    """The API's document, made without a request (collecting tests must not run one: its
    end would close the test database's connection), called on the WSGI application."""
    from crm.api import api
    from crm.wsgi import application

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    """As Django's test client does: the test's connection outlives each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, personas):
    for headers in personas.all():
        case.call_and_validate(headers=headers, checks=CHECKS)
    if case.method.upper() == case.operation.method.upper() and _routed(case.formatted_path):
        anonymous = WsgiClient(schema.app).open(case.formatted_path, method=case.method)
        assert anonymous.status_code == 401, case.as_curl_command()
        assert anonymous.json["code"] == "unauthorized"


@pytest.mark.parametrize("persona", ["salesperson", "read_only"])
def test_sequences_of_calls_keep_the_contract(personas, persona):
    headers = getattr(personas, persona)

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        # Each sequence starts from the same data, so a failing one replays the same way.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Sequences.run(
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
