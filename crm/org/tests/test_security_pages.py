"""Pages of account security: my sessions, online users, the sign-in log with lockouts,
and the operation log with its filters and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from crm.conftest import PASSWORD
from crm.core.models import ObjectChange
from crm.org.models import (
    Employee,
    LoginEvent,
    LoginLockout,
    OrgUnit,
    OrgUnitKind,
    Role,
    UserSession,
)
from crm.org.services import save_employee, save_org_unit
from crm.org.tests.test_security import english, sign_in, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _role(code: str, *specials: str) -> Role:
    return Role.objects.create(code=code, name_zh=code, name_en=code, specials=list(specials))


@pytest.fixture
def auditor(make_user):
    """May read the logs, nothing more."""
    return make_user("auditor", roles=[_role("auditor", "view_logs")])


@pytest.fixture
def chief(make_user):
    """An administrator (superuser)."""
    return make_user("chief", is_superuser=True)


def browser_of(username: str, agent: str = "Mozilla/5.0 (Windows NT 10.0) Chrome/120") -> Client:
    client = Client(headers={"user-agent": agent, "accept-language": "en"})
    assert sign_in(client, username).status_code == 302
    return client


# ------------------------------------------------------------------------------ my sessions


def test_a_user_sees_their_sessions_and_ends_another(alice, bob):
    laptop = browser_of("alice")
    phone = browser_of("alice", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1")
    browser_of("bob")
    page = laptop.get("/org/security/")
    rows = page.context["sessions"]
    assert [r.browser for r in rows] == ["Safari · iOS", "Chrome · Windows"]
    assert [r.is_current for r in rows] == [False, True]
    assert b"Safari \xc2\xb7 iOS" in page.content
    # when she ends the phone's session, the phone is signed out and the laptop is not
    laptop.post(f"/org/security/sessions/{rows[0].pk}/end/")
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200
    assert UserSession.objects.filter(user=alice).count() == 1


def test_a_user_cannot_end_someone_elses_session(alice, bob):
    laptop = browser_of("alice")
    theirs = browser_of("bob")
    row = UserSession.objects.get(user__username="bob")
    assert laptop.post(f"/org/security/sessions/{row.pk}/end/").status_code == 404
    assert theirs.get("/").status_code == 200
    assert UserSession.objects.filter(pk=row.pk).exists()


def test_end_all_other_sessions(alice):
    clients = [browser_of("alice") for _ in range(3)]
    clients[0].post("/org/security/sessions/end-others/")
    assert [c.get("/").status_code for c in clients] == [200, 302, 302]


def test_the_security_page_lists_recent_sign_ins(alice):
    sign_in(english(), "alice", "wrong-password-123")
    page = browser_of("alice").get("/org/security/")
    assert [r["result"] for r in page.context["recent"]] == ["success", "failure"]
    assert page.context["has_totp"] is False


# ---------------------------------------------------------------------------- online users


def test_online_users_shows_live_sessions_to_log_readers_only(alice, bob, auditor, client_for):
    browser_of("alice")
    browser_of("bob")
    UserSession.objects.filter(user=bob).update(last_seen_at=timezone.now() - timedelta(hours=1))
    page = client_for(auditor).get("/org/logs/online/")
    assert page.status_code == 200
    assert {r.user.username for r in page.context["sessions"]} >= {"alice"}
    assert "bob" not in {r.user.username for r in page.context["sessions"]}
    assert page.context["can_end"] is False
    assert client_for(alice).get("/org/logs/online/").status_code == 403


def test_an_administrator_ends_someones_session(alice, chief, auditor, client_for):
    victim = browser_of("alice")
    row = UserSession.objects.get(user=alice)
    # a log reader may not
    assert client_for(auditor).post(f"/org/logs/online/{row.pk}/end/").status_code == 403
    assert victim.get("/").status_code == 200
    # an administrator may
    assert client_for(chief).post(f"/org/logs/online/{row.pk}/end/").status_code == 302
    assert victim.get("/").status_code == 302


# --------------------------------------------------------------------------- sign-in log


def test_the_sign_in_log_filters_and_shows_lockouts(alice, auditor, client_for):
    for _ in range(5):
        sign_in(english(), "alice", "wrong-password-123")
    client = client_for(auditor)
    page = client.get("/org/logs/logins/")
    assert page.status_code == 200
    assert [lockout.key for lockout in page.context["lockouts"]] == ["alice"]
    assert page.context["can_lift"] is False
    assert len(page.context["page"].rows) == 5
    filtered = client.get("/org/logs/logins/", {"username": "Alice", "result": "success"})
    assert filtered.context["page"].rows == []
    assert client.get("/org/logs/logins/", {"ip": "not-an-ip"}).context["page"].rows == []


def test_only_user_managers_lift_a_lockout(alice, auditor, chief, client_for):
    for _ in range(5):
        sign_in(english(), "alice", "wrong-password-123")
    lockout = LoginLockout.objects.get()
    # refused for a log reader: nothing changes
    assert client_for(auditor).post(f"/org/logs/lockouts/{lockout.pk}/lift/").status_code == 403
    lockout.refresh_from_db()
    assert lockout.lifted_at is None
    # an administrator lifts it: alice signs in again, and three failures do not re-lock
    client_for(chief).post(f"/org/logs/lockouts/{lockout.pk}/lift/")
    lockout.refresh_from_db()
    assert lockout.lifted_by == chief
    for _ in range(3):
        sign_in(english(), "alice", "wrong-password-123")
    client = english()
    assert sign_in(client, "alice").status_code == 302 and signed_in(client)


def test_log_pages_refuse_people_without_view_logs(alice, client_for, client):
    for url in ("/org/logs/logins/", "/org/logs/changes/", "/org/logs/online/"):
        assert client_for(alice).get(url).status_code == 403
        assert client.get(url)["Location"].startswith("/login/")


def test_the_sign_in_log_exports_csv_after_a_fresh_password(alice, auditor):
    sign_in(english(), "alice", "wrong-password-123")
    reader = browser_of("auditor")
    response = reader.get("/org/logs/logins/export/", {"username": "alice"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["time", "user name"]
    assert [(r[1], r[3]) for r in rows[1:]] == [("alice", "Wrong user name or password")]


# ---------------------------------------------------------------------------- operation log


@pytest.fixture
def changes(chief, alice):
    """A unit made by chief, an employee with a mobile number made by chief and changed."""
    unit = save_org_unit(OrgUnit(name="星海集团", kind=OrgUnitKind.GROUP), actor=chief)
    employee = save_employee(
        Employee(name="孙销售", department=unit, phone="13812345678"), actor=chief
    )
    employee.post = "销售"
    save_employee(employee, actor=chief, expected_version=employee.version)
    return unit, employee


def test_the_operation_log_filters_by_who_type_record_and_period(
    changes, auditor, chief, client_for
):
    unit, _employee = changes
    client = client_for(auditor)
    everything = client.get("/org/logs/changes/")
    assert everything.status_code == 200
    assert len(everything.context["page"].rows) == 3

    def shown(**params):
        page = client.get("/org/logs/changes/", params).context["page"]
        return [(r["object_repr"], r["action"]) for r in page.rows]

    assert shown(type="org.employee") == [("孙销售", "update"), ("孙销售", "create")]
    assert shown(type="org.orgunit", record=unit.pk) == [("星海集团", "create")]
    assert shown(actor=chief.pk, action="update") == [("孙销售", "update")]
    assert shown(actor=auditor.pk) == []
    today = timezone.localdate()
    assert len(shown(since=today.isoformat(), until=today.isoformat())) == 3
    assert shown(until=(today - timedelta(days=1)).isoformat()) == []
    assert shown(record="not-a-number") == []


def test_the_operation_log_masks_phone_numbers(changes, auditor, make_user, client_for):
    # the page masks them for everyone, as every page does (crm.core.masking)
    unmasker = make_user("unmasker", roles=[_role("both", "view_logs", "unmask")])
    for reader in (auditor, unmasker):
        page = client_for(reader).get("/org/logs/changes/", {"type": "org.employee"})
        created = page.context["page"].rows[-1]
        phone = next(f for f in created["fields"] if f.label == "Phone")
        assert phone.after == "138****5678"
        assert b"13812345678" not in page.content
    # the export gives holders of "unmask" the numbers
    export = browser_of("unmasker").get("/org/logs/changes/export/", {"type": "org.employee"})
    assert "13812345678" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_the_operation_log_exports_csv_with_its_filters(changes, auditor):
    reader = browser_of("auditor")
    response = reader.get("/org/logs/changes/export/", {"type": "org.employee"})
    assert response["Content-Disposition"].startswith('attachment; filename="operation-log-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["Updated", "Created"]
    assert all("13812345678" not in cell for r in rows for cell in r)
    assert "138****5678" in rows[2][6]


def test_exports_need_a_recent_password_check(changes, auditor):
    from django.test import Client

    stale = Client()
    stale.force_login(auditor)  # no password check in this session
    response = stale.get("/org/logs/changes/export/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_no_log_holds_the_password(alice):
    client = english()
    sign_in(client, "alice", "Secret-guess-42")
    sign_in(client, "alice")
    client.post("/logout/")
    dump = str(list(LoginEvent.objects.values())) + str(list(ObjectChange.objects.values()))
    assert "Secret-guess-42" not in dump and PASSWORD not in dump
