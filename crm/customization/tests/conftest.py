"""Fixtures of the settings tests: an administrator, a plain user, clients signed in as them.

Both users read English, so tests can assert messages exactly; a test of the Chinese pages
switches its user to zh-hans.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.conftest import signed_in
from crm.core import registry

__all__ = ["admin", "admin_client", "member", "member_client"]


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser(
        "root", "root@example.com", "x-Long-pass-2026", full_name="Root", language="en"
    )


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user(
        "lily", "lily@example.com", "x-Long-pass-2026", full_name="Lily Wang", language="en"
    )


@pytest.fixture
def admin_client(admin):
    return signed_in(admin)


@pytest.fixture
def member_client(member):
    return signed_in(member)


@pytest.fixture
def object_type():
    """A registered object type (the first by key): the settings pages serve any of them."""
    types = sorted(registry.all_types(), key=lambda t: t.key)
    assert types, "no object type is registered"
    return types[0]
