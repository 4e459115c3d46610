"""In a real browser, in both languages, on a desk and on a phone: in a company of more
people than a select lists in full, a manager finds a salesperson for the funnel's owner
filter by the pinyin of her name (offered alone), and the funnel shows her opportunities
only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm.core import people
from crm.core.testing.browser import assert_fits, chromium_page, sign_in
from crm.org.models import Role, RolePermission
from crm.sales.testing import make_process
from crm.sales.tests.test_opportunities import make_opportunity


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("zh-hans", 1280), ("en", 360)])
def test_the_owner_filter_finds_a_salesperson_by_pinyin(
    live_server, make_user, monkeypatch, tmp_path, language, width
):
    monkeypatch.setattr(people, "MANY", 3)
    director = Role.objects.create(code="director", name_zh="销售总监", name_en="Sales director")
    RolePermission.objects.create(
        role=director, type_key="*", actions=["view"], view_scope="all", edit_scope="own"
    )
    make_user("boss", full_name="总经理", language=language, roles=[director])
    wang, li = make_user("wf", full_name="王芳"), make_user("ln", full_name="李娜")
    make_user("zw", full_name="张伟")
    process = make_process()
    make_opportunity(wang, process, name="王芳的商机")
    for n in range(2):
        make_opportunity(li, process, name=f"李娜的商机{n}")
    with chromium_page(width=width) as (page, problems):
        sign_in(page, live_server.url, "boss")
        page.goto(f"{live_server.url}/opportunities/funnel/")
        expect(page.locator("[data-funnel] [data-count]").first).to_have_text("3")
        control = page.locator("#id_owner-ts-control")
        control.locator("..").click()
        expect(control).to_be_focused()
        offered = page.locator("#id_owner-ts-dropdown .option")
        expect(offered.filter(has_text="李娜")).to_be_visible()  # everyone, before typing
        control.fill("wangfang")
        expect(offered.filter(has_text="王芳")).to_be_visible()
        expect(offered.filter(has_text="李娜")).to_have_count(0)  # only what the typing finds
        offered.filter(has_text="王芳").click()
        expect(page.locator("select[name=owner]")).to_have_value(str(wang.pk))
        page.locator("[data-funnel-filters] button[type=submit]").click()
        expect(page).to_have_url(re.compile(rf"/opportunities/funnel/\?.*owner={wang.pk}\b"))
        expect(page.locator("[data-funnel] [data-count]").first).to_have_text("1")
        expect(page.locator("#id_owner-ts-control").locator("..")).to_contain_text("王芳")
        assert_fits(page)
        page.screenshot(path=tmp_path / f"funnel-owner-{language}-{width}.png", full_page=True)
        assert not problems, problems
