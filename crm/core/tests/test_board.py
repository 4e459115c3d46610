"""The kanban board (crm.core.board) on the sample document: a column per state with its
count and amounts over what the user sees, each column paged on its own, the list's filters,
and a card moved by a transition — refused moves leaving the record as it was."""

import dataclasses
import decimal
import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core import board, registry, services
from crm.core.models import ObjectChange
from crm.core.registry import BoardColumn
from crm.core.testing.sample.models import SampleDocument
from crm.core.tests.test_states import _state, make_document

BOARD = "/sample-documents/board/"


def _role(code: str, actions: list[str]):
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code=code, name_zh=code, name_en=code)
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="all", actions=actions
    )
    return role


@pytest.fixture
def approver(make_user):
    """Sees and changes every record, and approves and rejects documents."""
    return make_user("approver", roles=[_role("approver", ["view", "create", "edit", "approve"])])


@pytest.fixture
def reader(make_user):
    """Sees every record and may change none."""
    return make_user("reader", roles=[_role("reader", ["view"])])


@pytest.fixture
def sample_board(monkeypatch):
    """The sample type with its board changed (`changes` as Board fields) for one test."""

    def use(**changes):
        sample = registry.get("sampledocument")
        changed = dataclasses.replace(sample, board=dataclasses.replace(sample.board, **changes))
        monkeypatch.setitem(registry._types, "sampledocument", changed)
        return changed

    return use


def _columns(page) -> dict:
    return {column.key: column for column in page.context["columns"]}


def _ids(column) -> list[int]:
    return [card.pk for card in column.cards]


def _move_url(doc, query: str = "") -> str:
    url = reverse("sample:sampledocument_board_move", args=[doc.pk])
    return f"{url}?{query}" if query else url


def _move(client, doc, column: str, query: str = "", **data):
    version = SampleDocument.objects.get(pk=doc.pk).version
    payload = {"column": column, "version": version, **data}
    return client.post(_move_url(doc, query), payload, HTTP_HX_REQUEST="true")


def _toast(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


# Columns and headers ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_column_per_state_with_counts_and_sums_of_only_what_the_user_sees(
    alice, bob, approver, client_for
):
    mine = [
        make_document(alice, name="甲", amount=decimal.Decimal("100.00")),
        make_document(alice, name="乙", amount=decimal.Decimal("50.50")),
        make_document(alice, name="丙", amount=decimal.Decimal("20"), currency="USD"),
    ]
    submitted = services.transition(make_document(alice, name="丁"), "submit", actor=alice)
    theirs = make_document(bob, name="戊", amount=decimal.Decimal("999"))

    page = client_for(alice).get(BOARD)
    assert page.status_code == 200
    columns = _columns(page)
    assert list(columns) == ["draft", "submitted", "approved", "rejected"]
    draft = columns["draft"]
    assert (draft.totals.count, draft.totals.amount_text) == (3, "¥150.50 · US$20.00")
    assert sorted(_ids(draft)) == sorted(d.pk for d in mine)
    assert _ids(columns["submitted"]) == [submitted.pk]
    assert (columns["approved"].totals.count, columns["approved"].totals.amount_text) == (
        0,
        "¥0.00",
    )
    body = page.content.decode()
    assert "戊" not in body and 'data-board-column="draft"' in body
    assert "¥150.50 · US$20.00" in body

    # Someone who sees every document sees bob's too, in the cards and in the sums.
    draft = _columns(client_for(approver).get(BOARD))["draft"]
    assert (draft.totals.count, draft.totals.amount_text) == (4, "¥1,149.50 · US$20.00")
    assert theirs.pk in _ids(draft)


@pytest.mark.django_db
def test_a_card_shows_its_title_number_and_fields_as_labels(alice, client_for):
    doc = make_document(alice, name="差旅申请", number="D-7", amount=decimal.Decimal("1234.5"))
    (card,) = _columns(client_for(alice).get(BOARD))["draft"].cards
    assert (card.title, card.url, card.number, card.version) == (
        "差旅申请",
        f"/sample-documents/{doc.pk}/",
        "D-7",
        doc.version,
    )
    assert [(str(label), text) for label, text in card.fields] == [
        ("Amount", "1234.50"),
        ("Owner", "Alice"),
    ]


