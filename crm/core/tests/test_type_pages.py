"""Pages of a type's own, declared on its registered type: a template extending core's, panels
and buttons on the detail page, extra views, and the menu and workbench built from the
registry. The sample document declares one of each (crm/core/testing/sample/pages.py)."""

import dataclasses
import decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from crm.core import registry, services
from crm.core.registry import TypeView
from crm.core.testing.sample.models import SampleDocument
from crm.core.tests.test_states import make_document
from crm.core.urls import patterns_for
from crm.customers.tests.test_battery import make_customer
from crm.org.models import action_choices


def _role(code: str, type_key: str, actions: list[str]):
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code=code, name_zh=code, name_en=code)
    RolePermission.objects.create(
        role=role, type_key=type_key, view_scope="all", edit_scope="all", actions=actions
    )
    return role


@pytest.fixture
def reader(make_user):
    """Sees every record, may do nothing else."""
    return make_user("reader", roles=[_role("reader", "*", ["view"])])


@pytest.fixture
def approver(make_user):
    """Sees and changes every record and may approve sample documents."""
    role = _role("approver", "sampledocument", ["view", "edit", "approve"])
    return make_user("approver", roles=[role])


def _detail(doc) -> str:
    return reverse("sample:sampledocument_detail", args=[doc.pk])


def _copy(doc) -> str:
    return reverse("sample:sampledocument_copy", args=[doc.pk])


def _approved(owner, approver, **fields) -> SampleDocument:
    doc = services.transition(make_document(owner, **fields), "submit", actor=owner)
    return services.transition(doc, "approve", actor=approver)


def _template_names(response) -> list[str]:
    return [t.name for t in response.templates]


@pytest.mark.django_db
def test_a_type_template_of_its_own_is_used_and_other_types_fall_back_to_core(alice, client_for):
    client = client_for(alice)
    doc = make_document(alice)
    page = client.get(_detail(doc))
    assert page.status_code == 200
    names = _template_names(page)
    assert names[0] == "sample/sampledocument_detail.html" and "core/detail.html" in names
    assert "data-status-badge" in page.content.decode()

    customer = make_customer(alice, name="甲公司")
    page = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert _template_names(page)[0] == "core/detail.html"
    assert "data-status-badge" not in page.content.decode()
    lists = client.get(reverse("sample:sampledocument_list"))
    assert _template_names(lists)[0] == "core/list.html"
    form = client.get(reverse("sample:sampledocument_create"))
    assert _template_names(form)[0] == "sample/sampledocument_form.html"
    assert "data-form-hint" in form.content.decode()
    # Answered in place, a form with errors is core's fragment: the type's page defines none.
    refused = client.post(
        reverse("sample:sampledocument_create"), {"name": ""}, headers={"HX-Request": "true"}
    )
    fragment = refused.content.decode()
    assert 'id="record-form"' in fragment and "<html" not in fragment
    assert "data-form-hint" not in fragment and SampleDocument.all_objects.count() == 1


