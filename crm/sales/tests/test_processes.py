"""Sales processes set up in the browser's forms: a process with its stages created and
edited as one, refused when the stages do not make a process (nothing written then), a
stage or process in use deactivated rather than deleted, one default, only for those who
manage the settings, and a change log that reads in words."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from crm.conftest import signed_in
from crm.core import registry
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.models import ObjectChange
from crm.org.models import Role
from crm.sales import processes
from crm.sales.models import Opportunity, SalesProcess, SalesStage, StageChange
from crm.sales.testing import make_process

pytestmark = pytest.mark.django_db


def row(name, probability=None, category="open", required=(), *, active=True, id=None) -> dict:
    """One stage row as the form posts it."""
    return {
        "id": id,
        "name": name,
        "probability": probability,
        "category": category,
        "required_fields": list(required),
        "is_active": active,
    }


PROCESS_ROWS = [
    row("初步接洽", 10),
    row("需求确认", 30),
    row("方案报价", 60, required=["expected_amount"]),
    row("赢单", category="won"),
    row("输单", category="lost"),
]


def form_data(rows, **fields) -> dict:
    """What the process form posts: its fields and the stage rows."""
    data = {"name": "项目型销售", "description": "", "is_active": "on", **fields}
    data.update({"stages-TOTAL_FORMS": len(rows), "stages-INITIAL_FORMS": 0})
    for i, each in enumerate(rows):
        for name, value in each.items():
            if name == "is_active":
                if value:
                    data[f"stages-{i}-is_active"] = "on"
            elif value is not None:
                data[f"stages-{i}-{name}"] = value
    return data


def stored_rows(process) -> list[dict]:
    """A stored process's stages as the edit form shows them."""
    return [
        row(
            s.name,
            s.probability,
            s.category,
            s.required_fields,
            active=s.is_active,
            id=s.pk,
        )
        for s in process.stages.order_by("position", "id")
    ]


def stages_of(process) -> list[tuple]:
    return list(
        process.stages.order_by("position", "id").values_list(
            "name", "position", "probability", "category", "required_fields", "is_active"
        )
    )


def everything() -> tuple:
    """All that a refused save must leave as it was."""
    return (
        list(SalesProcess.objects.values_list("id", "name", "version", "is_default", "is_active")),
        list(SalesStage.objects.values_list("id", "name", "version", "position", "probability")),
        ObjectChange.objects.count(),
    )


def opportunity_in(stage, owner) -> Opportunity:
    customer = registry.get("customer").model.objects.create(owner=owner, name="华星电子")
    return Opportunity.objects.create(
        owner=owner,
        name="华星电子 MES 一期",
        number="O-1",
        customer=customer,
        process=stage.process,
        stage=stage,
    )


# ------------------------------------------------------------------------------ creating


