"""An opportunity's contact roles: set, changed and taken away by whoever may change the
opportunity, on its page and through the API; each change logged; refused with nothing
written for a contact of another customer, one the user does not see, an inactive role,
a closed opportunity, or a user who may only read."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from crm.core import changes, registry, services
from crm.core.errors import AccessDenied, RecordLocked, ValidationFailed
from crm.core.models import ObjectChange
from crm.customization.models import DictionaryItem
from crm.sales import contact_roles
from crm.sales.models import ContactRole, Opportunity
from crm.sales.testing import make_process

API = "/api/v1/opportunities"


def role(code: str) -> DictionaryItem:
    return DictionaryItem.objects.get(dictionary__code="contact_role", code=code)


def customer_of(owner, name: str):
    return services.save(registry.get("customer").model(owner=owner, name=name), actor=owner)


def contact_of(customer, name: str, owner=None):
    model = registry.get("contact").model
    return services.save(
        model(customer=customer, name=name, owner=owner or customer.owner),
        actor=owner or customer.owner,
    )


@pytest.fixture
def deal(alice):
    customer = customer_of(alice, "华星电子")
    opportunity = Opportunity(
        owner=alice,
        process=make_process(),
        name="MES 一期",
        customer=customer,
        expected_amount=Decimal("300000"),
        close_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    return services.save(opportunity, actor=alice)


def stored(opportunity) -> list[tuple]:
    rows = ContactRole.objects.filter(opportunity=opportunity).order_by("id")
    return list(rows.values_list("contact__name", "role__code", "attitude", "note"))


def logged(opportunity) -> list:
    """The contact role rows of the opportunity's change log, as its reader shows them."""
    rows = ObjectChange.objects.filter(
        object_id=opportunity.pk, content_type__model="opportunity", changes__has_key="contact_role"
    ).order_by("id")
    diffs = [{"contact_role": row.changes["contact_role"]} for row in rows]
    reader = changes.Reader([(Opportunity, diff) for diff in diffs])
    return [(r.label, r.before, r.after) for d in diffs for r in reader.rows(Opportunity, d)]


def test_a_role_is_set_changed_and_taken_away_each_logged(alice, deal):
    wang = contact_of(deal.customer, "王芳")
    contact_roles.set_role(deal, wang, role("decision_maker"), actor=alice, attitude="supports")
    contact_roles.set_role(deal, wang, role("decision_maker"), actor=alice, attitude="supports")
    kept = contact_roles.set_role(
        deal, wang, role("influencer"), actor=alice, attitude="neutral", note="只看价格"
    )
    assert stored(deal) == [("王芳", "influencer", "neutral", "只看价格")]
    contact_roles.remove_role(deal, kept, actor=alice)
    assert stored(deal) == []
    with translation.override("en"):  # read in the reader's language, whoever wrote it
        assert logged(deal) == [
            ("Contact role", "—", "王芳 · Decision maker · Supports us"),  # the repeat: nothing
            (
                "Contact role",
                "王芳 · Decision maker · Supports us",
                "王芳 · Influencer · Neutral · 只看价格",
            ),
            ("Contact role", "王芳 · Influencer · Neutral · 只看价格", "—"),
        ]
    with translation.override("zh-hans"):
        assert logged(deal)[0] == ("联系人角色", "—", "王芳 · 决策者 · 支持我方")


