"""The opportunities' board: one board per sales process, a column per stage, a card
dragged to a stage runs the stage's transition with its guards."""

from __future__ import annotations

import json
from decimal import Decimal

from django.urls import reverse

from crm.customization.models import DictionaryItem
from crm.sales.models import Opportunity
from crm.sales.testing import make_process
from crm.sales.tests.test_opportunities import make_opportunity, soon, stage, state


def _move(client, opportunity, stage_id, **data):
    version = Opportunity.objects.get(pk=opportunity.pk).version
    url = reverse("sales:opportunity_board_move", args=[opportunity.pk])
    payload = {"column": str(stage_id), "version": version, **data}
    return client.post(f"{url}?lane={opportunity.process_id}", payload, HTTP_HX_REQUEST="true")


def test_the_board_shows_the_default_process_stages_and_sums(alice, client_for, db):
    other = make_process("分销销售", default=False)
    process = make_process()
    make_opportunity(alice, process, expected_amount=Decimal("100000"))
    make_opportunity(alice, other, name="分销商机")
    page = client_for(alice).get(reverse("sales:opportunity_board")).content.decode()
    for name in ("初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单"):
        assert name in page
    assert "¥100,000.00" in page and "¥10,000.00" in page  # amount, weighted at 10 %
    assert "分销商机" not in page  # on the other process's board
    lane = client_for(alice).get(reverse("sales:opportunity_board"), {"lane": other.pk})
    assert "分销商机" in lane.content.decode()


def test_a_drag_runs_the_move_and_a_refused_one_changes_nothing(alice, client_for, db):
    process = make_process()
    opportunity = make_opportunity(alice, process)
    client = client_for(alice)
    before = state(opportunity)
    refused = _move(client, opportunity, stage(process, "方案报价").pk)
    assert refused.status_code == 409
    toast = json.loads(refused["HX-Trigger"])["toast"]
    assert (toast["level"], toast["message"]) == ("error", "Fill in amount before “方案报价”.")
    assert state(opportunity) == before
    moved = _move(client, opportunity, stage(process, "需求确认").pk)
    assert moved.status_code == 200
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stage(process, "需求确认")


def test_dropping_on_lost_asks_for_the_reason_then_loses(alice, client_for, db):
    process = make_process()
    opportunity = make_opportunity(alice, process, expected_amount=Decimal("5"), close_date=soon())
    client = client_for(alice)
    before = state(opportunity)
    asked = _move(client, opportunity, stage(process, "输单").pk)
    assert asked.status_code == 422
    assert 'name="lost_reason"' in asked.content.decode()
    assert state(opportunity) == before
    reason = DictionaryItem.objects.filter(dictionary__code="lost_reason").first()
    lost = _move(client, opportunity, stage(process, "输单").pk, lost_reason=reason.pk)
    assert lost.status_code == 200
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.status, stored.stage.name, stored.lost_reason) == ("lost", "输单", reason)
    won = _move(client, opportunity, stage(process, "赢单").pk)
    assert won.status_code == 409  # a lost one is reopened first
    reopened = _move(client, opportunity, stage(process, "需求确认").pk)
    assert reopened.status_code == 403  # reopening is a permission alice lacks
    assert Opportunity.objects.get(pk=opportunity.pk).status == "lost"
