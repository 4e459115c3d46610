"""State machines on the sample document (draft → submitted → approved / rejected): the
status moves only through its transitions, each checked, logged and published, and a refused
one leaves the record, its version and its change log as they were."""

import decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core import events, registry, services
from crm.core.errors import AccessDenied, StaleVersion, TransitionRefused, ValidationFailed
from crm.core.imports.fields import Schema
from crm.core.models import ObjectChange
from crm.core.testing.battery import RecordTypeBattery
from crm.core.testing.lines_battery import LineItemsBattery
from crm.core.testing.sample.models import SampleDocument

API = "/api/v1/sample-documents"


def make_document(owner, **fields) -> SampleDocument:
    fields.setdefault("name", f"申请单{SampleDocument.all_objects.count() + 1}")
    fields.setdefault("amount", decimal.Decimal("100.00"))
    return services.save(SampleDocument(owner=owner, **fields), actor=owner)


class TestSampleDocumentBattery(LineItemsBattery, RecordTypeBattery):
    type_key = "sampledocument"
    invalid_field = "amount"
    invalid_value = "一百"
    sample_values = {"amount": "12.50", "currency": "USD"}
    bad_line = {"product": "螺栓", "quantity": decimal.Decimal("-2"), "unit_price": 1}
    bad_line_field = "quantity"

    def line_values(self) -> list[dict]:
        return [
            {
                "product": "螺栓 M8",
                "quantity": decimal.Decimal("4"),
                "unit_price": decimal.Decimal("2.50"),
            },
            {
                "product": "平垫",
                "quantity": decimal.Decimal("100"),
                "unit_price": decimal.Decimal("0.05"),
            },
        ]

    def make(self, owner, **fields):
        return make_document(owner, **fields)

    def form_data(self, owner) -> dict:
        return {"name": "采购申请", "amount": "2800.00", "currency": "CNY"}

    def api_payload(self, owner) -> dict:
        return {"name": "差旅申请", "amount": "350.00"}


def _changes(doc) -> int:
    content_type = ContentType.objects.get_for_model(doc)
    return ObjectChange.objects.filter(content_type=content_type, object_id=doc.pk).count()


def _state(doc) -> tuple:
    """What a refused transition must leave as it was: the row and its change-log length."""
    row = SampleDocument.all_objects.filter(pk=doc.pk).values().get()
    return row, _changes(doc)


def _move(doc, *names, actor):
    for name in names:
        doc = services.transition(doc, name, actor=actor)
    return doc


def _buttons(page) -> list[str]:
    return [t["step"].name for t in page.context.get("transitions", [])]


@pytest.fixture
def approver(make_user):
    """A user who may approve every type's records within their department."""
    from crm.conftest import sales_role
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code="approver", name_zh="审批人", name_en="Approver")
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="all", actions=["view", "edit"]
    )
    RolePermission.objects.create(
        role=role,
        type_key="sampledocument",
        view_scope="all",
        edit_scope="all",
        actions=["view", "edit", "approve", "reopen"],
    )
    return make_user("approver", roles=[role, sales_role()])


def test_a_transition_moves_the_status_logs_it_and_bumps_the_version(alice):
    doc = make_document(alice)
    moved = services.transition(doc, "submit", actor=alice, expected_version=doc.version)
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.status, stored.version) == ("submitted", doc.version + 1)
    assert moved.status == "submitted"
    last = ObjectChange.objects.filter(object_id=doc.pk).latest("id")
    assert last.action == "transition"
    assert last.changes == {"status": ["draft", "submitted"]}
    assert last.actor == alice


