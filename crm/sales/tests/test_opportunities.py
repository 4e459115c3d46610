"""An opportunity's stage moves along its sales process: guarded on every surface, with its
history and the time spent in each stage; won, lost and reopened; refused bad input."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.core import jobs, registry, services
from crm.core.errors import RecordLocked, TransitionRefused, ValidationFailed
from crm.core.imports import services as imports
from crm.core.imports.fields import Schema
from crm.core.models import ChangeAction, JobRowError, ObjectChange
from crm.customization.models import DictionaryItem
from crm.sales import services as sales
from crm.sales.models import Opportunity, OpportunityStatus, SalesStage, StageChange
from crm.sales.testing import make_process

API = "/api/v1/opportunities"


@pytest.fixture
def process(db):
    return make_process()


def stage(process, name: str) -> SalesStage:
    return process.stages.get(name=name)


def customer_of(owner, name: str = "华星电子"):
    model = registry.get("customer").model
    return services.save(model(owner=owner, name=name), actor=owner)


def make_opportunity(owner, process, **fields) -> Opportunity:
    fields.setdefault("name", "华星电子 MES 一期")
    fields.setdefault("customer", customer_of(owner))
    return services.save(Opportunity(owner=owner, process=process, **fields), actor=owner)


def state(opportunity: Opportunity) -> tuple:
    stored = Opportunity.all_objects.get(pk=opportunity.pk)
    changes = StageChange.objects.filter(opportunity=opportunity).count()
    return stored.version, stored.status, stored.stage_id, stored.probability, changes


def imported(user, rows: list[list[str]], on_duplicate="update", match="number"):
    """Opportunities imported from a CSV of `rows` (matched on their number)."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    upload = SimpleUploadedFile("deals.csv", text.getvalue().encode(), content_type="text/csv")
    job = imports.upload(user, registry.get("opportunity"), upload)
    params = job.params
    imports.configure(job, user, params["columns"], on_duplicate, match)
    imports.start(job, user)
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def lost_reason() -> DictionaryItem:
    return DictionaryItem.objects.filter(dictionary__code="lost_reason").first()


# --------------------------------------------------------------------------- creating


def test_a_new_opportunity_starts_in_the_first_stage_at_its_probability(alice, process):
    opportunity = make_opportunity(alice, process, expected_amount=Decimal("200000"))
    assert opportunity.stage == stage(process, "初步接洽")
    assert opportunity.probability == 10
    assert opportunity.weighted_amount == Decimal("20000.00")
    assert opportunity.stage_entered_at is not None


def test_an_entered_probability_is_kept_and_weights_the_amount(alice, process):
    opportunity = make_opportunity(
        alice, process, probability=35, expected_amount=Decimal("99999.99")
    )
    assert opportunity.probability == 35
    assert opportunity.weighted_amount == Decimal("35000.00")  # 34999.9965 rounded half up


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"expected_amount": Decimal("-1")}, "expected_amount"),
        ({"close_date": datetime.date.today() - datetime.timedelta(days=1)}, "close_date"),
        ({"probability": 101}, "probability"),
    ],
)
def test_bad_input_on_create_is_refused_and_nothing_is_written(alice, process, fields, refused):
    customer = customer_of(alice)
    with pytest.raises(ValidationFailed) as refusal:
        make_opportunity(alice, process, customer=customer, **fields)
    assert refused in refusal.value.fields
    assert not Opportunity.all_objects.exists()


def test_the_process_is_chosen_once(alice, process):
    opportunity = make_opportunity(alice, process)
    other = make_process("分销销售", default=False)
    opportunity.process = other
    with pytest.raises(ValidationFailed) as refusal:
        services.save(opportunity, actor=alice)
    assert "process" in refusal.value.fields
    assert Opportunity.objects.get(pk=opportunity.pk).process == process


def test_a_process_without_stages_is_refused_with_its_reason(alice, db):
    empty = make_process("空流程", stages=())
    with pytest.raises(ValidationFailed) as refusal:
        make_opportunity(alice, empty)
    assert "process" in refusal.value.fields


# --------------------------------------------------------------------------- moving


def test_a_move_enters_the_stage_takes_its_probability_and_is_logged(alice, process):
    opportunity = make_opportunity(alice, process, expected_amount=Decimal("100000"))
    moved = services.transition(opportunity, "move", actor=alice, stage=stage(process, "需求确认"))
    assert (moved.stage.name, moved.probability, moved.weighted_amount) == (
        "需求确认",
        30,
        Decimal("30000.00"),
    )
    change = StageChange.objects.get(opportunity=moved)
    assert (change.from_stage.name, change.to_stage.name, change.changed_by) == (
        "初步接洽",
        "需求确认",
        alice,
    )
    logged = ObjectChange.objects.filter(object_id=moved.pk, action=ChangeAction.TRANSITION)
    assert logged.count() == 1
    assert "stage_id" in logged.get().changes


