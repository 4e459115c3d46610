"""A user changes their own password: the current one first, the rules of every password,
this session kept and the others ended, one change-log row that never holds a password."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import translation

from crm.conftest import PASSWORD
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.models import ObjectChange
from crm.org.models import User, UserSession
from crm.org.services import change_password
from crm.org.tests.test_security import english, sign_in, signed_in

pytestmark = pytest.mark.django_db
NEW = "lantern-orchard-1987"
URL = "/org/security/password/"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def password_changes(user) -> list[dict]:
    return list(
        ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=user.pk
        ).values_list("changes", flat=True)
    )


def posted(client, current=PASSWORD, new=NEW, again=None):
    return client.post(
        URL,
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_the_service_changes_the_password_and_logs_only_that_it_changed(alice):
    change_password(alice, PASSWORD, NEW, actor=alice)
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert password_changes(alice) == [{"password": [None, "********"]}]


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("wrong-password-0", NEW, "current_password", "This is not your current password."),
        (PASSWORD, PASSWORD, "new_password", "Choose a password other than your current one."),
        (PASSWORD, "short-1", "new_password", "This password is too short."),
        (PASSWORD, "password1234", "new_password", "This password is too common."),
    ],
)
def test_the_service_refuses_and_changes_nothing(alice, current, new, field, message):
    with pytest.raises(ValidationFailed) as refused:
        change_password(alice, current, new, actor=alice)
    assert list(refused.value.fields) == [field]
    assert message in refused.value.fields[field][0]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert password_changes(alice) == []


def test_nobody_changes_another_users_password_here(alice, admin):
    with pytest.raises(AccessDenied):
        change_password(alice, PASSWORD, NEW, actor=admin)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_page_keeps_this_session_and_ends_the_others(alice):
    here, elsewhere = english(), english()
    sign_in(here, "alice")
    sign_in(elsewhere, "alice")
    response = posted(here)
    assert response.status_code == 302
    assert response["Location"] == "/org/security/"
    assert signed_in(here)
    assert here.get("/customers/").status_code == 200
    listed = UserSession.objects.filter(user=alice).values_list("session_key", flat=True)
    assert list(listed) == [here.session.session_key]
    assert elsewhere.get("/customers/").status_code == 302  # to the sign-in page
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert sign_in(Client(), "alice", NEW).status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current": "wrong-password-0"}, "current_password", "This is not your current password."),
        ({"again": "something-else-42"}, "new_password_again", "The two new passwords differ."),
        ({"new": "short-1"}, "new_password", "This password is too short."),
    ],
)
def test_the_page_shows_what_is_wrong_next_to_the_field(alice, data, field, message):
    client = english()
    sign_in(client, "alice")
    response = posted(client, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert 'class="form-control is-invalid"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_page_is_in_the_user_menu_in_both_languages(alice):
    client = english()
    sign_in(client, "alice")
    home = client.get("/").content.decode()
    assert f'href="{URL}"' in home and "Change password" in home
    page = client.get(URL).content.decode()
    assert "Current password" in page and "at least 12 characters" in page
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    page = client.get(URL).content.decode()
    assert "修改密码" in page and "当前密码" in page and "12" in page


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
