"""The sample document's board in a real browser: a card dragged to another column stays there,
a refused drag snaps back with the reason, a move that needs a reason asks for it, and the
"Move to…" menu moves a card with the keyboard on a phone."""

import decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from crm.core import services
from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import (
    assert_fits,
    chromium,
    chromium_page,
    refusals_aside,
    sign_in,
)
from crm.core.testing.sample.models import SampleDocument
from crm.core.tests.test_board import _role
from crm.core.tests.test_states import make_document


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _cards(page, column: str):
    return page.locator(f'[data-board-cards][data-column="{column}"]')


def _drag(page, card, column) -> None:
    """Hold the card by its fields (not its link or menu), carry it over the column, let go."""
    start = card.locator("dl").bounding_box()
    goal = column.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2, steps=20)
    page.mouse.up()


def _texts(language: str, *messages: str) -> list[str]:
    with translation.override(language):
        return [_(message) for message in messages]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_dragged_card_stays_in_its_new_column_and_a_refused_one_snaps_back(
    live_server, make_user, browser, language
):
    alice = make_user("alice", language=language)
    doc = make_document(alice, name="差旅申请")
    empty = make_document(alice, name="零元申请", amount=decimal.Decimal("0"))
    refusal, submitted = _texts(language, "The amount must be above zero to submit.", "Submitted")
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/sample-documents/board/")
        _drag(page, page.locator(f"#board-card-{doc.pk}"), _cards(page, "submitted"))
        expect(_cards(page, "submitted").locator(f"#board-card-{doc.pk}")).to_be_visible()
        expect(page.locator(".crm-toast-success .toast-body")).to_contain_text(submitted)
        expect(page.locator("#board-head-submitted [data-count]")).to_have_text("1")
        expect(page.locator("#board-head-draft [data-count]")).to_have_text("1")
        assert SampleDocument.objects.get(pk=doc.pk).status == "submitted"

        page.reload()
        expect(_cards(page, "submitted").locator(f"#board-card-{doc.pk}")).to_be_visible()

        _drag(page, page.locator(f"#board-card-{empty.pk}"), _cards(page, "submitted"))
        expect(page.locator(".crm-toast-error .toast-body")).to_have_text(refusal)
        expect(_cards(page, "draft").locator(f"#board-card-{empty.pk}")).to_be_visible()
        expect(_cards(page, "submitted").locator("[data-card]")).to_have_count(1)
        assert SampleDocument.objects.get(pk=empty.pk).status == "draft"
        assert_accessible(page)
        move = f"{live_server.url}/sample-documents/{empty.pk}/board-move/"
        assert refusals_aside(problems, move, 409) == []


@pytest.mark.django_db(transaction=True)
def test_a_move_that_needs_a_reason_asks_for_it_and_cancelling_puts_the_card_back(
    live_server, make_user, browser
):
    approver = make_user(
        "approver",
        language="zh-hans",
        roles=[_role("approver", ["view", "create", "edit", "approve"])],
    )
    doc = services.transition(make_document(approver, name="采购申请"), "submit", actor=approver)
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, live_server.url, "approver")
        page.goto(f"{live_server.url}/sample-documents/board/")
        card = page.locator(f"#board-card-{doc.pk}")
        _drag(page, card, _cards(page, "rejected"))
        dialog = page.locator("#board-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("textarea, input[name=reason]")).to_be_focused()
        dialog.locator("button[data-bs-dismiss=modal].btn").click()
        expect(dialog).to_be_hidden()
        expect(_cards(page, "submitted").locator(f"#board-card-{doc.pk}")).to_be_visible()

        _drag(page, card, _cards(page, "rejected"))
        expect(dialog).to_be_visible()
        dialog.locator("[name=reason]").fill("预算不足")
        dialog.locator("button[type=submit]").click()
        expect(dialog).to_be_hidden()
        expect(_cards(page, "rejected").locator(f"#board-card-{doc.pk}")).to_be_visible()
        stored = SampleDocument.objects.get(pk=doc.pk)
        assert (stored.status, stored.reason) == ("rejected", "预算不足")
        move = f"{live_server.url}/sample-documents/{doc.pk}/board-move/"
        assert refusals_aside(problems, move, 422) == []  # the dialog's answers, nothing else


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_card_moves_with_its_menu_by_keyboard_on_a_phone(
    live_server, make_user, browser, language
):
    alice = make_user("alice", language=language)
    doc = make_document(alice, name="差旅申请")
    for i in range(3):
        make_document(alice, name=f"其他申请{i}")
    (submitted,) = _texts(language, "Submitted")
    with chromium_page(width=360, browser=browser) as (page, problems):
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/sample-documents/board/")
        assert_fits(page)
        page.locator(f"#board-card-title-{doc.pk}").focus()
        page.keyboard.press("Tab")
        menu = page.locator(f"#board-card-{doc.pk} [data-board-menu]")
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("ArrowDown")
        expect(page.locator(":focus")).to_have_text(submitted)
        page.keyboard.press("Enter")
        expect(_cards(page, "submitted").locator(f"#board-card-{doc.pk}")).to_be_visible()
        expect(page.locator(f"#board-card-{doc.pk} [data-board-menu]")).to_be_focused()
        expect(page.locator("#board-head-draft [data-count]")).to_have_text("3")
        assert SampleDocument.objects.get(pk=doc.pk).status == "submitted"
        assert_fits(page)
        assert_accessible(page)
        assert problems == []
