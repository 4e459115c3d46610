"""Lead assignment: rules tried in order (the first that matches wins, an empty condition
matches any), round-robin within a team, the pool for what no rule takes; assigning by
hand, logged and told once; claiming and releasing; and the same through the API."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.errors import AccessDenied, DomainError, RecordLocked, ValidationFailed
from crm.core.models import ObjectChange
from crm.messaging.models import Kind, Notification
from crm.sales import assignment
from crm.sales.models import AssignmentMethod, Lead, LeadAssignmentRule, LeadStatus
from crm.sales.tests.pool_fixtures import build_org, item

OWNER, ROUND_ROBIN, POOL = AssignmentMethod.values


@pytest.fixture
def org(admin, make_user):
    return build_org(admin, make_user)


def rule(org, name: str, method: str = OWNER, **fields) -> LeadAssignmentRule:
    """A rule set up as an administrator does, tried after the existing ones."""
    for key in ("region", "industry", "source"):
        if isinstance(fields.get(key), tuple):
            fields[key] = item(*fields[key])
    return assignment.save_rule(
        LeadAssignmentRule(name=name, method=method, **fields), actor=org.admin
    )


def stored(lead: Lead) -> tuple:
    found = Lead.all_objects.get(pk=lead.pk)
    return found.owner_id, found.in_pool, found.assigned_at, found.version


def log_of(lead: Lead) -> list[dict]:
    content_type = ContentType.objects.get_for_model(Lead)
    rows = ObjectChange.objects.filter(content_type=content_type, object_id=lead.pk)
    return list(rows.order_by("pk").values_list("changes", flat=True))


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("pk"))


def pooled(org, owner, name: str = "待领取线索", **fields) -> Lead:
    """A lead its owner released to the pool."""
    return assignment.release(org.lead(owner, name, **fields), actor=owner)


# --------------------------------------------------------------------------- rules


def test_the_first_matching_rule_wins_and_an_empty_condition_matches_any(org):
    a, b, c, d = [*org.members, org.seller]
    rule(
        org,
        "华东制造",
        region=("region", "east"),
        industry=("industry", "manufacturing"),
        assignee=a,
    )
    rule(org, "华东", region=("region", "east"), assignee=b)
    rule(org, "网站来源", source=("customer_source", "website"), assignee=c)
    rule(org, "其余", assignee=d)
    east, south = item("region", "east"), item("region", "south")
    making, software = item("industry", "manufacturing"), item("industry", "software_it")
    website, show = item("customer_source", "website"), item("customer_source", "trade_show")
    leads = [
        org.lead(org.other, "一", region=east, industry=making, source=website),
        org.lead(org.other, "二", region=east, industry=software, source=website),
        org.lead(org.other, "三", region=south, industry=making, source=website),
        org.lead(org.other, "四", region=south, source=show),
    ]

    result = assignment.route(leads, actor=org.admin)

    assert [stored(lead)[0] for lead in leads] == [a.pk, b.pk, c.pk, d.pk]
    assert [r.rule.name for r in result.routed] == ["华东制造", "华东", "网站来源", "其余"]
    assert (result.assigned, result.pooled) == (4, 0)
    assert all(not stored(lead)[1] and stored(lead)[2] is not None for lead in leads)


def test_inactive_rules_are_skipped(org):
    rule(org, "停用", region=("region", "east"), assignee=org.members[0], is_active=False)
    rule(org, "启用", region=("region", "east"), assignee=org.members[1])
    lead = org.lead(org.other, region=item("region", "east"))

    result = assignment.route([lead], actor=org.admin)

    assert stored(lead)[0] == org.members[1].pk
    assert result.routed[0].rule.name == "启用"


def test_a_lead_no_rule_matches_goes_to_the_pool_logged(org):
    rule(org, "华北", region=("region", "north"), assignee=org.members[0])
    lead = org.lead(org.other, region=item("region", "south"))

    result = assignment.route([lead], actor=org.admin)

    owner, in_pool, _assigned_at, _version = stored(lead)
    assert (owner, in_pool) == (org.other.pk, True)
    assert (result.assigned, result.pooled) == (0, 1)
    assert result.routed[0].owner is None and result.routed[0].rule is None
    assert log_of(lead)[-1] == {"in_pool": [False, True]}


def test_a_pool_rule_puts_its_leads_in_the_pool(org):
    rule(org, "展会线索进公海", POOL, source=("customer_source", "trade_show"))
    rule(org, "其余", assignee=org.seller)
    lead = org.lead(org.other, source=item("customer_source", "trade_show"))

    result = assignment.route([lead], actor=org.admin)

    assert stored(lead)[:2] == (org.other.pk, True)
    assert result.routed[0].rule.name == "展会线索进公海"


def test_round_robin_takes_the_team_in_turn_over_several_leads_and_calls(org):
    rule(org, "华东轮流", ROUND_ROBIN, team=org.team)
    m1, m2, m3 = org.members
    first = [org.lead(org.other, f"第{n}条") for n in range(4)]
    then = [org.lead(org.other, f"再{n}条") for n in range(2)]

    assignment.route(first, actor=org.admin)
    assignment.route(then, actor=org.admin)

    owners = [stored(lead)[0] for lead in first + then]
    assert owners == [m1.pk, m2.pk, m3.pk, m1.pk, m2.pk, m3.pk]
    assert LeadAssignmentRule.objects.get().last_assignee == m3


def test_round_robin_skips_members_who_left_or_are_inactive(org):
    rule(org, "华东轮流", ROUND_ROBIN, team=org.team)
    m1, m2, m3 = org.members
    m2.is_active = False
    m2.save()
    leads = [org.lead(org.other, f"第{n}条") for n in range(3)]

    assignment.route(leads, actor=org.admin)

    assert [stored(lead)[0] for lead in leads] == [m1.pk, m3.pk, m1.pk]
    m3.employee.status = "left"
    m3.employee.save()
    more = [org.lead(org.other, f"再{n}条") for n in range(2)]
    assignment.route(more, actor=org.admin)
    assert [stored(lead)[0] for lead in more] == [m1.pk, m1.pk]


def test_a_team_without_active_members_and_a_departed_salesperson_send_to_the_pool(org):
    for member in org.members:
        member.is_active = False
        member.save()
    rule(org, "华东轮流", ROUND_ROBIN, team=org.team, region=("region", "east"))
    gone = org.members[0]
    rule(org, "华南", assignee=org.seller, region=("region", "south"))
    LeadAssignmentRule.objects.filter(name="华南").update(assignee=gone)
    east = org.lead(org.other, "东", region=item("region", "east"))
    south = org.lead(org.other, "南", region=item("region", "south"))

    result = assignment.route([east, south], actor=org.admin)

    assert [stored(lead)[:2] for lead in (east, south)] == [(org.other.pk, True)] * 2
    assert result.pooled == 2


def test_routing_tells_each_new_owner_once(org):
    rule(org, "全部", assignee=org.seller)
    leads = [org.lead(org.other, f"第{n}条") for n in range(3)]

    assignment.route(leads, actor=org.manager)

    (told,) = inbox(org.seller)
    assert (told.kind, told.title) == (Kind.SYSTEM, "3 leads assigned to you")
    assert "Distributed by the assignment rules" in told.body


def test_a_rule_names_what_its_method_needs(org):
    with pytest.raises(ValidationFailed) as owner_missing:
        rule(org, "无人", OWNER)
    with pytest.raises(ValidationFailed) as team_missing:
        rule(org, "无组", ROUND_ROBIN, assignee=org.seller)
    assert set(owner_missing.value.fields) == {"assignee"}
    assert set(team_missing.value.fields) == {"team"}
    assert not LeadAssignmentRule.objects.exists()
    saved = rule(org, "进公海", POOL, assignee=org.seller, team=org.team)
    assert (saved.assignee, saved.team, saved.sort_order) == (None, None, 1)


def test_only_administrators_change_rules_and_nothing_changes_otherwise(org):
    with pytest.raises(AccessDenied):
        assignment.save_rule(LeadAssignmentRule(name="经理的规则", method=POOL), actor=org.manager)
    assert not LeadAssignmentRule.objects.exists()


def test_moving_a_rule_renumbers_them_logged(org):
    first, second, third = (rule(org, name, POOL) for name in ("一", "二", "三"))

    assignment.move_rule(third, actor=org.admin, offset=-2)

    names = list(LeadAssignmentRule.objects.order_by("sort_order").values_list("name", flat=True))
    assert names == ["三", "一", "二"]
    content_type = ContentType.objects.get_for_model(LeadAssignmentRule)
    moved = ObjectChange.objects.filter(content_type=content_type, action="update")
    assert {row.object_id for row in moved} == {first.pk, second.pk, third.pk}


# --------------------------------------------------------------------------- by hand


def test_manual_assignment_is_logged_per_lead_and_told_once(org):
    leads = [org.lead(org.seller, f"第{n}条") for n in range(3)]

    moved = assignment.assign(leads, org.other, actor=org.manager)

    assert len(moved) == 3
    for lead in leads:
        owner, in_pool, assigned_at, version = stored(lead)
        assert (owner, in_pool, version) == (org.other.pk, False, 2)
        assert assigned_at is not None
        change = log_of(lead)[-1]
        assert change["owner_id"] == [org.seller.pk, org.other.pk]
        assert change["assigned_at"][0] is None
    (told,) = inbox(org.other)
    assert told.title == "3 leads assigned to you"
    assert told.body == "Assigned by Zhao."
    assert told.url == f"/leads/?owner={org.other.pk}&ordering=-updated_at"


def test_assigning_one_lead_links_it_and_assigning_to_oneself_tells_nobody(org):
    lead = org.lead(org.seller)

    assignment.assign([lead], org.other, actor=org.manager)
    assignment.assign([lead], org.manager, actor=org.manager)

    (told,) = inbox(org.other)
    assert (told.object_id, told.url) == (lead.pk, f"/leads/{lead.pk}/")
    assert inbox(org.manager) == []
    assert stored(lead)[0] == org.manager.pk


def test_assigning_needs_transfer_and_changes_nothing_without_it(org):
    lead = org.lead(org.seller)
    before = stored(lead), log_of(lead)

    with pytest.raises(AccessDenied):
        assignment.assign([lead], org.other, actor=org.seller)

    assert (stored(lead), log_of(lead)) == before
    assert inbox(org.other) == []


def test_assigning_to_an_inactive_user_or_a_converted_lead_is_refused(org):
    lead = org.lead(org.seller)
    converted = org.lead(org.seller, "已转化")
    Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED)
    before = stored(lead), stored(converted)
    org.other.is_active = False
    org.other.save()

    with pytest.raises(ValidationFailed) as inactive:
        assignment.assign([lead], org.other, actor=org.manager)
    with pytest.raises(RecordLocked):
        assignment.assign([lead, converted], org.members[0], actor=org.admin)

    assert set(inactive.value.fields) == {"owner"}
    assert (stored(lead), stored(converted)) == before


def test_a_manager_assigns_a_pool_lead_outside_their_scope(org):
    lead = pooled(org, org.members[0])

    assignment.assign([lead], org.seller, actor=org.manager)

    assert stored(lead)[:2] == (org.seller.pk, False)


def test_a_lead_outside_the_pool_and_the_scope_is_not_assigned(org):
    lead = org.lead(org.members[0])
    before = stored(lead)

    with pytest.raises(AccessDenied):
        assignment.assign([lead], org.seller, actor=org.manager)

    assert stored(lead) == before


# --------------------------------------------------------------------------- the pool


def test_a_salesperson_claims_a_pool_lead_they_could_not_see(org):
    lead = pooled(org, org.other)
    assert not Lead.objects.visible_to(org.seller).filter(pk=lead.pk).exists()

    assignment.claim(lead, actor=org.seller)

    owner, in_pool, assigned_at, _version = stored(lead)
    assert (owner, in_pool) == (org.seller.pk, False)
    assert assigned_at is not None
    assert Lead.objects.visible_to(org.seller).filter(pk=lead.pk).exists()
    change = log_of(lead)[-1]
    assert change["owner_id"] == [org.other.pk, org.seller.pk]
    assert change["in_pool"] == [True, False]


def test_a_second_claim_is_refused_and_changes_nothing(org):
    lead = pooled(org, org.plain)
    seen_by_other = Lead.objects.get(pk=lead.pk)
    assignment.claim(lead, actor=org.seller)
    before = stored(lead), log_of(lead)

    with pytest.raises(DomainError) as refused:
        assignment.claim(seen_by_other, actor=org.other)

    assert refused.value.code == "not_in_pool"
    assert (stored(lead), log_of(lead)) == before


def test_claiming_without_the_permission_is_refused_and_changes_nothing(org):
    lead = pooled(org, org.seller)
    before = stored(lead), log_of(lead)

    with pytest.raises(AccessDenied):
        assignment.claim(lead, actor=org.plain)

    assert (stored(lead), log_of(lead)) == before


def test_released_with_a_reason_then_claimed_by_someone_else(org):
    lead = org.lead(org.seller)

    assignment.release(lead, actor=org.seller, reason="客户暂无预算")
    assert stored(lead)[:2] == (org.seller.pk, True)
    assert log_of(lead)[-1] == {"in_pool": [False, True], "release_reason": [None, "客户暂无预算"]}
    assignment.claim(lead, actor=org.other)

    assert stored(lead)[:2] == (org.other.pk, False)
    assert list(assignment.pool_leads()) == []


def test_only_the_owner_or_a_transfer_holder_releases(org):
    lead = org.lead(org.seller)
    with pytest.raises(AccessDenied):
        assignment.release(lead, actor=org.other)
    assert stored(lead)[1] is False

    assignment.release(lead, actor=org.manager)

    assert stored(lead)[1] is True
    with pytest.raises(DomainError) as again:
        assignment.release(lead, actor=org.seller)
    assert again.value.code == "already_in_pool"


def test_converted_and_invalid_leads_never_go_to_the_pool(org):
    invalid = org.lead(org.seller, "无效")
    Lead.objects.filter(pk=invalid.pk).update(status=LeadStatus.INVALID)
    waiting = pooled(org, org.seller, "公海里的")
    before = stored(invalid)

    with pytest.raises(DomainError) as released:
        assignment.release(invalid, actor=org.seller)
    with pytest.raises(DomainError) as routed:
        assignment.route([invalid], actor=org.admin)
    Lead.objects.filter(pk=waiting.pk).update(status=LeadStatus.CONVERTED)

    assert released.value.code == routed.value.code == "not_in_work"
    assert stored(invalid) == before
    assert list(assignment.pool_leads()) == []
    with pytest.raises(DomainError):
        assignment.claim(waiting, actor=org.other)


def test_pool_leads_do_not_join_other_people_s_lists(org):
    lead = pooled(org, org.other)

    assert not Lead.objects.visible_to(org.seller).filter(pk=lead.pk).exists()
    assert not Lead.objects.visible_to(org.plain).filter(pk=lead.pk).exists()
    assert assignment.pool_leads().filter(pk=lead.pk).exists()


# --------------------------------------------------------------------------- the API


def test_the_api_lists_the_pool_masked_to_claimers_only(org, api_for):
    waiting = pooled(org, org.other, phone="02112345678")
    org.lead(org.other, "不在公海")

    response = api_for(org.seller).get("/api/v1/lead-pool/")
    refused = api_for(org.plain).get("/api/v1/lead-pool/")

    assert response.status_code == 200
    (row,) = response.json()["items"]
    assert (row["id"], row["mobile"], row["phone"]) == (waiting.pk, "138****5678", "021****5678")
    assert refused.status_code == 403


def test_the_api_claims_and_a_second_claim_is_refused(org, api_for):
    lead = pooled(org, org.plain)

    claimed = api_for(org.seller).post(f"/api/v1/leads/{lead.pk}/claim/")
    unseen = api_for(org.other).post(f"/api/v1/leads/{lead.pk}/claim/")
    seen = api_for(org.manager).post(f"/api/v1/leads/{lead.pk}/claim/")

    assert claimed.status_code == 200
    assert (claimed.json()["owner"], claimed.json()["in_pool"]) == (org.seller.pk, False)
    assert unseen.status_code == 404
    assert (seen.status_code, seen.json()["code"]) == (409, "not_in_pool")
    assert stored(lead)[0] == org.seller.pk


def test_the_api_refuses_a_claim_without_the_permission(org, api_for):
    lead = pooled(org, org.plain)
    before = stored(lead), log_of(lead)

    response = api_for(org.plain).post(f"/api/v1/leads/{lead.pk}/claim/")

    assert response.status_code == 403
    assert (stored(lead), log_of(lead)) == before


def test_the_api_releases_once(org, api_for):
    lead = org.lead(org.seller)
    api = api_for(org.seller)

    hidden = api_for(org.other).post(f"/api/v1/leads/{lead.pk}/release/")
    released = api.post(f"/api/v1/leads/{lead.pk}/release/", {"reason": "联系不上"})
    again = api.post(f"/api/v1/leads/{lead.pk}/release/")
    not_theirs = api_for(org.other).post(f"/api/v1/leads/{lead.pk}/release/")

    assert hidden.status_code == 404
    assert (released.status_code, released.json()["in_pool"]) == (200, True)
    assert (again.status_code, again.json()["code"]) == (409, "already_in_pool")
    assert not_theirs.status_code == 403
    assert log_of(lead)[-1]["release_reason"] == [None, "联系不上"]


def test_the_api_assigns_with_its_codes(org, api_for):
    lead = org.lead(org.seller)
    converted = org.lead(org.seller, "已转化")
    Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED)
    manager = api_for(org.manager)

    refused = api_for(org.seller).post(
        "/api/v1/leads/assign/", {"leads": [lead.pk], "owner": org.other.pk}
    )
    unknown = manager.post("/api/v1/leads/assign/", {"leads": [999999], "owner": org.other.pk})
    nobody = manager.post("/api/v1/leads/assign/", {"leads": [lead.pk], "owner": 999999})
    locked = manager.post(
        "/api/v1/leads/assign/", {"leads": [lead.pk, converted.pk], "owner": org.other.pk}
    )
    assert [r.status_code for r in (refused, unknown, nobody, locked)] == [403, 404, 422, 409]
    assert stored(lead)[0] == org.seller.pk

    done = manager.post("/api/v1/leads/assign/", {"leads": [lead.pk], "owner": org.other.pk})

    assert done.status_code == 200
    assert [each["owner"] for each in done.json()["items"]] == [org.other.pk]
    assert stored(lead)[0] == org.other.pk


def test_the_api_routes_by_the_rules(org, api_for):
    rule(org, "华东", region=("region", "east"), assignee=org.members[0])
    east = pooled(org, org.seller, "东", region=item("region", "east"))
    south = org.lead(org.seller, "南", region=item("region", "south"))

    response = api_for(org.manager).post("/api/v1/leads/route/", {"leads": [east.pk, south.pk]})
    refused = api_for(org.seller).post("/api/v1/leads/route/", {"leads": [south.pk]})

    body = response.json()
    assert response.status_code == 200
    assert (body["assigned"], body["pooled"]) == (1, 1)
    by_id = {each["id"]: each for each in body["items"]}
    assert by_id[east.pk]["owner"] == org.members[0].pk
    assert by_id[south.pk]["in_pool"] is True and by_id[south.pk]["rule"] is None
    assert refused.status_code == 403
