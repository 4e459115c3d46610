"""The sales funnel counts what the user sees in each stage, as the list does for the same
filter, and links each stage to that list."""

from __future__ import annotations

import re
from decimal import Decimal

from django.http import QueryDict
from django.urls import reverse

from crm.core import services
from crm.sales import reports
from crm.sales.testing import make_process
from crm.sales.tests.test_opportunities import make_opportunity, stage


def test_the_funnel_counts_each_stage_of_what_the_user_sees(alice, bob, client_for, db):
    process = make_process()
    for n in range(3):
        make_opportunity(alice, process, name=f"甲{n}", expected_amount=Decimal("1000"))
    moved = make_opportunity(alice, process, name="乙", expected_amount=Decimal("500"))
    services.transition(moved, "move", actor=alice, stage=stage(process, "需求确认"))
    make_opportunity(bob, process, name="丙", expected_amount=Decimal("9999"))
    rows = {row.stage.name: row for row in reports.funnel(alice, process, QueryDict())}
    assert (rows["初步接洽"].count, rows["需求确认"].count, rows["赢单"].count) == (3, 1, 0)
    assert rows["初步接洽"].amounts == {"CNY": Decimal("3000.00")}
    assert rows["需求确认"].weighted == {"CNY": Decimal("150.00")}

    client = client_for(alice)
    page = client.get(reverse("sales:opportunity_funnel")).content.decode()
    first_stage = stage(process, "初步接洽").pk
    link = re.search(rf'href="([^"]*stage={first_stage}[^"]*)"', page).group(1)
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.content.decode().count("data-row") == 3


def test_the_funnel_keeps_the_list_filters(alice, make_user, db):
    process = make_process()
    make_opportunity(alice, process, name="甲")
    carol = make_user("carol", is_superuser=True)
    make_opportunity(carol, process, name="乙")
    everyone = reports.funnel(carol, process, QueryDict())
    only_alice = reports.funnel(carol, process, QueryDict(f"owner={alice.pk}"))
    assert sum(row.count for row in everyone) == 2
    assert sum(row.count for row in only_alice) == 1


def test_the_list_board_and_funnel_filter_by_team(alice, bob, make_user, client_for, db):
    from crm.org.models import Employee, OrgUnit, Team

    process = make_process()
    make_opportunity(alice, process, name="甲队商机")
    make_opportunity(bob, process, name="乙队商机")
    unit = OrgUnit.objects.create(name="销售部", kind="department", path="/")
    team = Team.objects.create(name="华南组")
    team.members.add(Employee.objects.create(user=alice, name="Alice", department=unit))
    carol = make_user("carol", is_superuser=True)
    rows = reports.funnel(carol, process, QueryDict(f"team={team.pk}"))
    assert sum(row.count for row in rows) == 1
    client = client_for(carol)
    listed = client.get(reverse("sales:opportunity_list"), {"team": team.pk}).content.decode()
    assert "甲队商机" in listed and "乙队商机" not in listed
    board = client.get(reverse("sales:opportunity_board"), {"team": team.pk}).content.decode()
    assert "甲队商机" in board and "乙队商机" not in board