def test_refused_choices_write_nothing(alice, bob, deal):
    other = contact_of(customer_of(alice, "远方贸易"), "李强")
    wang = contact_of(deal.customer, "王芳")
    retired = role("other")
    DictionaryItem.objects.filter(pk=retired.pk).update(is_active=False)
    cases = [
        ({"contact": other, "role": role("user")}, "contact"),
        ({"contact": wang, "role": retired}, "role"),
        ({"contact": wang, "role": role("user"), "attitude": "hostile"}, "attitude"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            contact_roles.set_role(
                deal,
                arguments["contact"],
                arguments["role"],
                actor=alice,
                attitude=arguments.get("attitude", ""),
            )
        assert list(refused.value.fields) == [field]
    with pytest.raises(AccessDenied):
        contact_roles.set_role(deal, wang, role("user"), actor=bob)
    assert stored(deal) == []
    assert logged(deal) == []


def test_a_contact_the_user_does_not_see_is_refused(alice, bob, deal):
    services.save(deal, actor=alice)
    services.add_collaborator(deal, bob, actor=alice)  # bob may change the deal ...
    hidden = contact_of(deal.customer, "赵敏")  # ... but not see alice's contacts
    assert not registry.get("contact").model.objects.visible_to(bob).filter(pk=hidden.pk).exists()
    with pytest.raises(ValidationFailed) as refused:
        contact_roles.set_role(deal, hidden, role("user"), actor=bob)
    assert list(refused.value.fields) == ["contact"]
    assert stored(deal) == []


def test_a_closed_opportunity_keeps_its_roles(alice, deal):
    wang = contact_of(deal.customer, "王芳")
    kept = contact_roles.set_role(deal, wang, role("decision_maker"), actor=alice)
    won = services.transition(deal, "win", actor=alice)
    with pytest.raises(RecordLocked):
        contact_roles.set_role(won, wang, role("user"), actor=alice)
    with pytest.raises(RecordLocked):
        contact_roles.remove_role(won, kept, actor=alice)
    assert stored(deal) == [("王芳", "decision_maker", "", "")]


def test_the_panel_sets_and_removes_a_role(alice, deal, client_for):
    wang = contact_of(deal.customer, "王芳")
    client = client_for(alice)
    page = client.get(f"/opportunities/{deal.pk}/")
    assert "Contact roles" in page.content.decode()
    url = f"/opportunities/{deal.pk}/contacts/"
    answer = client.post(
        url,
        {
            "action": "set",
            "contact": wang.pk,
            "role": role("buyer").pk,
            "attitude": "opposes",
            "note": "担心预算",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert "Buyer" in answer.content.decode()
    assert stored(deal) == [("王芳", "buyer", "opposes", "担心预算")]
    refused = client.post(url, {"action": "set", "contact": wang.pk, "role": ""})
    assert "This field is required." in refused.content.decode()
    kept = ContactRole.objects.get(opportunity=deal)
    client.post(url, {"action": "remove", "id": kept.pk})
    assert stored(deal) == []


def test_a_reader_sees_the_roles_without_the_form(alice, make_user, deal, client_for):
    from crm.org.models import Role, RolePermission

    reading = Role.objects.create(code="reader", name_zh="只读", name_en="Reader")
    RolePermission.objects.create(
        role=reading, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    wang = contact_of(deal.customer, "王芳")
    contact_roles.set_role(deal, wang, role("decision_maker"), actor=alice)
    reader = make_user("reader", roles=[reading])
    page = client_for(reader).get(f"/opportunities/{deal.pk}/contacts/").content.decode()
    assert "Decision maker" in page and 'name="action" value="set"' not in page
    refused = client_for(reader).post(
        f"/opportunities/{deal.pk}/contacts/",
        {"action": "set", "contact": wang.pk, "role": role("user").pk},
    )
    assert refused.status_code == 200  # the panel again, with the refusal
    assert stored(deal) == [("王芳", "decision_maker", "", "")]


def test_the_api_lists_sets_and_removes_roles(alice, bob, deal, api_for):
    wang = contact_of(deal.customer, "王芳")
    api = api_for(alice)
    url = f"{API}/{deal.pk}/contacts/"
    answer = api.put(
        f"{url}{wang.pk}/", {"role": role("technical_evaluator").pk, "attitude": "supports"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "contact": wang.pk,
        "contact_name": "王芳",
        "role": role("technical_evaluator").pk,
        "role_label": "技术评估",  # Chinese unless the request asks otherwise
        "attitude": "supports",
        "note": "",
    }
    assert [r["contact"] for r in api.get(url).json()] == [wang.pk]
    other = contact_of(customer_of(alice, "远方贸易"), "李强")
    assert api.put(f"{url}{other.pk}/", {"role": role("user").pk}).status_code == 422
    assert api.put(f"{url}{wang.pk}/", {"role": 10**9}).status_code == 422
    assert api_for(bob).get(url).status_code == 404
    assert api_for(bob).delete(f"{url}{wang.pk}/").status_code == 404
    assert api_for(bob).put(f"{url}{wang.pk}/", {"role": role("user").pk}).status_code == 404
    assert stored(deal) == [("王芳", "technical_evaluator", "supports", "")]
    assert api.delete(f"{url}{wang.pk}/").status_code == 204
    assert api.delete(f"{url}{wang.pk}/").status_code == 404
    assert stored(deal) == []
