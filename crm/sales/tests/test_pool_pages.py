"""The lead pool's pages: the pool (only pool leads, numbers masked, claim buttons,
filters, pages), distributing from it, a lead's claim, release and assign buttons, and
the assignment rules' settings page."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.core.models import ObjectChange
from crm.messaging.models import Notification
from crm.sales import assignment, pool_views
from crm.sales.models import AssignmentMethod, Lead, LeadAssignmentRule
from crm.sales.tests.pool_fixtures import build_org, item

POOL = "/leads/pool/"
DISTRIBUTE = "/leads/distribute/"
HTMX = {"HX-Request": "true", "HX-Target": "pool-results"}


@pytest.fixture
def org(admin, make_user):
    return build_org(admin, make_user)


def pooled(org, owner, name: str, **fields) -> Lead:
    return assignment.release(org.lead(owner, name, **fields), actor=owner)


def holder(lead: Lead) -> tuple:
    found = Lead.all_objects.get(pk=lead.pk)
    return found.owner_id, found.in_pool, found.version


def toast(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


def changes_of(model) -> int:
    content_type = ContentType.objects.get_for_model(model)
    return ObjectChange.objects.filter(content_type=content_type).count()


# --------------------------------------------------------------------------- the pool


def test_the_pool_shows_only_pool_leads_with_numbers_masked(org, client_for):
    pooled(org, org.other, "宏达机械询价", phone="02112345678")
    org.lead(org.seller, "自己的线索")

    page = client_for(org.seller).get(POOL)

    text = page.content.decode()
    assert page.status_code == 200
    assert "宏达机械询价" in text and "自己的线索" not in text
    assert "138****5678" in text and "021****5678" in text
    assert "13812345678" not in text and "02112345678" not in text
    assert "data-claim" in text and "pool-bulk" not in text


def test_the_pool_is_refused_to_who_may_not_claim(org, client_for):
    pooled(org, org.other, "宏达机械询价")

    assert client_for(org.plain).get(POOL).status_code == 403


def test_the_lead_list_links_the_pool_for_claimers_only(org, client_for):
    assert 'data-view="pool"' in client_for(org.seller).get("/leads/").content.decode()
    assert 'data-view="pool"' not in client_for(org.plain).get("/leads/").content.decode()


def test_claiming_from_the_pool_takes_the_row_away_with_a_toast(org, client_for):
    lead = pooled(org, org.other, "宏达机械询价")

    response = client_for(org.seller).post(POOL, {"claim": lead.pk}, headers=HTMX)

    assert response.status_code == 200
    assert toast(response) == {"level": "success", "message": "“宏达机械询价” is yours now."}
    assert "宏达机械询价" not in response.content.decode()
    assert holder(lead)[:2] == (org.seller.pk, False)


def test_a_lead_claimed_a_moment_ago_answers_a_warning_and_changes_nothing(org, client_for):
    lead = pooled(org, org.plain, "宏达机械询价")
    assignment.claim(lead, actor=org.other)
    before = holder(lead), changes_of(Lead)

    response = client_for(org.seller).post(POOL, {"claim": lead.pk}, headers=HTMX)

    assert toast(response) == {"level": "warning", "message": str(assignment.NOT_IN_POOL)}
    assert (holder(lead), changes_of(Lead)) == before


def test_the_pool_filters_by_source_and_pages(org, client_for, monkeypatch):
    monkeypatch.setattr(pool_views, "POOL_PAGE_SIZE", 1)
    website = item("customer_source", "website")
    first = pooled(org, org.other, "网站一", source=website)
    second = pooled(org, org.other, "网站二", source=website)
    pooled(org, org.other, "展会", source=item("customer_source", "trade_show"))
    client = client_for(org.seller)

    page = client.get(POOL, {"source": website.pk})
    rows = page.context["rows"]
    fragment = client.get(POOL, {"source": website.pk}, headers=HTMX).content.decode()
    later = client.get(POOL, {"source": website.pk, "cursor": page.context["page"].next_cursor})

    assert [row["id"] for row in rows] == [second.pk]
    assert [row["id"] for row in later.context["rows"]] == [first.pk]
    assert later.context["page"].next_cursor is None
    assert page.context["count"] == 2
    assert fragment.strip().startswith('<div id="pool-results"') and "网站二" in fragment


# --------------------------------------------------------------------------- distributing


def test_a_manager_distributes_chosen_pool_leads_by_the_rules(org, client_for):
    assignment.save_rule(
        LeadAssignmentRule(name="华东", region=item("region", "east"), assignee=org.members[0]),
        actor=org.admin,
    )
    east = pooled(org, org.members[1], "东", region=item("region", "east"))
    south = pooled(org, org.members[1], "南", region=item("region", "south"))
    client = client_for(org.manager)

    response = client.post(
        DISTRIBUTE, {"action": "route", "ids": [east.pk, south.pk], "back": POOL}
    )

    assert response.status_code == 302 and response.url == POOL
    assert holder(east)[:2] == (org.members[0].pk, False)
    assert holder(south)[:2] == (org.members[1].pk, True)
    shown = client.get(POOL).content.decode()
    assert "Leads assigned: 1; put in the pool: 1." in shown


def test_a_manager_assigns_chosen_pool_leads_and_distributes_all_that_match(org, client_for):
    rule = LeadAssignmentRule(name="全部", method=AssignmentMethod.ROUND_ROBIN, team=org.team)
    assignment.save_rule(rule, actor=org.admin)
    chosen = pooled(org, org.other, "选中的")
    website = item("customer_source", "website")
    matching = [pooled(org, org.other, f"网站{n}", source=website) for n in range(2)]
    left = pooled(org, org.other, "展会", source=item("customer_source", "trade_show"))
    client = client_for(org.manager)

    client.post(DISTRIBUTE, {"action": "assign", "ids": [chosen.pk], "owner": org.seller.pk})
    client.post(DISTRIBUTE, {"action": "route_all", "source": website.pk})

    assert holder(chosen)[:2] == (org.seller.pk, False)
    assert [holder(lead)[0] for lead in matching] == [org.members[0].pk, org.members[1].pk]
    assert holder(left)[:2] == (org.other.pk, True)
    assert Notification.objects.filter(user=org.seller).count() == 1


def test_distributing_needs_transfer_and_changes_nothing(org, client_for):
    lead = pooled(org, org.other, "宏达机械询价")
    before = holder(lead), changes_of(Lead)

    response = client_for(org.seller).post(
        DISTRIBUTE, {"action": "assign", "ids": [lead.pk], "owner": org.seller.pk}
    )

    assert response.status_code == 403
    assert (holder(lead), changes_of(Lead)) == before


# --------------------------------------------------------------------------- a lead's page


def test_the_owner_releases_with_a_reason_and_a_claimer_sees_the_claim_button(org, client_for):
    lead = org.lead(org.seller, "宏达机械询价")
    detail = f"/leads/{lead.pk}/"
    owner = client_for(org.seller)
    assert 'data-action="release"' in owner.get(detail).content.decode()
    assert owner.get(f"/leads/{lead.pk}/release/").status_code == 200

    response = owner.post(f"/leads/{lead.pk}/release/", {"reason": "客户暂无预算"})

    assert response.status_code == 302 and response.url == detail
    assert holder(lead)[:2] == (org.seller.pk, True)
    manager_page = client_for(org.manager).get(detail).content.decode()
    assert 'data-action="claim"' in manager_page
    assert 'data-action="release"' not in manager_page
    claimed = client_for(org.manager).post(f"/leads/{lead.pk}/claim/")
    assert claimed.status_code == 302 and claimed.url == detail
    assert holder(lead)[:2] == (org.manager.pk, False)


def test_release_is_refused_to_who_may_not_and_changes_nothing(org, client_for):
    lead = org.lead(org.seller, "宏达机械询价")
    before = holder(lead)
    colleague = client_for(org.other)

    assert colleague.post(f"/leads/{lead.pk}/release/").status_code == 404
    assert client_for(org.seller).post(f"/leads/{lead.pk}/claim/").status_code == 302
    assert holder(lead) == before


def test_a_manager_assigns_a_lead_from_its_page(org, client_for):
    lead = org.lead(org.seller, "宏达机械询价")
    detail = f"/leads/{lead.pk}/"
    manager = client_for(org.manager)
    assert 'data-action="assign"' in manager.get(detail).content.decode()
    assert 'data-action="assign"' not in client_for(org.seller).get(detail).content.decode()
    form = manager.get(f"/leads/{lead.pk}/assign/")
    assert form.status_code == 200

    response = manager.post(f"/leads/{lead.pk}/assign/", {"owner": org.other.pk})

    assert response.status_code == 302 and response.url == detail
    assert holder(lead)[:2] == (org.other.pk, False)
    (told,) = Notification.objects.filter(user=org.other)
    assert told.title == "Lead “宏达机械询价” assigned to you"


def test_assigning_from_a_lead_page_needs_transfer(org, client_for):
    lead = org.lead(org.seller, "宏达机械询价")
    before = holder(lead)

    response = client_for(org.seller).post(f"/leads/{lead.pk}/assign/", {"owner": org.other.pk})

    assert response.status_code == 403
    assert holder(lead) == before


# --------------------------------------------------------------------------- the rules


def rule_form(**fields) -> dict:
    return {"name": "华东轮流", "is_active": "on", "method": "round_robin", **fields}


def test_an_administrator_sets_up_the_rules_each_change_logged(org, client_for):
    client = client_for(org.admin)
    listing = reverse("sales:assignment_rule_list")
    assert client.get(listing).status_code == 200
    create = reverse("sales:assignment_rule_create")

    client.post(create, rule_form(team=org.team.pk, region=item("region", "east").pk))
    client.post(create, rule_form(name="兜底", method="owner", assignee=org.seller.pk))
    first, second = LeadAssignmentRule.objects.order_by("sort_order")
    client.post(reverse("sales:assignment_rule_move", args=[second.pk, "up"]))
    edit = reverse("sales:assignment_rule_edit", args=[first.pk])
    changed = rule_form(name="华东组轮流", team=org.team.pk, region=first.region_id, version=2)
    client.post(edit, changed)

    first.refresh_from_db()
    assert (first.name, first.sort_order, first.region.code) == ("华东组轮流", 2, "east")
    assert list(LeadAssignmentRule.objects.values_list("name", flat=True)) == [
        "兜底",
        "华东组轮流",
    ]
    page = client.get(listing).content.decode()
    assert page.index("兜底") < page.index("华东组轮流")
    client.post(reverse("sales:assignment_rule_delete", args=[second.pk]))
    assert list(LeadAssignmentRule.objects.values_list("name", flat=True)) == ["华东组轮流"]
    assert changes_of(LeadAssignmentRule) == 6


def test_a_round_robin_rule_without_a_team_is_refused_on_its_field(org, client_for):
    response = client_for(org.admin).post(reverse("sales:assignment_rule_create"), rule_form())

    assert response.status_code == 200
    assert response.context["form"].errors["team"] == ["Choose the team that takes turns."]
    assert not LeadAssignmentRule.objects.exists()


def test_the_rules_are_for_administrators_only(org, client_for):
    rule = assignment.save_rule(
        LeadAssignmentRule(name="公海", method=AssignmentMethod.POOL), actor=org.admin
    )
    manager = client_for(org.manager)
    before = changes_of(LeadAssignmentRule)

    refused = [
        manager.get(reverse("sales:assignment_rule_list")),
        manager.post(reverse("sales:assignment_rule_create"), rule_form(team=org.team.pk)),
        manager.post(reverse("sales:assignment_rule_edit", args=[rule.pk]), rule_form()),
        manager.post(reverse("sales:assignment_rule_delete", args=[rule.pk])),
    ]

    assert [response.status_code for response in refused] == [403] * 4
    assert changes_of(LeadAssignmentRule) == before
    assert list(LeadAssignmentRule.objects.values_list("name", flat=True)) == ["公海"]
