"""Account security: lockouts, the login log, two-factor sign-in, password policy,
session lifetimes and re-authentication — through the real sign-in pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from crm.conftest import PASSWORD
from crm.org.models import LockoutKind, LoginEvent, LoginLockout, LoginResult, UserSession
from crm.org.security import sessions, signin

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LOCKED = "Too many failed sign-in attempts"
WRONG = "Wrong user name or password."


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code of a base32 secret (SHA-1, 30 s, 6 digits) at a time."""
    counter = int((time.time() if at is None else at) // step)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def fresh_totp(secret: str) -> str:
    """A code with at least 5 seconds of its 30-second step left (so it is still the
    current code when the form is posted)."""
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp(secret)


def english() -> Client:
    """A browser that asks for English pages (the default language is Chinese)."""
    return Client(headers={"accept-language": "en"})


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    """POST the sign-in form as a browser would."""
    return client.post("/login/", {"username": username, "password": password}, **extra)


def turn_on_totp(user, secret: str = SECRET) -> str:
    """Give a user an authenticator app, as the activation page does; returns its secret."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
    return secret


def form_errors(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Used one-time codes are remembered in the cache: start each test without any."""
    cache.clear()
    yield
    cache.clear()


# ------------------------------------------------------------------------------ lockouts


@pytest.mark.django_db
def test_five_failures_lock_the_account_and_even_the_right_password_is_refused(alice):
    # given five wrong passwords within the window
    client = english()
    for _ in range(5):
        response = sign_in(client, "alice", "wrong-password-123")
        assert response.status_code == 200 and WRONG in form_errors(response)
    # when the right password comes next
    response = sign_in(client, "alice")
    # then it is refused with the lockout message, nobody is signed in, and it is all logged
    assert LOCKED in form_errors(response)
    assert not signed_in(client)
    lockout = LoginLockout.objects.get(kind=LockoutKind.ACCOUNT, key="alice")
    assert lockout.failures == 5
    assert lockout.until - lockout.created_at == timedelta(minutes=15)
    results = list(LoginEvent.objects.order_by("time", "pk").values_list("result", flat=True))
    assert results == [LoginResult.FAILURE] * 5 + [LoginResult.LOCKED]
    assert all(e.user == alice and e.ip == "127.0.0.1" for e in LoginEvent.objects.all())


@pytest.mark.django_db
def test_unknown_and_known_names_get_the_same_answers(alice):
    # given the same attempts on an existing and on a made-up name
    answers = {}
    for name in ("alice", "nobody"):
        client = english()
        answers[name] = [form_errors(sign_in(client, name, "wrong-password-123")) for _ in range(6)]
    # then the messages are the same, attempt by attempt, lockout included
    assert answers["alice"] == answers["nobody"]
    assert WRONG in answers["nobody"][0] and LOCKED in answers["nobody"][5]
    assert LoginLockout.objects.filter(key="nobody").exists()
    assert LoginEvent.objects.filter(username="nobody", user=None).count() == 6


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(alice):
    client = english()
    for _ in range(5):
        sign_in(client, "alice", "wrong-password-123")
    # when the cool-off has passed
    LoginLockout.objects.update(until=timezone.now() - timedelta(seconds=1))
    LoginEvent.objects.update(time=timezone.now() - timedelta(minutes=16))
    # then the right password works, and one new failure does not lock again
    response = sign_in(english(), "alice", "wrong-password-123")
    assert WRONG in form_errors(response)
    response = sign_in(client, "alice")
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.django_db
def test_failures_outside_the_window_or_before_a_success_do_not_count(alice):
    client = english()
    for _ in range(4):
        sign_in(client, "alice", "wrong-password-123")
    assert sign_in(client, "alice").status_code == 302
    client.post("/logout/")
    for _ in range(4):
        sign_in(client, "alice", "wrong-password-123")
    LoginEvent.objects.update(time=timezone.now() - timedelta(minutes=6))
    sign_in(client, "alice", "wrong-password-123")
    assert not LoginLockout.objects.exists()
    assert sign_in(client, "alice").status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_names_is_locked_out(alice, settings):
    # given 20 failures from one address, on 20 different names
    for n in range(20):
        sign_in(english(), f"guess{n}", "wrong-password-123", REMOTE_ADDR="127.0.0.9")
    # then that address may not even try alice's right password
    client = english()
    assert LOCKED in form_errors(sign_in(client, "alice", REMOTE_ADDR="127.0.0.9"))
    assert not signed_in(client)
    assert LoginLockout.objects.filter(kind=LockoutKind.IP, key="127.0.0.9").exists()
    # while another address may
    assert sign_in(client, "alice", REMOTE_ADDR="127.0.0.8").status_code == 302


@pytest.mark.django_db
def test_the_limits_are_configurable(alice, settings):
    settings.CRM_LOGIN_MAX_FAILURES = 2
    settings.CRM_LOGIN_LOCKOUT_MINUTES = 60
    client = english()
    sign_in(client, "alice", "wrong-password-123")
    sign_in(client, "alice", "wrong-password-123")
    response = sign_in(client, "alice")
    assert "Wait 60 minutes" in form_errors(response)
    lockout = LoginLockout.objects.get()
    assert lockout.until - lockout.created_at == timedelta(minutes=60)


@pytest.mark.django_db
def test_lockouts_are_written_to_the_application_log_without_secrets(alice, caplog):
    client = english()
    with caplog.at_level("INFO", logger="crm.security"):
        for _ in range(5):
            sign_in(client, "alice", "Secret-guess-42")
    assert "alice" in caplog.text and "Secret-guess-42" not in caplog.text


@pytest.mark.django_db
def test_the_login_log_never_holds_a_password(alice):
    sign_in(english(), "alice", "Secret-guess-42")
    sign_in(english(), "alice", headers={"user-agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120"})
    rows = list(LoginEvent.objects.values())
    assert [r["result"] for r in rows] == [LoginResult.FAILURE, LoginResult.SUCCESS]
    assert rows[1]["user_agent"].startswith("Mozilla/5.0") and rows[1]["user_id"] == alice.pk
    assert all("Secret-guess-42" not in str(r) and PASSWORD not in str(r) for r in rows)


@pytest.mark.django_db
def test_a_disabled_account_is_refused_and_logged(make_user):
    make_user("gone", is_active=False)
    client = english()
    response = sign_in(client, "gone")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)
    assert LoginEvent.objects.get().result == LoginResult.INACTIVE


