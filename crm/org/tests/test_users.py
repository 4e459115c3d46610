"""User accounts managed by administrators."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import ObjectChange
from crm.org.services import save_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_an_administrator_creates_a_user_with_a_password(admin):
    user = save_user(
        User(username="chen", full_name="陈静", email="chen@example.com", language="en"),
        actor=admin,
        password="Harbour-lights-42",
    )

    user.refresh_from_db()
    assert user.check_password("Harbour-lights-42")
    assert (user.full_name, user.language, user.is_superuser) == ("陈静", "en", False)
    change = ObjectChange.objects.get(object_id=user.pk, action="create")
    assert change.changes["password"] == [None, "********"]
    assert user.password not in str(change.changes)


def test_a_weak_password_is_refused_and_nothing_is_created(admin):
    with pytest.raises(ValidationFailed) as refused:
        save_user(User(username="chen"), actor=admin, password="password")

    assert list(refused.value.fields) == ["password"]
    assert not User.objects.filter(username="chen").exists()
    assert ObjectChange.objects.count() == 0


def test_a_new_user_needs_a_password(admin):
    with pytest.raises(ValidationFailed) as refused:
        save_user(User(username="chen"), actor=admin)

    assert list(refused.value.fields) == ["password"]
    assert not User.objects.filter(username="chen").exists()


def test_an_edit_without_password_keeps_the_password(admin, member):
    member.full_name = "王丽"

    save_user(member, actor=admin)

    member.refresh_from_db()
    assert member.full_name == "王丽"
    assert member.check_password("x-Long-pass-2026")
    change = ObjectChange.objects.get(object_id=member.pk)
    assert change.changes == {"full_name": ["Lily Wang", "王丽"]}


def test_an_administrator_cannot_lock_themselves_out(admin):
    admin.is_superuser = False

    with pytest.raises(DomainError) as refused:
        save_user(admin, actor=admin)

    assert refused.value.code == "self_lockout"
    admin.refresh_from_db()
    assert admin.is_superuser is True


def test_a_plain_user_cannot_manage_accounts(member):
    with pytest.raises(AccessDenied):
        save_user(User(username="chen"), actor=member, password="Harbour-lights-42")

    assert not User.objects.filter(username="chen").exists()
