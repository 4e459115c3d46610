"""A lead's conversion through an approval process (线索转化审核): with no process applying it
converts at once as before; with one, nothing is made until the last approver approves, then
exactly what was planned is made as the salesperson who sent it; rejected or withdrawn, the
lead is qualified again and may be converted anew. Through the service, the API and the
pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from crm.core import changes, services
from crm.core.errors import DomainError, RecordLocked, TransitionRefused
from crm.core.models import ChangeAction, ObjectChange
from crm.org.models import Employee, OrgUnit, OrgUnitKind, Role, RolePermission
from crm.org.services import save_org_unit
from crm.sales.conversion import Converted, InReview, convert
from crm.sales.models import Lead, LeadStatus, SalesProcess
from crm.sales.testing import make_process
from crm.sales.tests.test_conversion import full_lead, make_contact, make_customer, model, written
from crm.workflow import services as approvals
from crm.workflow.models import (
    ApprovalAction,
    ApprovalProcess,
    ApprovalRequest,
    ApprovalStep,
    ApproverKind,
    RequestState,
)

API = "/api/v1/leads"
HOT = [{"field": "rating", "op": "eq", "value": "hot"}]


def role(code: str, scope: str, actions: list[str]) -> Role:
    found = Role.objects.create(code=code, name_zh=code, name_en=code)
    RolePermission.objects.create(
        role=found, type_key="*", view_scope=scope, edit_scope=scope, actions=actions
    )
    return found


def organisation(admin, make_user) -> dict:
    """A salesperson who may convert their own leads, and their manager, who sees and
    changes their team's records but converts nothing."""
    group = save_org_unit(OrgUnit(name="星海集团", kind=OrgUnitKind.GROUP), actor=admin)
    company = save_org_unit(
        OrgUnit(name="华东分公司", kind=OrgUnitKind.COMPANY, parent=group), actor=admin
    )
    sales = save_org_unit(
        OrgUnit(name="销售部", kind=OrgUnitKind.DEPARTMENT, parent=company), actor=admin
    )
    manager = make_user("manager", roles=[role("test_team", "subordinates", ["view", "edit"])])
    seller = make_user("seller")
    seller.roles.add(role("test_converter", "own", ["convert"]))
    boss = Employee.objects.create(user=manager, name="Manager", department=sales)
    Employee.objects.create(user=seller, name="Seller", department=sales, superior=boss)
    return {"manager": manager, "seller": seller}


def hot_leads_reviewed() -> ApprovalProcess:
    """Converting a hot lead needs the salesperson's superior's approval."""
    make_process()
    found = ApprovalProcess.objects.create(
        name="热线索转化审核", type_key="lead", approvable="conversion", conditions=HOT
    )
    ApprovalStep.objects.create(process=found, approver_kind=ApproverKind.SUPERIOR)
    return found


@pytest.fixture
def people(admin, make_user):
    return organisation(admin, make_user)


@pytest.fixture
def review(people):
    return hot_leads_reviewed()


def hot_lead(owner) -> Lead:
    lead = full_lead(owner)
    lead.rating = "hot"
    return services.save(lead, actor=owner)


def lead_of(lead: Lead) -> Lead:
    return Lead.all_objects.get(pk=lead.pk)


def reviewed(lead: Lead, seller, **choices) -> ApprovalRequest:
    """The lead's conversion sent for review; its request."""
    sent = convert(lead, actor=seller, **choices)
    assert isinstance(sent, InReview)
    return sent.approval


def engine_written() -> tuple[int, ...]:
    """What an approval could have written besides the records: its history and requests."""
    return (
        *written(),
        ApprovalAction.objects.count(),
        ApprovalRequest.objects.filter(state=RequestState.PENDING).count(),
    )


# --------------------------------------------------------------------------- the service


def test_with_no_process_applying_the_conversion_is_direct_and_starts_no_approval(people, review):
    seller = people["seller"]
    lead = full_lead(seller)  # not hot: the process does not apply
    last = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first()

    done = convert(lead, actor=seller, create_opportunity=True)

    assert isinstance(done, Converted)
    assert lead_of(lead).status == LeadStatus.CONVERTED
    assert not ApprovalRequest.objects.exists()
    on_lead = ObjectChange.objects.filter(pk__gt=last, content_type__model="lead")
    assert list(on_lead.values_list("action", flat=True)) == [ChangeAction.TRANSITION]


