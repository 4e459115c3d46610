"""The approval process pages: administrators set processes up, with conditions and steps,
entirely through the forms; nobody else may, and a refused form keeps nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.forms import Select
from django.urls import reverse

from crm.conftest import signed_in
from crm.core import changes
from crm.core.errors import AccessDenied
from crm.core.models import ObjectChange
from crm.org.models import Role
from crm.workflow import conditions, processes
from crm.workflow import services as approvals
from crm.workflow.forms import condition_formset
from crm.workflow.models import ApprovalProcess, ApproverKind, RequestState
from crm.workflow.tests.fixtures import ABOVE_100K, customer, process, raise_limit

pytestmark = pytest.mark.django_db

LIST = reverse("workflow:process_list")
CREATE = reverse("workflow:process_create")


def form_data(*, conditions=(), steps=(), **fields) -> dict:
    """What the process form posts: its fields, the condition rows and the step rows."""
    data = {"name": "大额信用额度", "target": "customer:credit_limit", "is_active": "on", **fields}
    data.update({"conditions-TOTAL_FORMS": len(conditions), "conditions-INITIAL_FORMS": 0})
    for i, row in enumerate(conditions):
        data.update({f"conditions-{i}-{name}": value for name, value in row.items()})
    data.update({"steps-TOTAL_FORMS": len(steps), "steps-INITIAL_FORMS": 0})
    for i, row in enumerate(steps):
        data.update({f"steps-{i}-{name}": value for name, value in row.items()})
    return data


SUPERIOR = {"approver_kind": "superior", "mode": "any", "skip_submitter": "on"}
TWO_UP = {"approver_kind": "superior_level", "levels": "2", "mode": "all"}
OVER_100K = {"field": "credit_limit", "op": "gt", "value": "100,000"}


def process_type() -> ContentType:
    return ContentType.objects.get_for_model(ApprovalProcess)


def stored():
    return list(ApprovalProcess.objects.values_list("name", "version", "is_active", "sort_order"))


def test_an_administrator_sets_up_a_two_step_process_with_a_condition(admin, org):
    client = signed_in(admin)
    page = client.get(CREATE)
    assert page.status_code == 200
    # The rows are added through the form's own buttons, nothing saved meanwhile.
    with_condition = client.post(
        CREATE,
        {**form_data(steps=[SUPERIOR]), "refresh": "1", "conditions-op": "add"},
        headers={"HX-Request": "true"},
    )
    two_steps = client.post(
        CREATE,
        {**form_data(steps=[SUPERIOR]), "refresh": "1", "steps-op": "add"},
        headers={"HX-Request": "true"},
    )
    assert with_condition.content.decode().count('name="conditions-0-field"') == 1
    assert 'name="steps-1-approver_kind"' in two_steps.content.decode()
    assert re.search(r'<input[^>]*name="steps-1-name"[^>]*autofocus', two_steps.content.decode())
    assert not ApprovalProcess.objects.exists()

    response = client.post(CREATE, form_data(conditions=[OVER_100K], steps=[SUPERIOR, TWO_UP]))

    assert response.status_code == 302
    saved = ApprovalProcess.objects.get()
    assert (saved.type_key, saved.approvable, saved.is_active) == ("customer", "credit_limit", True)
    assert saved.conditions == [{"field": "credit_limit", "op": "gt", "value": "100000"}]
    steps = list(saved.steps.values_list("position", "approver_kind", "levels", "mode"))
    assert steps == [(0, "superior", 1, "any"), (1, "superior_level", 2, "all")]
    # And it applies: a raise above the amount waits for the seller's superior.
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    assert request.process == saved
    assert [t.approver for t in approvals.current_tasks(request)] == [org["manager"]]


def test_the_list_reads_each_process_in_words(admin, org):
    process(conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    process(
        conditions=[],
        order=1,
        steps=[
            {"approver_kind": ApproverKind.ROLE_COMPANY, "role": org["finance"], "mode": "all"},
        ],
    )

    response = signed_in(admin).get(LIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Customers · Credit limit change" in content
    assert "Credit limit &gt; ¥100,000.00" in content
    assert "1. Direct superior" in content
    assert "Role holders in the submitter&#x27;s company: Finance (countersign)" in content


def test_a_refused_form_shows_each_error_at_its_cell_and_keeps_nothing(admin):
    bad_value = {"field": "credit_limit", "op": "gt", "value": "lots"}
    no_role = {"approver_kind": "role_company", "mode": "any"}

    without_steps = signed_in(admin).post(CREATE, form_data(conditions=[bad_value]))
    without_role = signed_in(admin).post(CREATE, form_data(steps=[no_role]))

    assert without_steps.status_code == 200
    assert without_steps.context["conditions"].forms[0].errors["value"]
    assert without_steps.context["steps"].non_form_errors() == ["Add at least one step."]
    assert without_role.context["steps"].forms[0].errors["role"] == ["Choose the role."]
    assert 'class="form-select is-invalid"' in without_role.content.decode()
    assert not ApprovalProcess.objects.exists()
    assert not ObjectChange.objects.filter(content_type=process_type()).exists()


def test_editing_replaces_the_steps_and_logs_them(admin, org):
    saved = process(conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    saved.version = 1
    saved.save(update_fields=["version"])
    edit = reverse("workflow:process_edit", args=[saved.pk])

    page = signed_in(admin).get(edit)
    response = signed_in(admin).post(
        edit,
        form_data(name=saved.name, conditions=[OVER_100K], steps=[TWO_UP], version=1),
    )

    assert page.status_code == 200
    assert 'value="100000"' in page.content.decode()
    assert response.status_code == 302
    saved.refresh_from_db()
    assert list(saved.steps.values_list("approver_kind", flat=True)) == ["superior_level"]
    logged = ObjectChange.objects.filter(content_type=process_type(), object_id=saved.pk)
    steps_row = next(row.changes for row in logged if "steps" in row.changes)
    assert [s["approver_kind"] for s in steps_row["steps"][0]] == ["superior"]
    assert [s["approver_kind"] for s in steps_row["steps"][1]] == ["superior_level"]
    read = changes.Reader([(ApprovalProcess, steps_row)]).rows(ApprovalProcess, steps_row)
    assert [value.label for value in read] == ["Approval steps"]


def test_a_stale_edit_is_refused(admin):
    saved = process(conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    edit = reverse("workflow:process_edit", args=[saved.pk])
    before = stored()

    response = signed_in(admin).post(
        edit, form_data(name="Changed", steps=[SUPERIOR], version=saved.version + 3)
    )

    assert response.status_code == 200
    assert "since you opened it" in response.content.decode()
    assert stored() == before


def test_processes_move_up_and_down_in_the_order_they_are_tried(admin):
    first = process(steps=[{"approver_kind": ApproverKind.SUPERIOR}], order=1)
    second = process(steps=[{"approver_kind": ApproverKind.SUPERIOR}], order=2)

    response = signed_in(admin).post(reverse("workflow:process_move", args=[second.pk, "up"]))

    assert response.status_code == 302
    ordered = ApprovalProcess.objects.order_by("sort_order").values_list("pk", flat=True)
    assert list(ordered) == [second.pk, first.pk]


def test_a_process_records_went_through_is_deactivated_not_deleted(admin, org):
    used = process(conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    unused = process(steps=[{"approver_kind": ApproverKind.SUPERIOR}], order=1)
    raise_limit(customer(org["seller"]), "300000", org["seller"])
    client = signed_in(admin)

    client.post(reverse("workflow:process_delete", args=[used.pk]))
    client.post(reverse("workflow:process_delete", args=[unused.pk]))

    assert list(ApprovalProcess.objects.values_list("pk", "is_active")) == [(used.pk, False)]
    assert used.requests.get().state == RequestState.PENDING


def test_only_administrators_and_settings_managers_may_set_processes_up(make_user, org):
    saved = process(conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    seller = signed_in(org["seller"])
    before = stored()

    answers = [
        seller.get(LIST).status_code,
        seller.get(CREATE).status_code,
        seller.post(CREATE, form_data(steps=[SUPERIOR])).status_code,
        seller.post(reverse("workflow:process_edit", args=[saved.pk]), form_data()).status_code,
        seller.post(reverse("workflow:process_move", args=[saved.pk, "down"])).status_code,
        seller.post(reverse("workflow:process_delete", args=[saved.pk])).status_code,
    ]

    assert answers == [403] * 6
    assert stored() == before
    manager_role = Role.objects.create(
        code="settings", name_zh="设置", name_en="Settings", specials=["manage_settings"]
    )
    manager = make_user("settings1", roles=[manager_role])
    assert signed_in(manager).get(LIST).status_code == 200


def test_the_service_refuses_a_user_without_the_permission(org):
    new = ApprovalProcess(name="x", type_key="customer", approvable="credit_limit")

    with pytest.raises(AccessDenied):
        processes.save_process(
            new, conditions=[], steps=[{"approver_kind": "superior"}], actor=org["seller"]
        )

    assert not ApprovalProcess.objects.exists()


def test_each_condition_row_offers_the_input_its_field_and_comparison_need(admin):
    expected = {
        "number": "text",
        "money": "text",
        "text": "text",
        "date": "date",
        "datetime": "datetime-local",
        "choice": "select",
        "dictionary": "select",
        "bool": "select",
        "user": "select",
    }
    fields = conditions.fields_for("customer")
    rows = [{"field": field.name, "op": field.operators[0]} for field in fields]
    rows += [{"field": fields[0].name, "op": "empty"}]

    formset = condition_formset("customer", rows=rows)

    for field, form in zip(fields, formset.forms, strict=False):
        widget = form.fields["value"].widget
        shown = "select" if isinstance(widget, Select) else widget.input_type
        assert (field.kind, shown) == (field.kind, expected[field.kind])
        assert [op for op, _label in form.fields["op"].choices] == list(field.operators)
    assert "value" not in formset.forms[-1].fields  # "is empty" takes no value
    user_field = next((f for f in fields if f.kind == "user"), None)
    if user_field is not None:
        row = condition_formset("customer", rows=[{"field": user_field.name, "op": "eq"}])
        offered = dict(row.forms[0].fields["value"].choices)
        assert offered[str(admin.pk)] == str(admin)


def test_a_step_takes_at_least_one_level_and_one_hour(admin):
    zero = {**TWO_UP, "levels": "0", "time_limit_hours": "0"}

    response = signed_in(admin).post(CREATE, form_data(steps=[zero]))

    errors = response.context["steps"].forms[0].errors
    assert set(errors) == {"levels", "time_limit_hours"}
    assert not ApprovalProcess.objects.exists()
