"""Fixtures shared by every app's tests: people and signed-in clients."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from crm.core.testing.api import ApiClient

PASSWORD = "correct-horse-battery-staple"


def sales_role():
    """A salesperson's role: everything on their own records (a test's default)."""
    from crm.org.models import Role, RolePermission

    role, created = Role.objects.get_or_create(
        code="test_sales", defaults={"name_zh": "测试销售", "name_en": "Test sales"}
    )
    if created:
        RolePermission.objects.create(
            role=role,
            type_key="*",
            view_scope="own",
            edit_scope="own",
            actions=["view", "create", "edit", "delete", "export", "import", "transfer"],
        )
    return role


@pytest.fixture
def make_user(db):
    from crm.org.models import User

    def make(username: str, *, roles=None, **fields) -> User:
        fields.setdefault("full_name", username.title())
        fields.setdefault("language", "en")
        user = User.objects.create_user(username=username, password=PASSWORD, **fields)
        user.roles.set([sales_role()] if roles is None else roles)
        return user

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
    """A client whose user has just signed in (with a password check a moment ago)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "username": user.username}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def api_for(db):
    def make(user, *, read_only: bool = False) -> ApiClient:
        return ApiClient.for_user(user, read_only=read_only)

    return make


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's administrator client, signed in just now."""
    return signed_in(admin_user)
