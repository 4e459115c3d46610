"""Fixtures shared by every app's tests: people and signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.core.testing.api import ApiClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db):
    from crm.org.models import User

    def make(username: str, **fields) -> User:
        fields.setdefault("full_name", username.title())
        fields.setdefault("language", "en")
        return User.objects.create_user(username=username, password=PASSWORD, **fields)

    return make


@pytest.fixture
def admin(make_user):
    return make_user("boss", is_superuser=True, is_staff=True, full_name="Boss")


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def api_for(db):
    def make(user, *, read_only: bool = False) -> ApiClient:
        return ApiClient.for_user(user, read_only=read_only)

    return make