def test_a_transition_is_published_after_commit(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(events, "_subscribers", [])
    monkeypatch.setattr(events, "_matches", {})
    heard: list[events.Event] = []
    events.subscribe("sample.sampledocument.*", heard.append)
    doc = make_document(alice)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(doc, "submit", actor=alice)
    assert [e.name for e in heard] == [
        "sample.sampledocument.updated",
        "sample.sampledocument.submitted",
    ]
    assert heard[1].ids == (doc.pk,)
    assert heard[1].changed == ("status",)


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(approver):
    doc = make_document(approver)
    before = _state(doc)
    with pytest.raises(TransitionRefused) as refused:
        services.transition(doc, "approve", actor=approver)
    assert (refused.value.code, refused.value.status) == ("wrong_state", 409)
    assert "Draft" in refused.value.message
    assert _state(doc) == before


def test_a_guard_refuses_with_its_reason_and_changes_nothing(alice):
    doc = make_document(alice, amount=decimal.Decimal("0"))
    before = _state(doc)
    with pytest.raises(TransitionRefused) as refused:
        services.transition(doc, "submit", actor=alice)
    assert (refused.value.code, refused.value.status) == ("guard_refused", 409)
    assert refused.value.message == "The amount must be above zero to submit."
    assert _state(doc) == before


def test_a_missing_required_field_is_422_and_changes_nothing(approver):
    doc = _move(make_document(approver), "submit", actor=approver)
    before = _state(doc)
    with pytest.raises(TransitionRefused) as refused:
        services.transition(doc, "reject", actor=approver, reason="  ")
    assert (refused.value.code, refused.value.status) == ("fields_required", 422)
    assert set(refused.value.fields) == {"reason"}
    assert _state(doc) == before
    rejected = services.transition(doc, "reject", actor=approver, reason="预算不足")
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (
        (stored.status, stored.reason)
        == ("rejected", "预算不足")
        == (
            rejected.status,
            rejected.reason,
        )
    )
    last = ObjectChange.objects.filter(object_id=doc.pk).latest("id")
    assert last.changes == {"status": ["submitted", "rejected"], "reason": ["", "预算不足"]}


def test_a_field_the_transition_does_not_take_is_refused(approver):
    doc = _move(make_document(approver), "submit", actor=approver)
    before = _state(doc)
    with pytest.raises(ValidationFailed) as refused:
        services.transition(doc, "approve", actor=approver, reason="好")
    assert set(refused.value.fields) == {"reason"}
    assert _state(doc) == before


def test_without_the_transitions_permission_it_is_refused_and_changes_nothing(alice):
    doc = _move(make_document(alice), "submit", actor=alice)
    before = _state(doc)
    with pytest.raises(AccessDenied):
        services.transition(doc, "approve", actor=alice)
    assert _state(doc) == before


def test_a_stale_version_is_refused_and_changes_nothing(alice):
    doc = make_document(alice)
    services.save(doc, actor=alice)  # a colleague's edit in between (version 2)
    before = _state(doc)
    with pytest.raises(StaleVersion):
        services.transition(doc, "submit", actor=alice, expected_version=1)
    assert _state(doc) == before


def test_the_write_path_refuses_a_status_changed_by_hand(alice):
    doc = make_document(alice)
    before = _state(doc)
    doc.status = "approved"
    with pytest.raises(ValidationFailed) as refused:
        services.save(doc, actor=alice)
    assert set(refused.value.fields) == {"status"}
    assert _state(doc) == before


def test_the_form_has_no_status_and_a_posted_one_is_ignored(alice, client_for):
    doc = make_document(alice)
    client = client_for(alice)
    page = client.get(f"/sample-documents/{doc.pk}/edit/")
    assert "status" not in page.context["form"].fields
    data = {"name": "改过的申请", "amount": "100.00", "currency": "CNY", "version": doc.version}
    data["status"] = "approved"
    response = client.post(f"/sample-documents/{doc.pk}/edit/", data)
    assert response.status_code == 302
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.name, stored.status) == ("改过的申请", "draft")


def test_the_api_refuses_a_status_on_create_and_update(alice, api_for):
    api = api_for(alice)
    created = api.post(f"{API}/", {"name": "接口申请", "status": "approved"})
    assert created.status_code == 422
    assert set(created.json()["fields"]) == {"status"}
    assert not SampleDocument.objects.filter(name="接口申请").exists()
    doc = make_document(alice)
    before = _state(doc)
    updated = api.patch(f"{API}/{doc.pk}/", {"status": "approved", "version": doc.version})
    assert updated.status_code == 422
    assert set(updated.json()["fields"]) == {"status"}
    assert _state(doc) == before


def test_imports_do_not_take_a_status_column(db):
    schema = Schema(registry.get("sampledocument"))
    assert "status" not in schema.targets
    assert {"name", "amount"} <= set(schema.targets)


def test_the_api_moves_a_record_and_answers_it(approver, api_for):
    doc = _move(make_document(approver), "submit", actor=approver)
    api = api_for(approver)
    response = api.post(
        f"{API}/{doc.pk}/transitions/reject/", {"reason": "价格偏高", "version": doc.version}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["reason"], body["version"]) == (
        "rejected",
        "价格偏高",
        doc.version + 1,
    )