def test_a_stage_needs_what_it_and_the_stages_before_it_require(alice, process, settings):
    settings.LANGUAGE_CODE = "en"
    opportunity = make_opportunity(alice, process)
    before = state(opportunity)
    with pytest.raises(TransitionRefused) as refusal:
        services.transition(opportunity, "move", actor=alice, stage=stage(process, "商务谈判"))
    assert refusal.value.code == "guard_refused"
    assert str(refusal.value.message) == "Fill in amount, expected close date before “商务谈判”."
    assert state(opportunity) == before
    opportunity.expected_amount = Decimal("50000")
    opportunity.close_date = datetime.date.today() + datetime.timedelta(days=20)
    opportunity = services.save(opportunity, actor=alice)
    moved = services.transition(opportunity, "move", actor=alice, stage=stage(process, "商务谈判"))
    assert moved.stage.name == "商务谈判"


def test_a_stage_of_another_process_or_the_same_stage_is_refused(alice, process):
    opportunity = make_opportunity(alice, process)
    other = make_process("分销销售", default=False)
    before = state(opportunity)
    with pytest.raises(TransitionRefused):
        services.transition(opportunity, "move", actor=alice, stage=other.stages.first())
    with pytest.raises(TransitionRefused):
        services.transition(opportunity, "move", actor=alice, stage=opportunity.stage)
    with pytest.raises(TransitionRefused):
        services.transition(opportunity, "move", actor=alice, stage=stage(process, "赢单"))
    assert state(opportunity) == before


def soon() -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=30)


def test_won_lost_and_reopened(alice, make_user, process):
    opportunity = make_opportunity(
        alice, process, expected_amount=Decimal("80000"), close_date=soon()
    )
    won = services.transition(opportunity, "win", actor=alice)
    assert (won.status, won.stage.name, won.probability, won.closed_on) == (
        OpportunityStatus.WON,
        "赢单",
        100,
        timezone.localdate(),
    )
    # A closed opportunity does not change, nor move; it is reopened first.
    won.next_step = "跟进回款"
    with pytest.raises(RecordLocked):
        services.save(won, actor=alice)
    before = state(won)
    with pytest.raises(TransitionRefused) as refusal:
        services.transition(won, "move", actor=alice, stage=stage(process, "需求确认"))
    assert refusal.value.code == "wrong_state"
    assert state(won) == before
    # Reopening is a permission of its own.
    with pytest.raises(services.AccessDenied):
        services.transition(won, "reopen", actor=alice, stage=stage(process, "需求确认"))
    manager = make_user("manager", is_superuser=True)
    reopened = services.transition(won, "reopen", actor=manager, stage=stage(process, "需求确认"))
    assert (reopened.status, reopened.stage.name, reopened.closed_on) == ("open", "需求确认", None)
    lost = services.transition(reopened, "lose", actor=alice, lost_reason=lost_reason())
    assert (lost.status, lost.stage.name, lost.probability, lost.lost_reason) == (
        OpportunityStatus.LOST,
        "输单",
        0,
        lost_reason(),
    )


def test_losing_needs_a_reason(alice, process):
    opportunity = make_opportunity(alice, process)
    before = state(opportunity)
    with pytest.raises(TransitionRefused) as refusal:
        services.transition(opportunity, "lose", actor=alice)
    assert refusal.value.code == "fields_required"
    assert state(opportunity) == before


def test_the_stage_history_tells_the_time_in_each_stage(alice, process):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=start):
        opportunity = make_opportunity(alice, process, expected_amount=Decimal("10"))
    days = datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=start + 3 * days):
        opportunity = services.transition(
            opportunity, "move", actor=alice, stage=stage(process, "需求确认")
        )
    with mock.patch("django.utils.timezone.now", return_value=start + 10 * days):
        opportunity = services.transition(
            opportunity, "move", actor=alice, stage=stage(process, "方案报价")
        )
    periods = sales.stage_history(opportunity)
    assert [p.stage.name for p in periods] == ["初步接洽", "需求确认", "方案报价"]
    assert [p.duration(start + 12 * days) for p in periods] == [3 * days, 7 * days, 2 * days]
    assert periods[-1].left is None
    assert opportunity.stage_entered_at == start + 10 * days


# --------------------------------------------------------------------------- every surface


def test_the_form_and_the_api_never_change_the_stage(alice, client_for, api_for, process):
    opportunity = make_opportunity(alice, process)
    target = stage(process, "商务谈判")
    before = state(opportunity)
    api = api_for(alice)
    patched = api.patch(
        f"{API}/{opportunity.pk}/", {"stage": target.pk, "version": opportunity.version}
    )
    assert patched.status_code == 422
    assert set(patched.json()["fields"]) == {"stage"}
    created = api.post(
        f"{API}/",
        {
            "name": "绕过阶段",
            "customer": opportunity.customer_id,
            "process": process.pk,
            "stage": target.pk,
        },
    )
    assert created.status_code == 422
    assert not Opportunity.objects.filter(name="绕过阶段").exists()
    form = registry.get("opportunity").form(instance=opportunity, user=alice)
    assert "stage" not in form.fields
    assert "stage" not in Schema(registry.get("opportunity")).targets
    assert state(opportunity) == before