def test_a_reviewed_conversion_makes_nothing_and_leaves_the_lead_in_review_and_locked(
    people, review, admin
):
    seller = people["seller"]
    lead = hot_lead(seller)
    before = written()

    request = reviewed(lead, seller, create_opportunity=True, amount="38万")

    stored = lead_of(lead)
    assert written()[:3] == before[:3]  # no customer, contact or opportunity
    assert stored.status == LeadStatus.REVIEWING
    assert (stored.customer, stored.contact, stored.opportunity) == (None, None, None)
    assert stored.conversion_plan == {
        "by": seller.pk,
        "customer": None,
        "customer_name": "",
        "contact": None,
        "new_contact": True,
        "create_opportunity": True,
        "opportunity_name": "",
        "amount": "380000",
        "process": SalesProcess.objects.get().pk,
        "close_date": None,
    }
    rows = ObjectChange.objects.filter(content_type__model="lead", object_id=lead.pk)
    sent = rows.filter(action=ChangeAction.TRANSITION).latest("pk")
    plan = {"conversion_plan": sent.changes["conversion_plan"]}
    with translation.override("en"):
        read = changes.Reader([(Lead, plan)]).rows(Lead, plan)
    assert [(r.label, r.after) for r in read] == [
        ("Conversion plan", "A new customer, a new contact, an opportunity")
    ]
    assert (request.state, request.process, request.submitter) == (
        RequestState.PENDING,
        review,
        seller,
    )
    assert [t.approver for t in approvals.current_tasks(request)] == [people["manager"]]
    actions = ObjectChange.objects.filter(content_type__model="lead", object_id=lead.pk)
    assert [a.action for a in actions.order_by("pk")][-2:] == [
        ChangeAction.TRANSITION,
        ChangeAction.APPROVAL,
    ]

    state, count = (stored.version, stored.name), engine_written()
    stored.name = "改个名字"
    with pytest.raises(RecordLocked):
        services.save(stored, actor=seller)
    with pytest.raises(TransitionRefused) as again:
        convert(lead, actor=seller, customer_name="再来一次")
    assert again.value.code == "wrong_state"
    with pytest.raises(TransitionRefused):
        services.transition(lead_of(lead), "approve_conversion", actor=admin)
    assert (lead_of(lead).version, lead_of(lead).name) == state
    assert engine_written() == count


def test_the_last_approval_makes_exactly_the_planned_records_as_the_salesperson(people, review):
    seller, manager = people["seller"], people["manager"]
    lead = hot_lead(seller)
    request = reviewed(
        lead, seller, customer_name="华星电子", create_opportunity=True, amount="38万"
    )
    before = written()
    last = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first()

    approvals.approve(request, actor=manager, comment="OK")

    stored = lead_of(lead)
    assert written()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert stored.status == LeadStatus.CONVERTED and stored.converted_at is not None
    assert stored.conversion_plan is None
    customer, contact, opportunity = stored.customer, stored.contact, stored.opportunity
    assert (customer.name, customer.owner, customer.source) == ("华星电子", seller, lead.source)
    assert (contact.customer, contact.name, contact.owner) == (customer, "陈晓明", seller)
    assert (opportunity.customer, opportunity.contact, opportunity.lead) == (
        customer,
        contact,
        stored,
    )
    assert (opportunity.name, opportunity.owner) == ("华星电子 - 华星电子 MES 项目", seller)
    assert opportunity.expected_amount == 380000
    rows = ObjectChange.objects.filter(pk__gt=last).exclude(action=ChangeAction.APPROVAL)
    assert sorted((r.content_type.model, r.action, r.actor) for r in rows) == sorted(
        [
            ("customer", ChangeAction.CREATE, seller),
            ("contact", ChangeAction.CREATE, seller),
            ("opportunity", ChangeAction.CREATE, seller),
            ("lead", ChangeAction.TRANSITION, manager),
        ]
    )
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED


