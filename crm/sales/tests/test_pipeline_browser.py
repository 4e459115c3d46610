"""In a real browser, on a desk and on a phone, in both languages: a salesperson creates a
lead, converts it into a customer, a contact and an opportunity, moves the opportunity
across the board (a refused move says why and goes back), and marks it won."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium_page, refusals_aside, sign_in
from crm.org.models import Role, RolePermission
from crm.sales.models import Lead, Opportunity
from crm.sales.testing import make_process


def seller_role() -> Role:
    """A salesperson: their own records, and converting leads."""
    role = Role.objects.create(code="seller", name_zh="销售员", name_en="Seller")
    actions = ["view", "create", "edit", "delete", "export"]
    RolePermission.objects.create(
        role=role, type_key="*", actions=actions, view_scope="own", edit_scope="own"
    )
    RolePermission.objects.create(
        role=role,
        type_key="lead",
        actions=[*actions, "convert"],
        view_scope="own",
        edit_scope="own",
    )
    return role


def words(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "refused": _("Fill in %(fields)s before “%(stage)s”.")
            % {
                "fields": str(Opportunity._meta.get_field("expected_amount").verbose_name),
                "stage": "方案报价",
            },
            "won": str(Opportunity._meta.get_field("status").choices[1][1]),
            "mark_won": _("Mark won"),
            "convert": _("Convert"),
        }


def move(page, card, column: str, width: int) -> None:
    """Carry the card to the column: dragged on a desk, with its "Move to…" menu on a phone."""
    target = page.locator(f'[data-board-cards][data-column="{column}"]')
    if width >= 1000:
        start = card.locator("dl").bounding_box()
        goal = target.bounding_box()
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 40, steps=20)
        page.mouse.up()
    else:
        card.locator("[data-board-menu]").click()
        card.locator(f'[data-board-move-to="{column}"]').click()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_lead_to_won_opportunity(live_server, make_user, language, width):
    process = make_process()
    stages = {stage.name: str(stage.pk) for stage in process.stages.all()}
    make_user("seller", full_name="张伟", language=language, roles=[seller_role()])
    text = words(language)
    base = live_server.url
    with chromium_page(width=width) as (page, problems):
        sign_in(page, base, "seller")

        # A lead, typed in.
        page.goto(f"{base}/leads/new/")
        page.fill("input[name=name]", "华星电子 MES 询价")
        page.fill("input[name=company_name]", "深圳华星电子有限公司")
        page.fill("input[name=contact_name]", "陈晓明")
        page.fill("input[name=mobile]", "13812345678")
        page.locator("#record-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/leads/\d+/$"))
        lead = Lead.objects.get(name="华星电子 MES 询价")
        assert_fits(page)

        # Converted into a customer, a contact and an opportunity (no amount yet).
        page.locator("[data-transition=convert] a").click()
        page.wait_for_url(f"{base}/leads/{lead.pk}/convert/")
        assert_fits(page)
        assert_accessible(page)
        page.check("input[name=create_opportunity]")
        page.locator("#convert-form button[type=submit]").click()
        page.wait_for_url(f"{base}/leads/{lead.pk}/")
        lead.refresh_from_db()
        assert lead.status == "converted" and lead.opportunity is not None
        opportunity = lead.opportunity

        # On the board: the proposal stage needs an amount, so the card goes back.
        page.goto(f"{base}/opportunities/board/")
        card = page.locator(f"#board-card-{opportunity.pk}")
        expect(card).to_be_visible()
        assert_fits(page)
        assert_accessible(page)
        move(page, card, stages["方案报价"], width)
        expect(page.locator(".toast").filter(has_text=text["refused"])).to_be_visible()
        expect(page.locator(f'[data-column="{stages["初步接洽"]}"] #board-card-{opportunity.pk}'))
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "初步接洽"

        # The amount and closing date filled in, it moves, and then it is won.
        page.goto(f"{base}/opportunities/{opportunity.pk}/edit/")
        page.fill("input[name=expected_amount]", "200000")
        soon = datetime.date.today() + datetime.timedelta(days=30)
        page.fill("input[name=close_date]", soon.isoformat())
        page.locator("#record-form button[type=submit]").click()
        page.wait_for_url(f"{base}/opportunities/{opportunity.pk}/")
        page.goto(f"{base}/opportunities/board/")
        card = page.locator(f"#board-card-{opportunity.pk}")
        move(page, card, stages["方案报价"], width)
        proposal = page.locator(f'[data-board-cards][data-column="{stages["方案报价"]}"]')
        expect(proposal.locator(f"#board-card-{opportunity.pk}")).to_be_visible()
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "方案报价"

        page.goto(f"{base}/opportunities/{opportunity.pk}/")
        page.locator("[data-transition=win] button[type=submit]").click()
        expect(page.locator("[data-state]")).to_have_text(text["won"])
        assert Opportunity.objects.get(pk=opportunity.pk).status == "won"
        assert_fits(page)
        assert_accessible(page)
        # Only the refused move's answer, which the browser and htmx report too.
        move_url = f"{base}/opportunities/{opportunity.pk}/board-move/"
        assert refusals_aside(problems, move_url, 409) == []