def test_an_administrator_creates_a_process_with_its_stages(admin):
    client = signed_in(admin)
    create = reverse("sales:process_create")

    page = client.get(create)
    added = client.post(
        create,
        {**form_data(PROCESS_ROWS), "refresh": "1", "stages-op": "add"},
        headers={"HX-Request": "true"},
    )
    moved = client.post(
        create,
        {**form_data(PROCESS_ROWS), "refresh": "1", "stages-op": "up-3"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    # A new process starts with a won and a lost stage already in its rows.
    assert [f["category"].value() for f in page.context["stages"].forms] == ["open", "won", "lost"]
    assert [f["name"].value() for f in added.context["stages"].forms][-2:] == ["输单", None]
    assert [f["name"].value() for f in moved.context["stages"].forms][2:4] == ["赢单", "方案报价"]
    assert 'name="stages-2-required_fields"' in added.content.decode()
    assert not SalesProcess.objects.exists()

    response = client.post(create, form_data(PROCESS_ROWS))

    assert response.status_code == 302
    process = SalesProcess.objects.get()
    assert (process.name, process.is_default, process.is_active) == ("项目型销售", True, True)
    assert stages_of(process) == [
        ("初步接洽", 1, 10, "open", [], True),
        ("需求确认", 2, 30, "open", [], True),
        ("方案报价", 3, 60, "open", ["expected_amount"], True),
        ("赢单", 4, 100, "won", [], True),
        ("输单", 5, 0, "lost", [], True),
    ]
    logged = ObjectChange.objects.filter(action="create")
    assert logged.filter(content_type=ContentType.objects.get_for_model(SalesStage)).count() == 5


def test_the_list_reads_each_process_as_its_path(admin):
    process = make_process()
    make_process("分销", default=False)
    opportunity_in(process.stages.get(name="需求确认"), admin)

    response = signed_in(admin).get(reverse("sales:process_list"))

    content = response.content.decode()
    assert response.status_code == 200
    assert '初步接洽 <span class="text-secondary">10%</span></span> → ' in content
    assert '赢单 <span class="text-secondary">100%</span></span> / ' in content
    assert "1 open opportunity" in content
    assert "0 open opportunities" in content
    assert content.count("data-default") == 1
    assert 'href="/sales/processes/"' in content  # the settings' own tab


def test_the_list_reads_the_same_number_of_queries_for_more_processes(admin):
    client = signed_in(admin)
    make_process()
    client.get(reverse("sales:process_list"))  # the session and menu read once
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("sales:process_list"))
    make_process("分销", default=False)
    make_process("续约", default=False)

    with CaptureQueriesContext(connection) as three:
        client.get(reverse("sales:process_list"))

    assert len(three) == len(one)


# ------------------------------------------------------------------------------- editing


def test_editing_renames_reorders_and_changes_a_probability(admin):
    process = make_process()
    ids = dict(process.stages.values_list("name", "id"))
    rows = stored_rows(process)
    rows[1]["name"] = "需求分析"
    rows[2]["probability"] = 50
    rows[0], rows[1] = rows[1], rows[0]
    edit = reverse("sales:process_edit", args=[process.pk])

    page = signed_in(admin).get(edit)
    response = signed_in(admin).post(edit, form_data(rows, name=process.name, version=1))

    assert page.status_code == 200
    assert '<option value="expected_amount" selected>' in page.content.decode()
    assert response.status_code == 302
    assert stages_of(process)[:3] == [
        ("需求分析", 1, 30, "open", [], True),
        ("初步接洽", 2, 10, "open", [], True),
        ("方案报价", 3, 50, "open", ["expected_amount"], True),
    ]
    # The same stages, renamed and moved; those not changed are not written.
    assert dict(process.stages.values_list("position", "id"))[1] == ids["需求确认"]
    assert SalesStage.objects.get(name="赢单").version == 1


def test_a_stage_may_take_the_name_another_gives_up_in_the_same_save(admin):
    process = make_process()
    rows = stored_rows(process)
    rows[0]["name"], rows[1]["name"] = "需求确认", "需求分析"

    processes.save_process(process, stages=rows, actor=admin)

    assert [name for name, *_rest in stages_of(process)][:2] == ["需求确认", "需求分析"]


def test_two_stages_swapping_names_are_refused_at_a_row(admin):
    process = make_process()
    rows = stored_rows(process)
    rows[0]["name"], rows[1]["name"] = "需求确认", "初步接洽"
    before = everything()

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        processes.save_process(process, stages=rows, actor=admin)

    assert refused.value.fields == {
        "stages.0.name": ["This process already has a stage of that name."]
    }
    assert everything() == before


def test_a_stale_form_is_refused(admin):
    process = make_process()
    edit = reverse("sales:process_edit", args=[process.pk])
    rows = stored_rows(process)
    rows[0]["probability"] = 15
    before = everything()

    response = signed_in(admin).post(edit, form_data(rows, name=process.name, version=0))

    assert response.status_code == 200
    assert "since you opened it" in response.content.decode()
    assert everything() == before


# ---------------------------------------------------------------------------- refusals


def _without_won(rows):
    return [r for r in rows if r["category"] != "won"]


def _two_lost(rows):
    return [*rows, row("丢单", 0, "lost")]


def _same_name(rows):
    rows[1]["name"] = "初步接洽"
    return rows


def _probability_150(rows):
    rows[0]["probability"] = 150
    return rows


def _unknown_field(rows):
    rows[0]["required_fields"] = ["notes"]
    return rows


@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        (_without_won, None, "Add a won stage: a won opportunity goes there."),
        (_two_lost, (6, "category"), "A process has one lost stage, and “输单” is it."),
        (_same_name, (1, "name"), "Another stage of this process is called “初步接洽”."),
        (_probability_150, (0, "probability"), "Ensure this value is less than or equal to 100."),
        (_unknown_field, (0, "required_fields"), "Select a valid choice."),
    ],
)
def test_a_refused_process_shows_why_at_its_row_and_writes_nothing(admin, change, place, message):
    process = make_process()
    edit = reverse("sales:process_edit", args=[process.pk])
    before = everything()

    response = signed_in(admin).post(
        edit, form_data(change(stored_rows(process)), name=process.name, version=1)
    )

    assert response.status_code == 200
    stages = response.context["stages"]
    shown = stages.non_form_errors() if place is None else stages.forms[place[0]].errors[place[1]]
    assert any(text.startswith(message) for text in shown)
    assert everything() == before


