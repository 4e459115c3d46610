"""Announcements (公告): published to a department and its sub-departments only, listed for
administrators, withdrawn from every inbox; refused for others with nothing changed."""

import pytest
from django.utils import timezone

from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.models import ObjectChange
from crm.messaging import services
from crm.messaging.models import Announcement, Kind, Notification
from crm.org.models import Employee, OrgUnit, OrgUnitKind
from crm.org.services import save_employee, save_org_unit


@pytest.fixture
def company(admin, make_user):
    """east company -> sales -> key accounts; south company -> service; one person in each."""

    def unit(name, kind, parent=None):
        return save_org_unit(OrgUnit(name=name, kind=kind, parent=parent), actor=admin)

    group = unit("星海集团", OrgUnitKind.GROUP)
    east = unit("华东分公司", OrgUnitKind.COMPANY, group)
    sales = unit("销售部", OrgUnitKind.DEPARTMENT, east)
    key_accounts = unit("大客户组", OrgUnitKind.DEPARTMENT, sales)
    south = unit("华南分公司", OrgUnitKind.COMPANY, group)
    service = unit("服务部", OrgUnitKind.DEPARTMENT, south)
    people = {}
    for username, department in (
        ("east_boss", east),
        ("seller", sales),
        ("key_seller", key_accounts),
        ("engineer", service),
    ):
        user = make_user(username)
        save_employee(Employee(name=username, department=department, user=user), actor=admin)
        people[username] = user
    people["gone"] = make_user("gone", is_active=False)
    save_employee(Employee(name="gone", department=sales, user=people["gone"]), actor=admin)
    return {"sales": sales, "people": people}


@pytest.mark.django_db
def test_an_announcement_reaches_a_department_and_its_sub_departments_only(admin, company):
    announcement = Announcement(
        title="季度销售会议", body="周五下午三点\n三楼会议室", department_ids=[company["sales"].pk]
    )

    published = services.publish_announcement(announcement, actor=admin)

    reached = set(Notification.objects.values_list("user__username", flat=True))
    assert reached == {"seller", "key_seller"}
    assert published.reached == 2
    assert set(Notification.objects.values_list("kind", "title")) == {
        (Kind.ANNOUNCEMENT, "季度销售会议")
    }
    assert ObjectChange.objects.filter(object_id=announcement.pk, action="create").exists()
    seller = company["people"]["seller"]
    assert list(services.current_announcements(seller)) == [announcement]
    assert list(services.current_announcements(company["people"]["engineer"])) == []


@pytest.mark.django_db
def test_an_announcement_to_everyone_reaches_every_active_user(admin, company):
    services.publish_announcement(Announcement(title="放假通知"), actor=admin)

    reached = set(Notification.objects.values_list("user__username", flat=True))
    assert reached == {"boss", "east_boss", "seller", "key_seller", "engineer"}


@pytest.mark.django_db
def test_withdrawing_takes_it_out_of_every_inbox(admin, company):
    announcement = services.publish_announcement(
        Announcement(title="放假通知"), actor=admin
    ).announcement

    services.withdraw_announcement(announcement, actor=admin)

    assert Notification.objects.count() == 0
    announcement.refresh_from_db()
    assert announcement.withdrawn_at is not None
    assert services.current_announcements(company["people"]["seller"]).count() == 0


@pytest.mark.django_db
def test_an_expiry_in_the_past_is_refused(admin, company):
    past = timezone.now() - timezone.timedelta(hours=1)

    with pytest.raises(ValidationFailed) as refused:
        services.publish_announcement(Announcement(title="迟到", expires_at=past), actor=admin)

    assert list(refused.value.fields) == ["expires_at"]
    assert Announcement.objects.count() == Notification.objects.count() == 0


@pytest.mark.django_db
def test_only_administrators_publish(alice, company):
    with pytest.raises(AccessDenied):
        services.publish_announcement(Announcement(title="我来发公告"), actor=alice)

    assert Announcement.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_the_pages_publish_list_and_withdraw(admin, company, client_for):
    client = client_for(admin)
    form = client.get("/messages/announcements/new/")
    assert form.status_code == 200

    response = client.post(
        "/messages/announcements/new/",
        {"title": "季度销售会议", "body": "周五", "departments": [company["sales"].pk]},
    )

    assert response.status_code == 302
    listing = client.get("/messages/announcements/").content.decode()
    assert "季度销售会议" in listing and "销售部" in listing
    announcement = Announcement.objects.get()
    client.post(f"/messages/announcements/{announcement.pk}/withdraw/")
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_the_pages_refuse_others(admin, alice, client_for):
    published = services.publish_announcement(Announcement(title="放假通知"), actor=admin)
    announcement = published.announcement
    client = client_for(alice)

    assert client.get("/messages/announcements/").status_code == 403
    assert client.post("/messages/announcements/new/", {"title": "x"}).status_code == 403
    withdraw = client.post(f"/messages/announcements/{announcement.pk}/withdraw/")

    assert withdraw.status_code == 403
    assert list(Announcement.objects.values_list("title", "withdrawn_at")) == [("放假通知", None)]
    assert Notification.objects.count() == published.reached


@pytest.mark.django_db
def test_the_workbench_shows_the_latest_current_announcements(admin, alice, client_for):
    client = client_for(alice)
    assert "data-announcements" not in client.get("/").content.decode()
    for title in ("一", "二", "三", "四"):
        services.publish_announcement(Announcement(title=f"公告{title}"), actor=admin)
    expired = services.publish_announcement(
        Announcement(title="过期公告", expires_at=timezone.now() + timezone.timedelta(days=1)),
        actor=admin,
    ).announcement
    Announcement.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    home = client.get("/").content.decode()

    assert [t for t in ("公告一", "公告二", "公告三", "公告四", "过期公告") if t in home] == [
        "公告二",
        "公告三",
        "公告四",
    ]