def test_the_api_moves_through_the_transition_with_its_guards(alice, api_for, process):
    opportunity = make_opportunity(alice, process)
    api = api_for(alice)
    path = f"{API}/{opportunity.pk}/transitions/move/"
    before = state(opportunity)
    refused = api.post(
        path, {"stage": stage(process, "方案报价").pk, "version": opportunity.version}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "guard_refused"
    other = make_process("分销销售", default=False).stages.first()
    foreign = api.post(path, {"stage": other.pk, "version": opportunity.version})
    assert foreign.status_code == 422
    assert set(foreign.json()["fields"]) == {"stage"}
    assert state(opportunity) == before
    moved = api.post(path, {"stage": stage(process, "需求确认").pk, "version": opportunity.version})
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["stage"], moved.json()["probability"]) == (
        stage(process, "需求确认").pk,
        30,
    )


def test_the_page_offers_the_stage_path_and_moves_by_it(alice, client_for, process):
    opportunity = make_opportunity(alice, process)
    client = client_for(alice)
    detail = reverse("sales:opportunity_detail", args=[opportunity.pk])
    page = client.get(detail).content.decode()
    assert "data-stage-path" in page and "需求确认" in page
    assert "分销销售" not in page  # only its own process's stages are offered
    client.post(
        reverse("sales:opportunity_transition", args=[opportunity.pk, "move"]),
        {"stage": stage(process, "方案报价").pk, "version": opportunity.version},
    )
    assert state(opportunity)[2] == opportunity.stage_id  # refused: the amount is missing
    client.post(
        reverse("sales:opportunity_transition", args=[opportunity.pk, "move"]),
        {"stage": stage(process, "需求确认").pk, "version": opportunity.version},
    )
    assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "需求确认"
    history = client.get(detail).content.decode()
    assert "data-stage-history" in history


def test_winning_needs_what_every_stage_before_requires(alice, process):
    opportunity = make_opportunity(alice, process, expected_amount=Decimal("80000"))
    before = state(opportunity)
    with pytest.raises(TransitionRefused) as refusal:
        services.transition(opportunity, "win", actor=alice)
    assert refusal.value.code == "guard_refused"
    assert state(opportunity) == before


def test_the_customer_page_sums_its_pipeline(alice, client_for, process):
    customer = customer_of(alice, "明德贸易")
    make_opportunity(alice, process, customer=customer, expected_amount=Decimal("100000"))
    won = make_opportunity(
        alice, process, customer=customer, expected_amount=Decimal("30000"), close_date=soon()
    )
    services.transition(won, "win", actor=alice)
    page = client_for(alice).get(reverse("customers:customer_detail", args=[customer.pk]))
    text = page.content.decode()
    assert "¥100,000.00" in text  # open pipeline
    assert "¥10,000.00" in text  # weighted at 10 %
    assert "¥30,000.00" in text  # won this year


def test_the_form_reads_only_the_chosen_customer_not_every_one(alice, client_for, process):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    opportunity = make_opportunity(alice, process)
    for n in range(5):
        customer_of(alice, f"别的客户{n}")
    with CaptureQueriesContext(connection) as queries:
        page = client_for(alice).get(reverse("sales:opportunity_edit", args=[opportunity.pk]))
    assert page.status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "customers_customer"' in q["sql"]]
    assert reads and all('"customers_customer"."id" IN' in sql for sql in reads), reads
    assert "别的客户" not in page.content.decode()


def test_winning_through_the_api_takes_a_closing_note(alice, api_for, process):
    opportunity = make_opportunity(
        alice, process, expected_amount=Decimal("9000"), close_date=soon()
    )
    won = api_for(alice).post(
        f"{API}/{opportunity.pk}/transitions/win/",
        {"close_note": "价格与交期都满足", "version": opportunity.version},
    )
    assert won.status_code == 200, won.json()
    assert (won.json()["status"], won.json()["close_note"]) == ("won", "价格与交期都满足")


def test_an_import_names_the_sales_process_and_an_unknown_one_is_refused(admin, process):
    buyer = customer_of(admin, "远洋贸易").name
    header = ["商机名称", "客户", "销售流程", "金额"]
    job = imported(admin, [header, ["远洋一期", buyer, "项目型销售", "8000"]], "create", "")
    made = Opportunity.objects.get(name="远洋一期")
    assert (job.summary["created"], made.process, made.stage) == (
        1,
        process,
        stage(process, "初步接洽"),
    )
    refused = imported(admin, [header, ["远洋二期", buyer, "没有的流程", "8000"]], "create", "")
    message = JobRowError.objects.get(job=refused).message
    assert "没有的流程" in message and "项目型销售" in message
    assert not Opportunity.objects.filter(name="远洋二期").exists()