def test_the_service_names_the_row_and_field_of_each_refusal(admin):
    rows = [
        row("初步接洽", 150),
        row("需求确认", 30, required=["notes"]),
        row("谈判"),
        row("赢单", category="won"),
        row("赢单", category="won"),
    ]
    before = everything()

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        processes.save_process(SalesProcess(name="分销"), stages=rows, actor=admin)

    assert refused.value.fields == {
        "stages.0.probability": ["Enter a probability from 0 to 100."],
        "stages.1.required_fields": [
            "“notes” cannot be required: choose among the fields a salesperson fills."
        ],
        "stages.2.probability": ["Enter a probability from 0 to 100."],
        "stages.4.name": ["Another stage of this process is called “赢单”."],
        "stages.4.category": ["A process has one won stage, and “赢单” is it."],
        "stages": ["Add a lost stage: a lost opportunity goes there."],
    }
    assert everything() == before


# ---------------------------------------------------------------- stages and processes in use


def test_a_stage_in_use_is_deactivated_instead_of_deleted(admin):
    process = make_process()
    stage = {s.name: s for s in process.stages.all()}
    opportunity = opportunity_in(stage["方案报价"], admin)
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=stage["需求确认"],
        to_stage=stage["方案报价"],
        changed_at=opportunity.created_at,
    )
    kept = [r for r in stored_rows(process) if r["name"] not in ("初步接洽", "需求确认")]
    edit = reverse("sales:process_edit", args=[process.pk])

    response = signed_in(admin).post(edit, form_data(kept, name=process.name, version=1))

    assert response.status_code == 302
    assert not SalesStage.objects.filter(pk=stage["初步接洽"].pk).exists()
    assert [(name, active) for name, _p, _pr, _c, _r, active in stages_of(process)] == [
        ("方案报价", True),
        ("商务谈判", True),
        ("赢单", True),
        ("输单", True),
        ("需求确认", False),
    ]
    # Shown again as an inactive row, it may be switched back on.
    page = signed_in(admin).get(edit)
    last = page.context["stages"].forms[-1]
    assert (last["name"].value(), last["is_active"].value()) == ("需求确认", False)


