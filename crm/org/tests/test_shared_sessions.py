"""Two web servers sharing Redis, as a deployment behind a load balancer runs them: a session
opened on one works on the other and ends on both; a one-time code used on one is refused
on the other."""

from __future__ import annotations

import base64
import re
import secrets
import uuid

import pytest
import redis
import requests
from django.contrib.auth.hashers import Argon2PasswordHasher

from crm.conftest import PASSWORD
from crm.core.testing.processes import REDIS_URL, Server, environment, running
from crm.org.tests.test_security import fresh_totp, turn_on_totp


def _csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(browser: requests.Session, server: Server, code: str) -> requests.Response:
    """The password, then the authenticator code, as typed into the sign-in pages."""
    form = {"username": "alice", "password": PASSWORD}
    form["csrfmiddlewaretoken"] = _csrf(browser, f"{server.url}/login/")
    response = browser.post(f"{server.url}/login/", form, allow_redirects=False, timeout=10)
    assert response.headers["Location"] == "/accounts/2fa/authenticate/", response.text
    url = f"{server.url}/accounts/2fa/authenticate/"
    form = {"code": code, "csrfmiddlewaretoken": _csrf(browser, url)}
    return browser.post(url, form, allow_redirects=False, timeout=10)


def _signed_in_on(browser: requests.Session, server: Server) -> bool:
    response = browser.get(f"{server.url}/", allow_redirects=False, timeout=10)
    return response.status_code == 200


def _browser() -> requests.Session:
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    return browser


@pytest.fixture
def deployed(tmp_path):
    """Servers' environment: the cache in Redis under a prefix of this test's own."""
    prefix = f"crm-test-{uuid.uuid4().hex}"
    yield environment(tmp_path, CRM_REDIS_URL=REDIS_URL, CRM_REDIS_PREFIX=prefix)
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_session_and_a_one_time_code_hold_across_two_servers(deployed, tmp_path, alice):
    # given alice with an authenticator app and a password the servers' hasher reads
    hasher = Argon2PasswordHasher()
    alice.password = hasher.encode(PASSWORD, hasher.salt())
    alice.save(update_fields=["password"])
    secret = turn_on_totp(alice, base64.b32encode(secrets.token_bytes(20)).decode())
    one, two = Server(deployed, tmp_path / "one.log"), Server(deployed, tmp_path / "two.log")
    with running(one, two):
        one.wait_ready()
        two.wait_ready()
        # when she signs in on one server (the browser sends its cookie to both)
        code = fresh_totp(secret)
        laptop = _browser()
        assert _sign_in(laptop, one, code).status_code == 302
        # then the session works on the other
        assert _signed_in_on(laptop, one) and _signed_in_on(laptop, two)
        # and the code she used is refused on the other, within its 30 seconds
        thief = _browser()
        refused = _sign_in(thief, two, code)
        assert refused.status_code == 200 and "Wrong code" in refused.text, (
            f"the used code answered {refused.status_code} on the second server"
        )
        assert not _signed_in_on(thief, two) and not _signed_in_on(thief, one)
        # and signing out on the other ends the session on the first too, even for a copy
        # of its cookie (the first server read the session into the cache)
        copy = _browser()
        copy.cookies.update(laptop.cookies)
        csrf = _csrf(laptop, f"{two.url}/logout/")
        laptop.post(f"{two.url}/logout/", {"csrfmiddlewaretoken": csrf}, timeout=10)
        assert not _signed_in_on(laptop, two)
        assert not _signed_in_on(copy, one)