def _line_counts(client, url) -> int:
    """How many times the page counted a document's lines (what the panel's function does)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        "COUNT(*)" in q["sql"] and '"sample_sampleline"' in q["sql"]
        for q in queries.captured_queries
    )


@pytest.mark.django_db
def test_the_panel_shows_its_data_only_to_holders_of_its_permission(alice, approver, client_for):
    doc = make_document(alice, amount=decimal.Decimal("12345.60"))
    body = client_for(approver).get(_detail(doc)).content.decode()
    assert 'data-panel="approval"' in body
    assert "壹万贰仟叁佰肆拾伍元陆角整" in body and "¥12,345.60" in body
    assert '<dd class="col-7 mb-0" data-line-count>0</dd>' in body

    body = client_for(alice).get(_detail(doc)).content.decode()
    assert 'data-panel="approval"' not in body and "壹万贰仟" not in body
    # A hidden panel costs nothing: its function, the one reading lines, is not called.
    assert _line_counts(client_for(alice), _detail(doc)) == 0
    assert _line_counts(client_for(approver), _detail(doc)) == 1


@pytest.mark.django_db
def test_the_action_shows_only_to_those_allowed_when_its_condition_holds(
    alice, approver, reader, client_for
):
    approved = _approved(alice, approver)
    draft = make_document(alice)
    marker = 'data-action="copy"'
    assert marker in client_for(alice).get(_detail(approved)).content.decode()
    assert marker not in client_for(alice).get(_detail(draft)).content.decode()
    # The reader sees the document but may not create one.
    page = client_for(reader).get(_detail(approved))
    assert page.status_code == 200 and marker not in page.content.decode()


@pytest.mark.django_db
def test_the_actions_view_refuses_a_user_without_its_permission_and_changes_nothing(
    alice, bob, approver, reader, client_for
):
    approved = _approved(alice, approver)
    before = list(SampleDocument.all_objects.values())
    assert client_for(reader).post(_copy(approved)).status_code == 403
    assert client_for(bob).post(_copy(approved)).status_code == 404  # bob does not see it
    assert client_for(alice).get(_copy(approved)).status_code == 405
    assert list(SampleDocument.all_objects.values()) == before

    response = client_for(alice).post(_copy(approved))
    copy = SampleDocument.objects.exclude(pk=approved.pk).get()
    assert response.status_code == 302 and response["Location"] == _detail(copy)
    assert (copy.name, copy.amount, copy.status, copy.owner) == (
        approved.name,
        approved.amount,
        "draft",
        alice,
    )


@pytest.mark.django_db
def test_the_extra_view_resolves_renders_and_shows_only_what_the_user_sees(
    alice, bob, make_user, client_for
):
    url = reverse("sample:sampledocument_summary")
    assert url == "/sample-documents/summary/"
    assert resolve(url).kwargs == {"type_key": "sampledocument", "view_name": "summary"}
    make_document(alice, name="甲申请")
    make_document(bob, name="乙申请")
    page = client_for(alice).get(url)
    assert page.status_code == 200
    assert _template_names(page)[0] == "sample/sampledocument_summary.html"
    counts = {row["state"].value: row["count"] for row in page.context["rows"]}
    assert counts == {"draft": 1, "submitted": 0, "approved": 0, "rejected": 0}
    assert '<tr data-summary-state="draft">' in page.content.decode()
    # The list page links to it; a user who may not view the type is refused it.
    assert (
        f'href="{url}" data-view="summary"'
        in client_for(alice).get("/sample-documents/").content.decode()
    )
    assert client_for(make_user("nobody", roles=[])).get(url).status_code == 403


def test_a_view_name_a_generic_page_has_is_refused():
    sample = registry.get("sampledocument")
    taken = (
        TypeView("edit", print, record=True),
        TypeView("trash", print),
        TypeView("board", print),
    )
    for view in taken:
        with pytest.raises(ImproperlyConfigured):
            patterns_for(dataclasses.replace(sample, views=(view,)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            ["Customers", "Contacts", "My customers", "Contacts of my customers", "New customer"],
        ),
        ("zh-hans", ["客户", "联系人", "我的客户", "我的客户的联系人", "新建客户"]),
    ],
)
def test_menu_and_workbench_list_customers_and_contacts(make_user, client_for, language, texts):
    user = make_user("carol", language=language)
    make_customer(user, name="丙公司")
    page = client_for(user).get("/")
    body = page.content.decode()
    menu = [entry.label for section in page.context["menu"] for entry in section.entries]
    customers, contacts, my_customers, my_contacts, new_customer = texts
    assert [customers, contacts] == [m for m in menu if m in (customers, contacts)]
    cards = [(card["label"], card["count"]) for card in page.context["cards"]]
    # Their cards come first (other types' cards follow in their own order).
    assert cards[:2] == [(my_customers, 1), (my_contacts, 0)]
    links = [link["label"] for link in page.context["quick_links"]]
    assert links[0] == new_customer
    assert links.index(customers) < links.index(contacts)
    assert 'data-card="customer"' in body and my_contacts in body
    assert 'href="/sample-documents/"' not in body  # not in the menu, no card


@pytest.mark.django_db
def test_the_workbench_offers_no_card_or_link_a_user_may_not_open(make_user, client_for):
    page = client_for(make_user("nobody", roles=[])).get("/")
    assert page.context["cards"] == [] and page.context["quick_links"] == []


def test_a_permission_only_a_button_needs_is_offered_to_roles(monkeypatch):
    sample = registry.get("sampledocument")
    stocktake = registry.Action("Stocktake", view="summary", permission="stocktake")
    changed = dataclasses.replace(sample, actions=(*sample.actions, stocktake))
    assert ("stocktake", "Stocktake") not in action_choices("sampledocument")
    monkeypatch.setitem(registry._types, "sampledocument", changed)
    assert ("stocktake", "Stocktake") in action_choices("sampledocument")
    assert ("stocktake", "Stocktake") in action_choices("*")