def test_a_process_in_use_is_deactivated_and_an_unused_one_deleted(admin):
    used = make_process()
    unused = make_process("分销", default=False)
    opportunity_in(used.stages.first(), admin)
    unused_stages = list(unused.stages.values_list("pk", flat=True))
    client = signed_in(admin)

    refused = client.post(reverse("sales:process_delete", args=[used.pk]), follow=True)
    client.post(reverse("sales:process_delete", args=[unused.pk]))
    deactivated = client.post(reverse("sales:process_delete", args=[used.pk]), follow=True)

    assert "Make another process the default before removing" in refused.content.decode()
    assert not SalesProcess.objects.filter(pk=unused.pk).exists()
    assert not SalesStage.objects.filter(pk__in=unused_stages).exists()
    assert "deactivated: opportunities follow it" in deactivated.content.decode()
    used.refresh_from_db()
    assert (used.is_active, used.is_default, used.stages.count()) == (False, False, 6)


# ------------------------------------------------------------------------------ default


def test_one_process_is_the_default(admin):
    first = make_process()
    second = make_process("分销", default=False)
    client = signed_in(admin)
    edit_second = reverse("sales:process_edit", args=[second.pk])

    client.post(
        edit_second, form_data(stored_rows(second), name="分销", is_default="on", version=1)
    )
    refused = client.post(edit_second, form_data(stored_rows(second), name="分销", version=2))

    defaults = SalesProcess.objects.filter(is_default=True)
    assert list(defaults.values_list("name", flat=True)) == ["分销"]
    assert refused.context["form"].errors["is_default"] == [
        "New opportunities follow the default process: make another process the default instead."
    ]
    first.refresh_from_db()
    assert (first.is_default, first.version) == (False, 2)


def test_processes_move_up_and_down(admin):
    first = make_process()
    second = make_process("分销", default=False)

    signed_in(admin).post(reverse("sales:process_move", args=[second.pk, "up"]))

    order = SalesProcess.objects.order_by("sort_order", "id").values_list("name", flat=True)
    assert list(order) == ["分销", first.name]


# -------------------------------------------------------------------------- permission


def test_only_those_who_manage_the_settings_reach_the_pages(alice, make_user):
    process = make_process()
    before = everything()
    seller = signed_in(alice)
    edit = reverse("sales:process_edit", args=[process.pk])
    rows = stored_rows(process)
    rows[0]["probability"] = 20
    settings_role = Role.objects.create(
        code="settings", name_zh="系统设置", name_en="Settings", specials=["manage_settings"]
    )
    manager = signed_in(make_user("chief", roles=[settings_role]))

    answers = [
        seller.get(reverse("sales:process_list")).status_code,
        seller.get(reverse("sales:process_create")).status_code,
        seller.post(reverse("sales:process_create"), form_data(PROCESS_ROWS)).status_code,
        seller.post(edit, form_data(rows, name=process.name, version=1)).status_code,
        seller.post(reverse("sales:process_move", args=[process.pk, "down"])).status_code,
        seller.post(reverse("sales:process_delete", args=[process.pk])).status_code,
    ]

    assert answers == [403] * 6
    assert everything() == before
    assert manager.get(reverse("sales:process_list")).status_code == 200
    assert manager.get(edit).status_code == 200


def test_the_service_refuses_a_salesperson(alice):
    process = make_process()
    before = everything()

    with pytest.raises(AccessDenied):
        processes.save_process(process, stages=stored_rows(process), actor=alice)

    assert everything() == before


# --------------------------------------------------------------------------- change log


def test_the_change_log_reads_an_edit_in_words(admin):
    process = make_process()
    rows = stored_rows(process)
    rows[1].update(name="需求分析", probability=40, required_fields=["contact", "close_date"])
    signed_in(admin).post(
        reverse("sales:process_edit", args=[process.pk]),
        form_data(rows, name=process.name, version=1),
    )

    stage_type = ContentType.objects.get_for_model(SalesStage)
    page = signed_in(admin).get(reverse("org:change_log"), {"type": "sales.salesstage"})

    content = page.content.decode()
    logged = ObjectChange.objects.get(content_type=stage_type, action="update")
    assert logged.object_repr == "需求分析"
    for text in ("需求确认", "需求分析", "Probability (%)", "Required before entering"):
        assert text in content
    assert "Expected close date, Main contact" in content
    assert "close_date" not in content