@pytest.mark.django_db
def test_headers_sum_the_weighted_amount_per_currency_in_one_query(alice, sample_board):
    object_type = sample_board(weighted="total")
    for amount, currency, total in (("10", "CNY", "4"), ("30", "CNY", "6"), ("5", "EUR", "1")):
        doc = make_document(alice, amount=decimal.Decimal(amount), currency=currency)
        SampleDocument.objects.filter(pk=doc.pk).update(total=decimal.Decimal(total))
    query = board.open_board(object_type, alice, _params(""))
    with CaptureQueriesContext(connection) as queries:
        found = board.totals(query)
    assert len(queries) == 1
    assert found["draft"] == board.Totals(
        3,
        (_money("40", "CNY"), _money("5", "EUR")),
        (_money("10", "CNY"), _money("1", "EUR")),
    )
    assert found["draft"].weighted_text == "¥10.00 · €1.00"


@pytest.mark.django_db
def test_the_headers_of_some_columns_are_those_of_the_whole_board(alice, sample_board):
    object_type = sample_board(weighted="total")
    for status in ("draft", "draft", "approved"):
        doc = make_document(alice, amount=decimal.Decimal(10))
        SampleDocument.objects.filter(pk=doc.pk).update(status=status)
    query = board.open_board(object_type, alice, _params(""))
    every = board.totals(query)
    draft = next(one for one in query.columns if one.value == "draft")
    assert board.totals(query, [draft]) == {"draft": every["draft"]}
    assert every["draft"].count == 2


def _money(amount: str, currency: str):
    from crm.core.money import Money

    return Money(decimal.Decimal(amount), currency)


def _params(text: str):
    from django.http import QueryDict

    return QueryDict(text)