def test_a_rejected_conversion_qualifies_the_lead_again_and_a_direct_conversion_then_works(
    people, review
):
    seller = people["seller"]
    lead = hot_lead(seller)
    request = reviewed(lead, seller, create_opportunity=True)
    before = written()

    approvals.reject(request, actor=people["manager"], comment="Not ready")

    stored = lead_of(lead)
    assert (stored.status, stored.conversion_plan) == (LeadStatus.QUALIFIED, None)
    assert written()[:3] == before[:3]
    review.is_active = False
    review.save()
    done = convert(stored, actor=seller, customer_name="华星电子")
    assert isinstance(done, Converted) and done.customer.name == "华星电子"
    assert lead_of(lead).status == LeadStatus.CONVERTED


def test_a_withdrawn_conversion_qualifies_the_lead_again_and_it_may_be_sent_anew(people, review):
    seller = people["seller"]
    lead = hot_lead(seller)
    reviewed(lead, seller)
    before = written()

    approvals.withdraw_record(lead_of(lead), actor=seller)

    stored = lead_of(lead)
    assert (stored.status, stored.conversion_plan) == (LeadStatus.QUALIFIED, None)
    assert written()[:3] == before[:3]
    again = reviewed(stored, seller)
    assert again.state == RequestState.PENDING
    assert lead_of(lead).status == LeadStatus.REVIEWING


def test_the_approver_who_does_not_see_the_chosen_customer_still_approves(
    people, review, admin, make_user
):
    seller, manager = people["seller"], people["manager"]
    outsider = make_user("outsider")
    customer = services.save(model("customer")(owner=outsider, name="明德贸易"), actor=admin)
    services.share_record(customer, actor=admin, user=seller)
    assert not model("customer").objects.visible_to(manager).filter(pk=customer.pk).exists()
    lead = hot_lead(seller)
    request = reviewed(lead, seller, customer=customer, new_contact=False, create_opportunity=True)

    approvals.approve(request, actor=manager)

    stored = lead_of(lead)
    assert (stored.status, stored.customer, stored.contact) == (
        LeadStatus.CONVERTED,
        customer,
        None,
    )
    assert (stored.opportunity.customer, stored.opportunity.owner) == (customer, seller)
    assert model("customer").objects.get(pk=customer.pk).owner == outsider


@pytest.mark.parametrize(
    ("gone", "reason"),
    [
        ("deleted", "Choose an existing record you may see."),
        ("no longer shared", "Choose an existing record you may see."),
        ("process retired", "Choose an active sales process."),
    ],
)
def test_a_plan_that_can_no_longer_be_carried_out_fails_the_approval_and_writes_nothing(
    people, review, admin, make_user, gone, reason
):
    seller, manager = people["seller"], people["manager"]
    customer = services.save(
        model("customer")(owner=make_user("outsider"), name="明德贸易"), actor=admin
    )
    share = services.share_record(customer, actor=admin, user=seller)
    lead = hot_lead(seller)
    request = reviewed(lead, seller, customer=customer, create_opportunity=True)
    if gone == "deleted":
        services.delete(customer, actor=admin)
    elif gone == "no longer shared":
        services.remove_access(customer, share, actor=admin)
    else:
        SalesProcess.objects.update(is_active=False)
    before, state = engine_written(), lead_of(lead)

    with pytest.raises(DomainError) as refused, translation.override("en"):
        approvals.approve(request, actor=manager)

    assert refused.value.code == "conversion_outdated"
    assert refused.value.message == (
        f"This conversion can no longer be carried out as it was sent for review ({reason}). "
        "Reject it, and the lead can be converted again."
    )
    assert engine_written() == before
    stored = lead_of(lead)
    assert (stored.status, stored.version, stored.conversion_plan) == (
        LeadStatus.REVIEWING,
        state.version,
        state.conversion_plan,
    )
    assert approvals.pending_request(stored) == request


