"""In a real browser, on a desk and on a phone, in both languages: a salesperson notes on the
opportunity's page who decides and who opposes, then takes a role away; the panel changes
in place and the change log keeps it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from crm.core import registry, services
from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium_page, sign_in
from crm.customization.models import Dictionary, DictionaryItem
from crm.sales.models import ContactRole, Opportunity
from crm.sales.testing import make_process


def buying_roles() -> dict[str, DictionaryItem]:
    """Two items of the contact role dictionary (a browser test's database starts empty)."""
    dictionary, _created = Dictionary.objects.get_or_create(
        code="contact_role", defaults={"name_zh": "联系人角色", "name_en": "Contact role"}
    )
    items = [("decision_maker", "决策者", "Decision maker"), ("user", "使用者", "User")]
    return {
        code: DictionaryItem.objects.get_or_create(
            dictionary=dictionary, code=code, defaults={"label_zh": zh, "label_en": en}
        )[0]
        for code, zh, en in items
    }


def choose(page, field: str, option: str) -> None:
    page.locator(f"#contact-roles select[name={field}]").select_option(label=option)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_contact_roles_are_set_and_taken_away_in_place(live_server, make_user, language, width):
    seller = make_user("seller", full_name="张伟", language=language)
    customer = services.save(
        registry.get("customer").model(owner=seller, name="华星电子"), actor=seller
    )
    contact_model = registry.get("contact").model
    for name in ("王芳", "李强"):
        services.save(contact_model(owner=seller, customer=customer, name=name), actor=seller)
    deal = services.save(
        Opportunity(
            owner=seller,
            customer=customer,
            process=make_process(),
            name="MES 一期",
            expected_amount=Decimal("300000"),
            close_date=datetime.date.today() + datetime.timedelta(days=30),
        ),
        actor=seller,
    )
    roles = buying_roles()
    with translation.override(language):
        decider, user = str(roles["decision_maker"]), str(roles["user"])
        opposes, remove, set_role = _("Opposes us"), _("Remove"), _("Set role")
    with chromium_page(width=width) as (page, problems):
        sign_in(page, live_server.url, "seller")
        page.goto(f"{live_server.url}/opportunities/{deal.pk}/")
        panel = page.locator("#contact-roles")

        choose(page, "contact", "王芳")
        choose(page, "role", decider)
        panel.get_by_role("button", name=set_role).click()
        expect(panel.locator("[data-contact-role]")).to_have_count(1)
        choose(page, "contact", "李强")
        choose(page, "role", user)
        page.locator("#contact-roles select[name=attitude]").select_option("opposes")
        panel.get_by_role("button", name=set_role).click()
        expect(panel.locator("[data-contact-role]")).to_have_count(2)
        expect(panel.locator("[data-contact-role]").nth(1)).to_contain_text(opposes)
        assert_fits(page)
        assert_accessible(page)

        panel.locator("[data-contact-role]").first.get_by_role("button", name=remove).click()
        expect(panel.locator("[data-contact-role]")).to_have_count(1)
        expect(panel.locator("[data-contact-role]")).to_contain_text("李强")
        assert problems == []
    kept = ContactRole.objects.filter(opportunity=deal)
    assert list(kept.values_list("contact__name", "role__code", "attitude")) == [
        ("李强", "user", "opposes")
    ]
