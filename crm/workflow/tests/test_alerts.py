"""Alerts: a rule's run finds every matching record in one statement, reports each once
per period, and tells each recipient once with a count of what concerns them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from crm.core.contributions import DemoContext
from crm.core.errors import AccessDenied, ValidationFailed
from crm.customers.models import Customer
from crm.customization.models import DictionaryItem
from crm.messaging.models import EmailMessage, Notification
from crm.messaging.services import set_email_kinds
from crm.workflow import alerts
from crm.workflow.models import AlertHit, AlertRule, AlertSchedule

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 15 June 2026, 08:40 in Shanghai.
NOW = datetime.datetime(2026, 6, 15, 8, 40, tzinfo=SHANGHAI)
OLD = NOW - datetime.timedelta(days=45)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"), timezone.override(SHANGHAI):
        yield


def level(code):
    return DictionaryItem.objects.get(dictionary__code="customer_level", code=code)


def not_updated_a_level(admin, users=(), **fields):
    """A-level customers not updated for 30 days, daily at 08:30, to owners and superiors."""
    fields.setdefault("to_superior", True)
    return alerts.save_rule(
        AlertRule(name="A-level customers not updated for 30 days", type_key="customer", **fields),
        actor=admin,
        users=list(users),
        conditions=[
            {"field": "level", "op": "eq", "value": level("a").pk},
            {"field": "updated_at", "op": "older_than_days", "value": "30"},
        ],
    )


def customers(owner, count, *, code="a", updated_at=OLD, start=0):
    """`count` customers of `owner` bulk-created at a level, last changed at `updated_at`."""
    made = Customer.objects.bulk_create(
        Customer(owner=owner, name=f"{owner.username}客户{start + n}", level=level(code))
        for n in range(count)
    )
    Customer.objects.filter(pk__in=[c.pk for c in made]).update(updated_at=updated_at)
    return made


def alerts_of(user):
    return list(Notification.objects.filter(user=user, kind="alert").order_by("pk"))


def test_a_run_records_every_matching_record_in_one_statement(
    admin, org, django_assert_max_num_queries
):
    seller, manager = org["seller"], org["manager"]
    customers(seller, 2000)
    customers(manager, 500)
    customers(seller, 300, code="b")  # another level
    customers(seller, 200, updated_at=NOW - datetime.timedelta(days=5), start=5000)  # recent
    rule = not_updated_a_level(admin)

    with django_assert_max_num_queries(25):
        added = alerts.evaluate(rule, now=NOW)

    assert added == 2500
    hits = AlertHit.objects.filter(rule=rule)
    assert hits.count() == 2500 and set(hits.values_list("period", flat=True)) == {"2026-06-15"}
    expected = set(
        Customer.objects.filter(
            level=level("a"), updated_at__lt=NOW - datetime.timedelta(30)
        ).values_list("pk", flat=True)
    )
    assert set(hits.values_list("object_id", flat=True)) == expected


def test_each_recipient_gets_one_digest_counting_what_concerns_them(admin, org):
    seller, manager, director = org["seller"], org["manager"], org["director"]
    customers(seller, 40)
    customers(manager, 7)
    rule = not_updated_a_level(admin)

    alerts.evaluate(rule, now=NOW)

    # seller owns 40; manager owns 7 and is seller's superior (40); director is manager's.
    assert [n.title for n in alerts_of(seller)] == [
        "A-level customers not updated for 30 days: 40 customers"
    ]
    assert [n.title for n in alerts_of(manager)] == [
        "A-level customers not updated for 30 days: 47 customers"
    ]
    assert [n.title for n in alerts_of(director)] == [
        "A-level customers not updated for 30 days: 7 customers"
    ]
    digest = alerts_of(seller)[0]
    assert digest.url == f"/workflow/alerts/{rule.pk}/hits/?period=2026-06-15"
    assert digest.body == "level = A - Key account; updated at more than 30 days ago"


def test_role_holders_and_named_users_are_told_what_they_may_see(admin, org):
    seller, manager, clerk = org["seller"], org["manager"], org["clerk"]
    customers(seller, 3)
    rule = not_updated_a_level(admin, [manager, clerk], to_owner=False, to_superior=False)

    alerts.evaluate(rule, now=NOW)

    assert [n.title for n in alerts_of(manager)] == [
        "A-level customers not updated for 30 days: 3 customers"
    ]
    assert alerts_of(clerk) == []  # sees none of them
    assert alerts_of(seller) == []


def test_a_digest_is_written_in_the_recipients_language(admin, org):
    seller = org["seller"]
    seller.language = "zh-hans"
    seller.save()
    customers(seller, 2)
    rule = not_updated_a_level(admin, to_superior=False)

    alerts.evaluate(rule, now=NOW)

    [digest] = alerts_of(seller)
    assert digest.title == "A-level customers not updated for 30 days：2 个客户"
    assert digest.body == "等级 = A 重要客户; 修改时间 早于 30 天前"


def test_a_second_run_in_the_period_tells_nobody_again_and_the_next_period_does(admin, org):
    seller = org["seller"]
    customers(seller, 30)
    rule = not_updated_a_level(admin, to_superior=False)
    alerts.evaluate(rule, now=NOW)

    again = alerts.evaluate(rule, now=NOW + datetime.timedelta(hours=3))

    assert again == 0
    assert AlertHit.objects.filter(rule=rule).count() == 30
    assert len(alerts_of(seller)) == 1

    customers(seller, 2, start=100)
    later = alerts.evaluate(rule, now=NOW + datetime.timedelta(hours=4))
    assert later == 2
    assert [n.title for n in alerts_of(seller)][-1].endswith(": 2 customers")

    tomorrow = alerts.evaluate(rule, now=NOW + datetime.timedelta(days=1))
    assert tomorrow == 32
    assert AlertHit.objects.filter(rule=rule, period="2026-06-16").count() == 32
    assert len(alerts_of(seller)) == 3


def test_a_deleted_record_is_not_reported(admin, org):
    seller = org["seller"]
    first, second = customers(seller, 2)
    Customer.all_objects.filter(pk=first.pk).update(deleted_at=NOW)
    rule = not_updated_a_level(admin, to_superior=False)

    assert alerts.evaluate(rule, now=NOW) == 1
    assert list(AlertHit.objects.values_list("object_id", flat=True)) == [second.pk]


def test_a_daily_rule_runs_once_a_day_from_its_time(admin, org):
    customers(org["seller"], 3)
    rule = not_updated_a_level(admin, to_superior=False)
    morning = NOW.replace(hour=8, minute=0)

    assert alerts.run_due(morning) == 0
    assert alerts.run_due(morning.replace(minute=31)) == 1
    assert alerts.run_due(morning.replace(hour=17)) == 0
    assert alerts.run_due(morning + datetime.timedelta(days=1)) == 0
    assert alerts.run_due(morning + datetime.timedelta(days=1, minutes=30)) == 1

    rule.refresh_from_db()
    assert rule.last_run_at == morning + datetime.timedelta(days=1, minutes=30)
    assert set(AlertHit.objects.values_list("period", flat=True)) == {"2026-06-15", "2026-06-16"}


def test_an_hourly_rule_runs_once_an_hour_and_an_inactive_one_never(admin, org):
    customers(org["seller"], 3)
    hourly = not_updated_a_level(admin, schedule=AlertSchedule.HOURLY)
    asleep = not_updated_a_level(admin, schedule=AlertSchedule.HOURLY, is_active=False)

    assert alerts.run_due(NOW.replace(hour=10, minute=5)) == 1
    assert alerts.run_due(NOW.replace(hour=10, minute=59)) == 0
    assert alerts.run_due(NOW.replace(hour=11, minute=0)) == 1

    assert set(AlertHit.objects.filter(rule=hourly).values_list("period", flat=True)) == {
        "2026-06-15T10",
        "2026-06-15T11",
    }
    assert not AlertHit.objects.filter(rule=asleep).exists()


def test_email_only_rules_send_email_to_those_who_did_not_choose_it(admin, org):
    seller = org["seller"]
    seller.email = "seller@example.com"
    seller.save()
    set_email_kinds([], actor=seller)
    customers(seller, 2)
    rule = not_updated_a_level(admin, to_superior=False, by_inbox=False, by_email=True)

    alerts.evaluate(rule, now=NOW)

    assert alerts_of(seller) == []
    [email] = EmailMessage.objects.all()
    assert email.to == ["seller@example.com"]
    assert email.subject == "A-level customers not updated for 30 days: 2 customers"


def test_a_rule_without_recipients_or_channels_is_refused(admin):
    rule = AlertRule(
        name="Nobody", type_key="customer", to_owner=False, by_inbox=False, by_email=False
    )
    rows = [{"field": "updated_at", "op": "older_than_days", "value": "x"}]

    with pytest.raises(ValidationFailed) as refused:
        alerts.save_rule(rule, actor=admin, conditions=rows)

    assert refused.value.fields == {
        "conditions.0.value": ["Enter a whole number of days from 1 to 36500."],
        "recipients": ["Choose who is alerted."],
        "channels": ["Choose how they are alerted."],
    }
    assert not AlertRule.objects.exists()


def test_only_administrators_set_up_alert_rules(org):
    rule = AlertRule(name="Mine", type_key="customer")
    rows = [{"field": "updated_at", "op": "older_than_days", "value": "30"}]

    with pytest.raises(AccessDenied):
        alerts.save_rule(rule, actor=org["seller"], conditions=rows)

    assert not AlertRule.objects.exists()


def test_the_hits_page_lists_only_what_the_user_may_see(admin, org, client_for):
    seller, manager, clerk = org["seller"], org["manager"], org["clerk"]
    own = customers(seller, 2)
    theirs = customers(manager, 1)
    rule = not_updated_a_level(admin)
    alerts.evaluate(rule, now=NOW)
    url = f"/workflow/alerts/{rule.pk}/hits/"

    def shown(user):
        page = client_for(user).get(url).content.decode()
        return {c.pk for c in [*own, *theirs] if f'data-hit="{c.pk}"' in page}

    assert shown(seller) == {c.pk for c in own}
    assert shown(manager) == {c.pk for c in [*own, *theirs]}
    assert shown(clerk) == set()


def test_the_demo_adds_its_rules_once(admin):
    made = []
    context = DemoContext(admin=admin, users={}, created=lambda what: made.append(what))

    alerts.demo(context)
    alerts.demo(context)

    names = set(AlertRule.objects.values_list("name", flat=True))
    assert "A 级客户 30 天未更新" in names and len(made) == len(names) >= 2


# Pages ----------------------------------------------------------------------------------

RULE_FORM = {
    "name": "Quiet customers",
    "type_key": "customer",
    "to_owner": "on",
    "schedule": "daily",
    "time_of_day": "09:15",
    "by_inbox": "on",
    "is_active": "on",
    "conditions-TOTAL_FORMS": "1",
    "conditions-INITIAL_FORMS": "0",
    "conditions-0-field": "updated_at",
    "conditions-0-op": "older_than_days",
    "conditions-0-value": "30",
}


def test_an_administrator_sets_up_a_rule_in_the_browser(admin, client_for):
    client = client_for(admin)

    response = client.post("/workflow/alerts/new/", RULE_FORM)

    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.name, rule.schedule, rule.time_of_day) == (
        "Quiet customers",
        "daily",
        datetime.time(9, 15),
    )
    assert rule.conditions == [{"field": "updated_at", "op": "older_than_days", "value": 30}]
    page = client.get("/workflow/alerts/").content.decode()
    assert "Quiet customers" in page and "Updated at more than 30 days ago" in page


def test_a_rule_form_without_recipients_says_so_and_saves_nothing(admin, client_for):
    response = client_for(admin).post("/workflow/alerts/new/", {**RULE_FORM, "to_owner": ""})

    assert response.status_code == 200
    assert "Choose who is alerted." in response.content.decode()
    assert not AlertRule.objects.exists()


def test_others_may_not_open_or_change_the_rules(admin, org, client_for):
    rule = not_updated_a_level(admin)
    client = client_for(org["seller"])

    assert client.get("/workflow/alerts/").status_code == 403
    assert client.post("/workflow/alerts/new/", RULE_FORM).status_code == 403
    assert client.get(f"/workflow/alerts/{rule.pk}/").status_code == 403
    assert client.post(f"/workflow/alerts/{rule.pk}/", RULE_FORM).status_code == 403
    assert client.post(f"/workflow/alerts/{rule.pk}/deactivate/").status_code == 403

    rule.refresh_from_db()
    assert rule.is_active and rule.version == 1 and rule.name != RULE_FORM["name"]
    assert AlertRule.objects.count() == 1


def test_an_administrator_deactivates_a_rule(admin, client_for):
    rule = not_updated_a_level(admin)

    client_for(admin).post(f"/workflow/alerts/{rule.pk}/deactivate/")

    rule.refresh_from_db()
    assert not rule.is_active and rule.version == 2


def test_the_rule_form_offers_the_chosen_types_fields_in_chinese(admin, client_for):
    rule = not_updated_a_level(admin)
    admin.language = "zh-hans"
    admin.save()
    client = client_for(admin)

    page = client.get(f"/workflow/alerts/{rule.pk}/")
    redrawn = client.post(
        "/workflow/alerts/new/",
        {**RULE_FORM, "refresh": "1", "conditions-op": "add"},
        headers={"HX-Request": "true"},
    )

    assert page.status_code == 200 and "修改时间" in page.content.decode()
    assert redrawn.status_code == 200
    assert redrawn.content.decode().count("data-condition=") == 2
    assert not AlertRule.objects.exclude(pk=rule.pk).exists()


def test_alerts_older_than_a_month_are_forgotten(admin, org):
    customers(org["seller"], 2, updated_at=NOW - datetime.timedelta(days=100))
    rule = not_updated_a_level(admin, schedule=AlertSchedule.HOURLY)
    for days in (40, 36, 35, 1):
        alerts.evaluate(rule, now=NOW - datetime.timedelta(days=days))

    gone = alerts.purge_hits(NOW)

    assert gone == 4
    assert sorted(set(AlertHit.objects.values_list("period", flat=True))) == [
        "2026-05-11T08",
        "2026-06-14T08",
    ]