def test_a_refused_choice_is_refused_before_review_as_a_conversion_refuses_it(people, review):
    seller = people["seller"]
    customer, other = make_customer(seller), make_customer(seller, "星海集团")
    contact = make_contact(seller, other)
    lead = hot_lead(seller)
    before = engine_written()

    with pytest.raises(DomainError) as refused, translation.override("en"):
        convert(lead, actor=seller, customer=customer, contact=contact)

    assert refused.value.fields == {"contact": ["The contact belongs to another customer."]}
    assert engine_written() == before
    assert lead_of(lead).status == LeadStatus.NEW


# --------------------------------------------------------------------------- the API


def test_the_api_answers_202_and_after_approval_the_lead_reads_converted(people, review, api_for):
    seller = people["seller"]
    lead = hot_lead(seller)
    api = api_for(seller)

    response = api.post(f"{API}/{lead.pk}/convert/", {"create_opportunity": True})

    assert response.status_code == 202, response.content
    request = approvals.pending_request(lead)
    assert response.json() == {"approval": request.pk, "status": "reviewing"}
    assert api.get(f"{API}/{lead.pk}/").json()["status"] == "reviewing"
    assert api.post(f"{API}/{lead.pk}/convert/", {}).json()["code"] == "wrong_state"
    decided = api_for(people["manager"]).post(f"/api/v1/approvals/{request.pk}/approve/", {})
    assert decided.status_code == 200, decided.content
    body = api.get(f"{API}/{lead.pk}/").json()
    stored = lead_of(lead)
    assert body["status"] == "converted"
    assert stored.customer_id and stored.contact_id and stored.opportunity_id
    assert [body[k] for k in ("customer", "contact", "opportunity")] == [
        stored.customer_id,
        stored.contact_id,
        stored.opportunity_id,
    ]


def test_the_review_transitions_are_not_offered_to_users(people, review, api_for, client_for):
    seller = people["seller"]
    lead = hot_lead(seller)
    state = (lead_of(lead).status, lead_of(lead).version)

    for name in ("submit_conversion", "approve_conversion"):
        url = f"{API}/{lead.pk}/transitions/{name}/"
        assert api_for(seller).post(url, {"conversion_plan": "{}"}).status_code == 404
        page = reverse("sales:lead_transition", args=[lead.pk, name])
        assert client_for(seller).post(page, {"version": lead.version}).status_code == 404
    # The approvals API's submit has no plan to send: only the conversion sends one.
    submitted = api_for(seller).post(f"{API}/{lead.pk}/submit/")
    assert (submitted.status_code, submitted.json()["code"]) == (422, "fields_required")
    assert (lead_of(lead).status, lead_of(lead).version) == state
    assert not ApprovalRequest.objects.exists()


# --------------------------------------------------------------------------- the pages


def test_the_page_sends_the_conversion_for_review_and_the_lead_page_says_so(
    people, review, client_for
):
    seller = people["seller"]
    lead = hot_lead(seller)
    client = client_for(seller)
    url = reverse("sales:lead_convert", args=[lead.pk])
    form = client.get(url).content.decode()
    assert "data-reviewed" in form and "Send for review" in form

    response = client.post(
        url,
        {
            "version": lead.version,
            "customer_mode": "new",
            "customer_name": "华星电子",
            "contact_mode": "new",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("sales:lead_detail", args=[lead.pk])
    toast = next(str(m) for m in response.context["messages"])
    assert toast == (
        f"“{lead.name}” was sent for review ({review.name}): it is converted once approved."
    )
    html = response.content.decode()
    assert 'data-state="reviewing">In review<' in html
    assert "data-locked" in html and "data-transition=" not in html
    assert lead_of(lead).status == LeadStatus.REVIEWING


def test_the_lead_page_offers_no_review_transition_and_the_list_filters_in_review(
    people, review, client_for
):
    seller = people["seller"]
    waiting, other = hot_lead(seller), full_lead(seller)
    reviewed(waiting, seller)
    client = client_for(seller)

    detail = client.get(reverse("sales:lead_detail", args=[other.pk])).content.decode()
    listed = client.get(reverse("sales:lead_list"), {"status": "reviewing"})

    assert 'data-transition="convert"' in detail
    assert 'data-transition="submit_conversion"' not in detail
    assert [row["id"] for row in listed.context["rows"]] == [waiting.pk]
    assert '<option value="reviewing"' in listed.content.decode()
