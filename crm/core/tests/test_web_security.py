"""What every response carries for the browser's safety: redirects that stay on the site,
the content security policy, caching and transport headers, the request size limit, and
refusals logged without a traceback."""

import json
import logging
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import include, path

from crm import cli
from crm.conftest import PASSWORD
from crm.core.errors import AccessDenied
from crm.core.models import Job
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

ENGLISH = {"Accept-Language": "en"}
ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]


@pytest.mark.django_db
@pytest.mark.parametrize("back", ELSEWHERE)
def test_a_bulk_action_never_sends_the_user_to_another_site(alice, client_for, back):
    customer = make_customer(alice)
    client = client_for(alice)
    response = client.post(
        "/customers/bulk/", {"action": "delete", "ids": [customer.pk], "back": back}
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    htmx = client.post(
        "/customers/bulk/", {"action": "delete", "back": back}, headers={"HX-Request": "true"}
    )
    assert htmx["HX-Redirect"] == "/customers/"
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_a_bulk_action_goes_back_to_the_list_page_it_came_from(alice, client_for):
    back = "/customers/?status=formal&ordering=name"
    response = client_for(alice).post("/customers/bulk/", {"action": "delete", "back": back})
    assert response["Location"] == back


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ELSEWHERE)
def test_switching_language_never_sends_the_user_to_another_site(alice, client_for, next_url):
    response = client_for(alice).post("/language/", {"language": "en", "next": next_url})
    assert response["Location"] == "/"
    referred = client_for(alice).post(
        "/language/", {"language": "en"}, headers={"Referer": next_url}
    )
    assert referred["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ELSEWHERE)
def test_signing_in_never_sends_the_user_to_another_site(alice, next_url):
    response = Client().post(
        "/login/", {"username": "alice", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


# ------------------------------------------------------------ content security policy


def pages(user) -> list[str]:
    """A page of each kind: workbench, list, detail, forms, imports, settings, errors."""
    customer = make_customer(user)
    return [
        "/",
        "/customers/",
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/edit/",
        "/customers/new/",
        "/customers/trash/",
        "/customers/import/",
        "/contacts/",
        "/search/?q=a",
        "/imports/",
        "/org/security/",
        "/no-such-page/",
    ]


class Markup(HTMLParser):
    """What a page holds that a policy without 'unsafe-inline' or 'unsafe-eval' stops."""

    def __init__(self):
        super().__init__()
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith(("on", "hx-on", "hx-vars")) or "javascript:" in (value or ""):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self._in_script = True

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(f"<script>{data.strip()[:60]}")


@pytest.mark.django_db
def test_every_page_has_the_policy_and_nothing_inline_that_it_would_stop(admin, client_for):
    client = client_for(admin)
    for url in [*pages(admin), "/settings/custom-fields/", "/org/users/"]:
        response = client.get(url)
        assert response["Content-Security-Policy"] == settings.CRM_CONTENT_SECURITY_POLICY, url
        markup = Markup()
        markup.feed(response.content.decode())
        assert markup.inline == [], url
    policy = dict(part.split(" ", 1) for part in settings.CRM_CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_the_sign_in_page_and_the_api_carry_the_policy(alice, api_for):
    assert "script-src 'self'" in Client().get("/login/")["Content-Security-Policy"]
    assert (
        "script-src 'self'" in api_for(alice).get("/api/v1/customers/")["Content-Security-Policy"]
    )


def test_htmx_neither_evaluates_code_nor_injects_styles():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", base).group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert ".htmx-indicator" in (Path(settings.BASE_DIR) / "static/crm/app.css").read_text()


# ------------------------------------------------------------------- caching, transport


@pytest.mark.django_db
def test_record_pages_and_the_api_are_never_stored(alice, client_for, api_for):
    customer = make_customer(alice)
    for url in pages(alice):
        assert "no-store" in client_for(alice).get(url)["Cache-Control"], url
    for url in ("/api/v1/customers/", f"/api/v1/customers/{customer.pk}/"):
        assert "no-store" in api_for(alice).get(url)["Cache-Control"], url


def test_static_files_served_by_crm_run_are_not_sniffed(rf):
    static_files = cli._wsgi_application()
    response = static_files.get_response(rf.get("/static/crm/app.css"))
    assert response.status_code == 200
    assert b".htmx-indicator" in b"".join(response.streaming_content)
    # Not response.close(): that ends a request, and the test's database connection too.
    response.file_to_stream.close()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/css")
    missing = static_files.get_response(rf.get("/static/crm/no-such-file.js"))
    assert missing.status_code == 404
    assert missing["X-Content-Type-Options"] == "nosniff"


SECURE_CHECK = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
plain = Client().get("/favicon.ico")
proxied = Client().get("/favicon.ico", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "redirect": [plain.status_code, plain.get("Location")],
    "hsts": proxied.get("Strict-Transport-Security"),
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def secure_settings(tmp_path, **env) -> dict:
    """What a fresh process with these CRM_* variables answers (settings are read once)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRM_SECURE")}
    environ.pop("CRM_TRUSTED_PROXY_COUNT", None)
    environ.update(
        DJANGO_SETTINGS_MODULE="crm.settings",
        CRM_VAR_DIR=str(tmp_path),
        CRM_ALLOWED_HOSTS="testserver",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", SECURE_CHECK], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_only_redirects_plain_http_and_sends_hsts(tmp_path):
    seen = secure_settings(tmp_path, CRM_SECURE_COOKIES="1", CRM_TRUSTED_PROXY_COUNT="1")
    assert seen["redirect"] == [301, "https://testserver/favicon.ico"]
    assert seen["hsts"] == "max-age=31536000"
    assert seen["cookies"] == [True, True]


def test_without_https_only_nothing_is_redirected(tmp_path):
    seen = secure_settings(tmp_path)
    assert seen["redirect"][0] == 301 and seen["redirect"][1].startswith("/static/")
    assert seen["hsts"] is None


# --------------------------------------------------------------------------- request size

MB = 2**20


class Unread:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def declared(client, path: str, size: int, **headers):
    """POST to `path` a request that says it carries `size` bytes (the body is never sent)."""
    return client.generic(
        "POST",
        path,
        b"-",
        content_type="multipart/form-data; boundary=x",
        headers=headers,
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": Unread()},
    )


@pytest.mark.django_db
def test_an_upload_over_the_import_limit_is_refused_before_it_is_read(alice, client_for, settings):
    settings.CRM_IMPORT_MAX_BYTES = 100 * MB
    response = declared(client_for(alice), "/customers/import/", 200 * MB, **ENGLISH)
    assert response.status_code == 413
    assert "The file is larger than 100 MB." in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_an_oversized_import_with_its_error_body(alice, api_for, settings):
    settings.CRM_IMPORT_MAX_BYTES = 100 * MB
    api = api_for(alice)
    response = declared(api.client, "/api/v1/imports/", 200 * MB, **api.headers, **ENGLISH)
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "message": "The file is larger than 100 MB.",
        "fields": {},
    }


@pytest.mark.django_db
def test_attachments_and_forms_have_their_own_limits(alice, client_for):
    customer = make_customer(alice)
    client = client_for(alice)
    attachment = declared(client, f"/customers/{customer.pk}/attachments/", 200 * MB, **ENGLISH)
    assert attachment.status_code == 413
    assert "The file is larger than 20 MB." in attachment.content.decode()
    form = declared(client, "/customers/new/", 200 * MB, **ENGLISH, **{"HX-Request": "true"})
    assert form.status_code == 413
    assert form.json()["message"] == "The request is larger than 20 MB."


@pytest.mark.django_db
def test_a_file_within_the_limit_is_taken(alice, client_for, settings):
    settings.CRM_IMPORT_MAX_BYTES = 1 * MB
    upload = SimpleUploadedFile("c.csv", "客户名称\n星海集团\n".encode(), content_type="text/csv")
    response = client_for(alice).post("/customers/import/", {"file": upload})
    assert response.status_code == 302
    assert Job.objects.count() == 1


# ------------------------------------------------------------------------------ refusals


def refused(request):
    raise AccessDenied("You may not do this.")


# The CRM's pages plus one that refuses: the 403 page links to them.
urlpatterns = [path("refused/", refused), path("", include("crm.urls"))]


def one_line(records, status: int) -> list[str]:
    """The formatted log lines of django.request's records of `status`."""
    formatter = logging.Formatter()
    return [
        formatter.format(r)
        for r in records
        if r.name == "django.request" and getattr(r, "status_code", None) == status
    ]


@pytest.mark.django_db
def test_a_refused_page_is_logged_in_one_line(make_user, client_for, caplog):
    nobody = make_user("nobody", roles=[])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for(nobody).get("/customers/").status_code == 403
    lines = one_line(caplog.records, 403)
    assert lines == ["Forbidden (Permission denied): /customers/"]


@pytest.mark.django_db
@pytest.mark.urls("crm.core.tests.test_web_security")
def test_an_access_denied_escaping_a_view_is_a_403_in_one_line(alice, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for(alice).get("/refused/").status_code == 403
    assert one_line(caplog.records, 403) == ["Forbidden (Permission denied): /refused/"]