@pytest.mark.django_db
def test_the_login_log_is_kept_at_least_180_days(alice, settings):
    settings.CRM_LOGIN_LOG_DAYS = 30  # too short: 180 days are kept anyway
    sign_in(english(), "alice")
    recent = LoginEvent.objects.get()
    old = LoginEvent.objects.create(username="x", result="failure")
    LoginEvent.objects.filter(pk=old.pk).update(time=timezone.now() - timedelta(days=181))
    LoginEvent.objects.filter(pk=recent.pk).update(time=timezone.now() - timedelta(days=179))
    assert signin.purge_old_events() == 1
    assert list(LoginEvent.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_sign_up_is_closed(client):
    assert client.get("/accounts/signup/").status_code == 404


# --------------------------------------------------------------------------- passwords


@pytest.mark.django_db
def test_passwords_need_12_characters_and_may_not_be_common(alice):
    for weak in ("Short-1a", "password1234", "qwertyuiop123"):
        with pytest.raises(ValidationError):
            validate_password(weak, alice)
    validate_password("violet-harbour-tandem", alice)


def test_production_hashes_passwords_with_argon2():
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; from django.contrib.auth.hashers import make_password; "
        "print(settings.PASSWORD_HASHERS[0]); print(make_password('violet-harbour-tandem')[:9])"
    )
    env = {**os.environ, "CRM_TESTING": "0", "DJANGO_SETTINGS_MODULE": "crm.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["django.contrib.auth.hashers.Argon2PasswordHasher", "argon2$ar"]


# ------------------------------------------------------------------------ two-factor


@pytest.mark.django_db
def test_with_totp_the_password_alone_does_not_sign_in(alice):
    turn_on_totp(alice)
    client = english()
    response = sign_in(client, "alice")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not signed_in(client)
    assert client.get("/").status_code == 302
    # a wrong code is refused and logged; the right one signs in
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "Wrong code." in str(response.context["form"].errors)
    assert not signed_in(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": fresh_totp(SECRET)})
    assert response.status_code == 302 and signed_in(client)
    results = list(LoginEvent.objects.order_by("pk").values_list("result", flat=True))
    assert results == [LoginResult.MFA_FAILURE, LoginResult.SUCCESS]


@pytest.mark.django_db
def test_a_totp_code_works_once(alice):
    turn_on_totp(alice)
    code = fresh_totp(SECRET)
    first = english()
    sign_in(first, "alice")
    first.post("/accounts/2fa/authenticate/", {"code": code})
    assert signed_in(first)
    second = english()
    sign_in(second, "alice")
    second.post("/accounts/2fa/authenticate/", {"code": code})
    assert not signed_in(second)


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lockout(alice):
    turn_on_totp(alice)
    client = english()
    sign_in(client, "alice")
    for _ in range(5):
        client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    response = client.post("/accounts/2fa/authenticate/", {"code": fresh_totp(SECRET)})
    assert LOCKED in str(response.context["form"].errors)
    assert not signed_in(client)
    assert LoginLockout.objects.filter(key="alice").exists()


@pytest.mark.django_db
def test_a_user_turns_on_totp_and_signs_in_with_a_recovery_code(alice):
    # given alice signed in with her password
    client = english()
    sign_in(client, "alice")
    # when she turns on two-factor sign-in
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200 and b"data:image/svg+xml;base64," in page.content
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": fresh_totp(secret)})
    # then she is shown her recovery codes
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get("/accounts/2fa/recovery-codes/").context["unused_codes"]
    assert len(codes) == 10
    # and a recovery code signs her in once
    client.post("/logout/")
    for expected in (True, False):
        other = english()
        sign_in(other, "alice")
        other.post("/accounts/2fa/authenticate/", {"code": codes[0]})
        assert signed_in(other) is expected


@pytest.mark.django_db
def test_an_administrator_must_set_up_totp_before_anything_else(make_user):
    make_user("chief", is_superuser=True)
    client = english()
    assert sign_in(client, "chief").status_code == 302
    # every page leads to the set-up page, htmx requests too
    for url in ("/", "/org/users/", "/org/security/"):
        response = client.get(url)
        assert (
            response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
        )
    response = client.get("/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/2fa/totp/activate/"
    # the set-up page itself and sign-out stay open; once set up, the way is free
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    client.post("/accounts/2fa/totp/activate/", {"code": fresh_totp(page.context["form"].secret)})
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_manage_users_holder_counts_as_an_administrator(make_user):
    from crm.org.models import Role

    role = Role.objects.create(code="user_admin", name_zh="用户管理", name_en="User admin")
    role.specials = ["manage_users"]
    role.save()
    make_user("hr", roles=[role])
    client = english()
    sign_in(client, "hr")
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
def test_an_administrator_cannot_turn_totp_off_but_a_user_can(make_user, alice):
    chief = make_user("chief", is_superuser=True)
    for user, allowed in ((chief, False), (alice, True)):
        turn_on_totp(user)
        client = english()
        sign_in(client, user.username)
        client.post("/accounts/2fa/authenticate/", {"code": fresh_totp(SECRET)})
        cache.clear()
        client.post("/accounts/2fa/totp/deactivate/")
        assert user.authenticator_set.filter(type="totp").exists() is not allowed


@pytest.mark.django_db
def test_a_language_chosen_before_a_two_factor_sign_in_becomes_the_users(alice):
    turn_on_totp(alice)
    client = english()
    client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    sign_in(client, "alice")
    alice.refresh_from_db()
    assert alice.language == "en"
    client.post("/accounts/2fa/authenticate/", {"code": fresh_totp(SECRET)})
    alice.refresh_from_db()
    assert alice.language == "zh-hans"


# ------------------------------------------------------------------------------ sessions


def _age(client: Client, **seconds) -> None:
    """Move a test client's session clocks into the past."""
    session = client.session
    for key, value in seconds.items():
        session[key] = session[key] - value
    session.save()


@pytest.mark.django_db
def test_an_idle_session_ends_on_the_server(alice):
    client = english()
    sign_in(client, "alice")
    key = client.session.session_key
    assert UserSession.objects.filter(session_key=key, user=alice).exists()
    # when 31 minutes pass without a request
    _age(client, crm_seen_at=31 * 60)
    response = client.get("/")
    # then the request is treated as signed out, and nothing of the session is left
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert LoginEvent.objects.filter(result=LoginResult.EXPIRED, user=alice).exists()


@pytest.mark.django_db
def test_a_busy_session_still_ends_after_its_absolute_lifetime(alice):
    client = english()
    sign_in(client, "alice")
    _age(client, crm_signed_in_at=12 * 3600 + 1)
    assert client.get("/").status_code == 302
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_timeouts_are_configurable(alice, settings):
    settings.CRM_SESSION_IDLE_MINUTES = 5
    client = english()
    sign_in(client, "alice")
    assert client.session.get_expiry_age() == 5 * 60
    _age(client, crm_seen_at=4 * 60)
    assert client.get("/").status_code == 200
    _age(client, crm_seen_at=5 * 60 + 1)
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_last_seen_is_written_at_most_once_a_minute(alice):
    client = english()
    sign_in(client, "alice")
    row = UserSession.objects.get()
    UserSession.objects.update(last_seen_at=row.last_seen_at - timedelta(seconds=30))
    client.get("/")
    assert UserSession.objects.get().last_seen_at == row.last_seen_at - timedelta(seconds=30)
    _age(client, crm_seen_at=61)
    client.get("/")
    assert UserSession.objects.get().last_seen_at > row.last_seen_at


@pytest.mark.django_db
def test_logout_kills_the_session_on_the_server(alice):
    client = english()
    sign_in(client, "alice")
    cookie = client.cookies["sessionid"].value
    client.post("/logout/")
    thief = english()
    thief.cookies["sessionid"] = cookie
    assert thief.get("/").status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    assert not UserSession.objects.exists()
    assert LoginEvent.objects.filter(result=LoginResult.LOGOUT).count() == 1


@pytest.mark.django_db
def test_the_sessions_table_keeps_no_rows_of_dead_sessions(alice):
    client = english()
    sign_in(client, "alice")
    UserSession.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert sessions.purge_stale() == 1


# ------------------------------------------------------------------------ re-authentication


def _sensitive(request):
    from django.http import HttpResponse

    return HttpResponse("done")


@pytest.mark.django_db
def test_recent_auth_required_asks_again_after_five_minutes(alice, rf):
    from django.contrib.sessions.backends.db import SessionStore

    from crm.org.security import recent_auth_required

    view = recent_auth_required(_sensitive)
    client = english()
    sign_in(client, "alice")
    request = rf.get("/sensitive/")
    request.user = alice
    request.session = SessionStore(client.session.session_key)
    # just signed in: allowed
    assert view(request).status_code == 200
    # five minutes later: refused, for htmx with a full-page redirect to the password page
    records = request.session["account_authentication_methods"]
    for record in records:
        record["at"] -= 301
    request.session["account_authentication_methods"] = records
    from allauth.core.exceptions import ReauthenticationRequired

    with pytest.raises(ReauthenticationRequired):
        view(request)
    htmx = rf.get(
        "/sensitive/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/org/"}
    )
    htmx.user, htmx.session = alice, request.session
    assert view(htmx)["HX-Redirect"] == "/accounts/reauthenticate/?next=%2Forg%2F"


@pytest.mark.django_db
def test_a_stale_session_confirms_its_password_and_goes_on(alice):
    client = english()
    client.force_login(alice)  # no password check in this session
    response = client.get("/org/logs/changes/export/")
    assert response.status_code == 403  # alice may not see logs at all
    chief = english()
    from crm.org.models import User

    boss = User.objects.create_user("boss2", password=PASSWORD, is_superuser=True, language="en")
    chief.force_login(boss)
    response = chief.get("/org/logs/changes/export/")
    assert response.status_code == 302
    assert (
        response["Location"] == "/accounts/reauthenticate/?next=%2Forg%2Flogs%2Fchanges%2Fexport%2F"
    )
    response = chief.post(response["Location"], {"password": "wrong-password-123"})
    assert "Wrong password." in str(response.context["form"].errors)
    response = chief.post(
        "/accounts/reauthenticate/?next=/org/logs/changes/export/", {"password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/org/logs/changes/export/"
    assert chief.get("/org/logs/changes/export/").status_code == 200


@pytest.mark.django_db
def test_recent_auth_required_can_let_the_page_open_and_guard_only_the_submit(alice, rf):
    from allauth.core.exceptions import ReauthenticationRequired
    from django.contrib.sessions.backends.db import SessionStore

    from crm.org.security import recent_auth_required

    view = recent_auth_required(allow_get=True)(_sensitive)
    client = english()
    client.force_login(alice)  # no password check in this session
    for method in ("get", "post"):
        request = getattr(rf, method)("/sensitive/")
        request.user, request.session = alice, SessionStore(client.session.session_key)
        if method == "get":
            assert view(request).status_code == 200
        else:
            with pytest.raises(ReauthenticationRequired):
                view(request)