def test_the_api_answers_refusals_with_their_codes_and_changes_nothing(alice, approver, api_for):
    draft = make_document(alice, amount=decimal.Decimal("0"))
    before = _state(draft)
    api = api_for(alice)
    guard = api.post(f"{API}/{draft.pk}/transitions/submit/", headers={"Accept-Language": "en"})
    assert guard.status_code == 409
    assert guard.json()["code"] == "guard_refused"
    assert guard.json()["message"] == "The amount must be above zero to submit."
    wrong = api_for(approver).post(f"{API}/{draft.pk}/transitions/approve/")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_state")
    assert api.post(f"{API}/{draft.pk}/transitions/nothing/").status_code == 404
    assert _state(draft) == before

    submitted = _move(make_document(alice), "submit", actor=alice)
    before = _state(submitted)
    forbidden = api.post(f"{API}/{submitted.pk}/transitions/approve/")
    assert forbidden.status_code == 403
    missing = api_for(approver).post(f"{API}/{submitted.pk}/transitions/reject/", {})
    assert (missing.status_code, missing.json()["code"]) == (422, "fields_required")
    assert set(missing.json()["fields"]) == {"reason"}
    stale = api_for(approver).post(
        f"{API}/{submitted.pk}/transitions/approve/", {"version": submitted.version - 1}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert _state(submitted) == before


def test_others_records_are_404_to_the_api_and_the_page(alice, bob, api_for, client_for):
    theirs = make_document(bob)
    before = _state(theirs)
    assert api_for(alice).post(f"{API}/{theirs.pk}/transitions/submit/").status_code == 404
    page = client_for(alice).post(f"/sample-documents/{theirs.pk}/transitions/submit/")
    assert page.status_code == 404
    assert _state(theirs) == before


def test_the_page_shows_exactly_the_transitions_the_user_may_start(alice, approver, client_for):
    doc = make_document(alice)
    assert _buttons(client_for(alice).get(f"/sample-documents/{doc.pk}/")) == ["submit"]
    _move(doc, "submit", actor=alice)
    # Approving takes a permission the salesperson's role does not grant; withdrawing not.
    assert _buttons(client_for(alice).get(f"/sample-documents/{doc.pk}/")) == ["withdraw"]
    page = client_for(approver).get(f"/sample-documents/{doc.pk}/")
    assert _buttons(page) == ["approve", "reject", "withdraw"]
    html = page.content.decode()
    assert 'data-transition="approve"' in html and 'data-transition="reject"' in html
    assert 'name="reason"' in html
    _move(doc, "approve", actor=approver)
    page = client_for(approver).get(f"/sample-documents/{doc.pk}/")
    assert _buttons(page) == ["reopen"]
    assert page.context["state"].value == "approved"


def test_the_page_shows_why_a_guard_refuses_and_a_forced_post_changes_nothing(alice, client_for):
    doc = make_document(alice, amount=decimal.Decimal("0"))
    client = client_for(alice)
    page = client.get(f"/sample-documents/{doc.pk}/")
    html = page.content.decode()
    assert "The amount must be above zero to submit." in html
    assert "data-refusal" in html
    before = _state(doc)
    response = client.post(
        f"/sample-documents/{doc.pk}/transitions/submit/", {"version": doc.version}, follow=True
    )
    assert "The amount must be above zero to submit." in [
        str(m) for m in response.context["messages"]
    ]
    assert _state(doc) == before


def test_the_page_moves_a_record_with_htmx_and_says_so(approver, client_for):
    doc = _move(make_document(approver), "submit", actor=approver)
    client = client_for(approver)
    url = f"/sample-documents/{doc.pk}/transitions/reject/"
    refused = client.post(url, {"version": doc.version}, headers={"HX-Request": "true"})
    assert refused.headers["HX-Redirect"] == f"/sample-documents/{doc.pk}/"
    assert SampleDocument.objects.get(pk=doc.pk).status == "submitted"
    page = client.get(f"/sample-documents/{doc.pk}/")
    assert [str(m) for m in page.context["messages"]] == ["“Reject” needs: reason."]
    done = client.post(
        url, {"version": doc.version, "reason": "重复申请"}, headers={"HX-Request": "true"}
    )
    assert done.headers["HX-Redirect"] == f"/sample-documents/{doc.pk}/"
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.status, stored.reason, stored.version) == (
        "rejected",
        "重复申请",
        doc.version + 1,
    )


def test_the_page_answers_403_without_the_permission_and_changes_nothing(alice, client_for):
    doc = _move(make_document(alice), "submit", actor=alice)
    before = _state(doc)
    url = f"/sample-documents/{doc.pk}/transitions/approve/"
    assert client_for(alice).post(url, {"version": doc.version}).status_code == 403
    assert _state(doc) == before


def test_the_role_page_offers_the_actions_transitions_declare(admin, make_user, client_for):
    from crm.org.models import Role, RolePermission

    page = client_for(admin).get("/org/roles/new/")
    offered = {
        name: [value for value, _label in page.context["form"].fields[name].choices]
        for name in ("sampledocument__actions", "customer__actions", "*__actions")
    }
    assert "reopen" in offered["sampledocument__actions"]
    assert "reopen" in offered["*__actions"]
    assert "reopen" not in offered["customer__actions"]
    assert 'value="reopen"' in page.content.decode()

    data = {"code": "reopener", "name_zh": "重开", "name_en": "Reopener", "*__actions": ["view"]}
    for key in ["*", *(t.key for t in registry.all_types())]:
        data.update({f"{key}__view_scope": "own", f"{key}__edit_scope": "own"})
    data.update(
        {
            "sampledocument__own": "on",
            "sampledocument__actions": ["view", "create", "edit", "reopen"],
        }
    )
    response = client_for(admin).post("/org/roles/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    row = RolePermission.objects.get(role__code="reopener", type_key="sampledocument")
    assert row.actions == ["create", "edit", "reopen", "view"]

    user = make_user("reopener", roles=[Role.objects.get(code="reopener")])
    doc = _move(make_document(user, amount=decimal.Decimal("5")), "submit", actor=user)
    SampleDocument.objects.filter(pk=doc.pk).update(status="rejected")
    reopened = services.transition(doc, "reopen", actor=user)
    assert reopened.status == "draft"
