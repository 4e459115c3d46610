"""CRM_TRUSTED_PROXY_COUNT: the client address the login log and the lockout use is the Nth
from the right of X-Forwarded-For (the header is ignored with 0). CRM_SECURE_COOKIES: a
sign-in over HTTPS sets its session and CSRF cookies Secure."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from crm.conftest import PASSWORD
from crm.org.models import LockoutKind, LoginEvent, LoginLockout, LoginResult

PROXY = "10.0.0.1"  # the address the CRM sees: the nearest proxy's
HEADER = "198.51.100.9, 203.0.113.7"  # the browser said the first, our proxy added the second


def sign_in(username: str, password: str = PASSWORD, forwarded: str | None = HEADER):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return Client().post(
        "/login/",
        {"username": username, "password": password},
        headers=headers,
        REMOTE_ADDR=PROXY,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "forwarded", "logged"),
    [
        (0, HEADER, PROXY),
        (1, HEADER, "203.0.113.7"),
        (2, HEADER, "198.51.100.9"),
        (1, None, PROXY),
        (1, "203.0.113.7:5123", "203.0.113.7"),
        (3, HEADER, None),  # fewer addresses than proxies: none is trusted
    ],
)
def test_the_login_log_takes_the_address_the_trusted_proxies_give(
    alice, settings, count, forwarded, logged
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    assert sign_in("alice", forwarded=forwarded).status_code == 302
    event = LoginEvent.objects.get()
    assert (event.user, event.result, event.ip) == (alice, LoginResult.SUCCESS, logged)


@pytest.mark.django_db
def test_the_address_lockout_locks_the_forwarded_client_not_the_proxy(alice, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.CRM_LOGIN_IP_MAX_FAILURES = 3
    for n in range(3):  # a changing first address does not escape the count
        sign_in(f"guess{n}", "wrong-password-123", forwarded=f"192.0.2.{n}, 203.0.113.7")
    lockout = LoginLockout.objects.get()
    assert (lockout.kind, lockout.key) == (LockoutKind.IP, "203.0.113.7")
    assert sign_in("alice").status_code == 200
    assert sign_in("alice", forwarded="198.51.100.9, 203.0.113.8").status_code == 302


SIGN_IN = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from crm.org.models import LoginEvent, User
call_command("migrate", verbosity=0)
User.objects.create_user(username="alice", password=PASSWORD)
client = Client(headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": HEADER})
form = client.get("/login/", REMOTE_ADDR=PROXY)
signed = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR=PROXY)
print(json.dumps({
    "status": [form.status_code, signed.status_code],
    "csrftoken": form.cookies["csrftoken"]["secure"],
    "sessionid": signed.cookies["sessionid"]["secure"],
    "ip": LoginEvent.objects.get().ip,
}))
"""


def test_a_sign_in_behind_an_https_proxy_sets_secure_cookies_and_logs_the_client(tmp_path):
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CRM_SECURE", "CRM_TRUSTED", "CRM_DATABASE"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="crm.settings",
        CRM_VAR_DIR=str(tmp_path),
        CRM_ALLOWED_HOSTS="testserver",
        CRM_SECURE_COOKIES="1",
        CRM_TRUSTED_PROXY_COUNT="1",
    )
    script = f"PASSWORD, HEADER, PROXY = {PASSWORD!r}, {HEADER!r}, {PROXY!r}\n{SIGN_IN}"
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "status": [200, 302],
        "csrftoken": True,
        "sessionid": True,
        "ip": "203.0.113.7",
    }