# Paging -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_column_pages_on_its_own_without_repeats_through_many_cards(
    alice, bob, client_for, sample_board
):
    sample_board(page_size=4)
    drafts = {make_document(alice, name=f"草稿{i}").pk for i in range(13)}
    make_document(bob, name="别人的")  # not alice's: on no page of hers
    services.transition(make_document(alice, name="已提交"), "submit", actor=alice)
    client = client_for(alice)
    first = _columns(client.get(BOARD))["draft"]
    seen, cursor = _ids(first), first.next_cursor
    assert len(seen) == 4 and cursor
    while cursor:
        more = client.get(BOARD, {"column": "draft", "cursor": cursor}, HTTP_HX_REQUEST="true")
        assert more.status_code == 200
        body = more.content.decode()
        cards = re.findall(r'data-pk="(\d+)" data-version="\d+" data-column="(\w+)"', body)
        assert {column for _pk, column in cards} == {"draft"}
        seen += [int(pk) for pk, _column in cards]
        found = re.search(r'&cursor=([^"]+)"', body)
        cursor = found and unquote(found.group(1))
    assert len(seen) == len(set(seen)) == 13
    assert set(seen) == drafts
    # Latest first, as the board reads them.
    order = list(
        SampleDocument.objects.filter(pk__in=drafts)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == order


@pytest.mark.django_db
def test_a_column_not_on_the_board_or_a_forged_cursor_is_a_bad_parameter(alice, client_for):
    make_document(alice)
    client = client_for(alice)
    assert client.get(BOARD, {"column": "archived"}).status_code == 400
    assert client.get(BOARD, {"column": "draft", "cursor": "forged"}).status_code == 400


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_cards(alice, client_for):
    client = client_for(alice)
    make_document(alice)
    services.transition(make_document(alice), "submit", actor=alice)
    client.get(BOARD)
    with CaptureQueriesContext(connection) as few:
        assert client.get(BOARD).status_code == 200
    for i in range(15):
        doc = make_document(alice, name=f"批量{i}")
        if i % 3 == 0:
            services.transition(doc, "submit", actor=alice)
    with CaptureQueriesContext(connection) as many:
        assert client.get(BOARD).status_code == 200
    assert len(many) == len(few)
    # The user, their roles, the headers, each column with cards, the owners' names, the inbox.
    assert len(many) <= 7, [q["sql"] for q in many.captured_queries]


# Filters shared with the list ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_takes_the_lists_filters_and_the_switch_keeps_them(
    alice, bob, approver, client_for
):
    make_document(alice, name="华东采购", amount=decimal.Decimal("10"))
    make_document(alice, name="华南采购", amount=decimal.Decimal("20"))
    make_document(bob, name="华东差旅", amount=decimal.Decimal("40"))
    client = client_for(approver)

    draft = _columns(client.get(BOARD, {"owner": alice.pk}))["draft"]
    assert (draft.totals.count, draft.totals.amount_text) == (2, "¥30.00")
    draft = _columns(client.get(BOARD, {"q": "华东"}))["draft"]
    assert (draft.totals.count, {c.title for c in draft.cards}) == (2, {"华东采购", "华东差旅"})
    draft = _columns(client.get(BOARD, {"q": "华东", "owner": bob.pk}))["draft"]
    assert [c.title for c in draft.cards] == ["华东差旅"]

    listing = client.get("/sample-documents/", {"q": "华东"}).content.decode()
    assert f'href="{BOARD}?q=%E5%8D%8E%E4%B8%9C" data-view-switch="board"' in listing
    page = client.get(BOARD, {"q": "华东"}).content.decode()
    assert 'href="/sample-documents/?q=%E5%8D%8E%E4%B8%9C"' in page
    assert 'aria-current="page" data-view-switch="board"' in page
    # New filters drawn by htmx bring the switch along, out of band.
    redrawn = client.get(BOARD, {"q": "华南"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board")
    assert redrawn.content.decode().startswith('\n<div id="board"')
    assert 'id="view-switch" hx-swap-oob="true"' in redrawn.content.decode()
    listed = client.get(
        "/sample-documents/", {"q": "华南"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert 'id="view-switch" hx-swap-oob="true"' in listed
    assert f'href="{BOARD}?q=%E5%8D%8E%E5%8D%97" data-view-switch="board"' in listed
    # The list's filter fields, loaded when the panel opens.
    panel = client.get(BOARD, {"_panel": "filters"})
    assert 'name="owner"' in panel.content.decode()


# Moves --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_move_runs_the_transition_and_redraws_the_card_and_both_headers(alice, client_for):
    doc = make_document(alice, name="采购申请")
    make_document(alice, name="另一份")
    response = _move(client_for(alice), doc, "submitted")
    assert response.status_code == 200
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.status, stored.version) == ("submitted", doc.version + 1)
    change = ObjectChange.objects.filter(object_id=doc.pk).latest("id")
    assert (change.action, change.changes) == ("transition", {"status": ["draft", "submitted"]})
    assert _toast(response) == {
        "level": "success",
        "message": "“采购申请”: Submit, now Submitted.",
    }
    body = response.content.decode()
    assert f'id="board-card-{doc.pk}"' in body and f'data-version="{stored.version}"' in body
    assert 'data-column="submitted"' in body
    for key, count in (("draft", 1), ("submitted", 1)):
        header = body[body.index(f'id="board-head-{key}"') :]
        assert header.startswith(f'id="board-head-{key}" hx-swap-oob="true"')
        assert f"data-count>{count}</span>" in header[: header.index("</h2>") + 80]


@pytest.mark.django_db
def test_a_move_the_state_machine_has_no_way_for_is_refused_and_changes_nothing(
    approver, client_for
):
    doc = make_document(approver)
    before = _state(doc)
    response = _move(client_for(approver), doc, "approved")
    assert response.status_code == 409
    assert response["HX-Reswap"] == "none"
    assert _toast(response) == {
        "level": "error",
        "message": "No action moves a record from “Draft” to “Approved”.",
    }
    assert _state(doc) == before


@pytest.mark.django_db
def test_a_move_a_guard_refuses_answers_the_reason_and_changes_nothing(alice, client_for):
    doc = make_document(alice, amount=decimal.Decimal("0"))
    before = _state(doc)
    response = _move(client_for(alice), doc, "submitted")
    assert response.status_code == 409
    assert _toast(response)["message"] == "The amount must be above zero to submit."
    assert _state(doc) == before


@pytest.mark.django_db
def test_a_second_move_from_the_same_stale_card_is_a_conflict_not_an_overwrite(
    alice, approver, client_for
):
    doc = make_document(alice)
    read = doc.version  # both have the board open, the card in Draft
    assert _move(client_for(alice), doc, "submitted").status_code == 200
    before = _state(doc)
    response = client_for(approver).post(
        _move_url(doc), {"column": "approved", "version": read}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert "This record was changed by Alice" in _toast(response)["message"]
    assert _state(doc) == before


@pytest.mark.django_db
def test_a_move_that_needs_a_field_asks_for_it_then_runs_with_it(approver, client_for):
    doc = services.transition(make_document(approver, name="报销单"), "submit", actor=approver)
    before = _state(doc)
    client = client_for(approver)
    asked = _move(client, doc, "rejected", query="q=%E6%8A%A5%E9%94%80")
    assert asked.status_code == 422
    assert (asked["HX-Retarget"], asked["HX-Reswap"]) == ("#board-dialog-content", "innerHTML")
    body = asked.content.decode()
    assert 'name="reason"' in body and "“Reject” needs: reason." in body
    assert 'name="column" value="rejected"' in body
    assert f'hx-post="{_move_url(doc)}?q=%E6%8A%A5%E9%94%80"' in body
    assert _state(doc) == before

    done = _move(client, doc, "rejected", query="q=%E6%8A%A5%E9%94%80", reason="预算不足")
    assert done.status_code == 200
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.status, stored.reason) == ("rejected", "预算不足")
    assert ObjectChange.objects.filter(object_id=doc.pk).latest("id").action == "transition"


@pytest.mark.django_db
def test_a_board_of_its_own_moves_by_the_transition_and_data_it_names(
    approver, client_for, sample_board
):
    """A type's board with lanes, its own columns and its own moves (as an opportunity's)."""
    lanes = [("review", "Review"), ("archive", "Archive")]
    by_lane = {
        "review": [BoardColumn("submitted", "To review"), BoardColumn("rejected", "Sent back")],
        "archive": [BoardColumn("approved", "Kept", "won"), BoardColumn("rejected", "Dropped")],
    }
    sample_board(
        lanes=lambda user: lanes,
        columns=lambda user, lane: by_lane[lane],
        move=lambda record, column: ("reject", {"reason": f"看板：{column.label}"}),
    )
    doc = services.transition(make_document(approver), "submit", actor=approver)
    client = client_for(approver)
    first = client.get(BOARD)
    assert list(_columns(first)) == ["submitted", "rejected"]
    assert 'name="lane"' in first.content.decode()
    assert list(_columns(client.get(BOARD, {"lane": "archive"}))) == ["approved", "rejected"]
    assert list(_columns(client.get(BOARD, {"lane": "unknown"}))) == ["submitted", "rejected"]

    response = _move(client, doc, "rejected", query="lane=archive")
    assert response.status_code == 200
    assert "now Dropped" in _toast(response)["message"]
    stored = SampleDocument.objects.get(pk=doc.pk)
    assert (stored.status, stored.reason) == ("rejected", "看板：Dropped")
    # A column of another lane is not on this one.
    assert _move(client, doc, "approved", query="lane=review").status_code == 400


# Who may ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_who_may_view_the_type_sees_the_board(alice, make_user, client_for):
    make_document(alice)
    assert client_for(make_user("nobody", roles=[])).get(BOARD).status_code == 403


@pytest.mark.django_db
def test_a_move_of_a_card_one_may_not_see_or_change_is_refused_and_changes_nothing(
    alice, bob, reader, client_for
):
    doc = make_document(alice)
    before = _state(doc)
    assert _move(client_for(bob), doc, "submitted").status_code == 404
    assert _state(doc) == before
    refused = _move(client_for(reader), doc, "submitted")
    assert refused.status_code == 403
    assert _toast(refused) == {"level": "error", "message": "You may not do “Submit” here."}
    assert _state(doc) == before
    # Who may move nothing gets no menu to try.
    page = client_for(reader).get(BOARD).content.decode()
    assert "data-board-move-to" not in page and "data-can-move" not in page


def test_a_card_is_written_escaped_with_its_move_address():
    from django.template import Context, Template

    card = board.Card(
        pk=7,
        version=3,
        column="draft",
        title="<b>华星</b> & Co",
        url="/sample/7/?a=1&b=2",
        number="SD-7",
        fields=[("金额 <i>", '"¥1"')],
    )
    page = Template("{% load board_tags %}{% board_card card %}{% board_card card %}")
    written = page.render(
        Context({"card": card, "object_type": registry.get("sampledocument"), "can_move": True})
    )
    move = reverse(registry.get("sampledocument").url_name("board_move"), args=[7])
    assert written.count(f'data-move-url="{move}"') == 2
    assert "&lt;b&gt;华星&lt;/b&gt; &amp; Co" in written and "<b>" not in written
    assert 'href="/sample/7/?a=1&amp;b=2"' in written
    assert '金额 &lt;i&gt;</dt><dd class="mb-0">&quot;¥1&quot;</dd>' in written
    assert 'data-version="3"' in written and "data-board-menu" in written
