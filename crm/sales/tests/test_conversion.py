"""A lead is converted into a customer, a contact and an opportunity, new or existing, in one
transaction: exactly the right records, linked both ways, once; every refusal writes nothing.
Through the service, the API and the conversion page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core import registry, services
from crm.core.errors import AccessDenied, StaleVersion, TransitionRefused, ValidationFailed
from crm.core.models import ChangeAction, ObjectChange, SearchEntry
from crm.customization.models import DictionaryItem
from crm.org.models import Role, RolePermission
from crm.sales.conversion import convert
from crm.sales.models import Lead, LeadStatus, Opportunity
from crm.sales.testing import make_process

API = "/api/v1/leads"


@pytest.fixture
def converter(db):
    """A salesperson's role that may also convert leads."""
    role = Role.objects.create(code="test_converter", name_zh="转化", name_en="Converter")
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit", "delete", "convert"],
    )
    return role


@pytest.fixture
def carol(make_user, converter):
    return make_user("carol", roles=[converter])


@pytest.fixture
def dave(make_user, converter):
    return make_user("dave", roles=[converter])


@pytest.fixture
def process(db):
    return make_process()


def model(key: str):
    return registry.get(key).model


def item(dictionary: str) -> DictionaryItem:
    found = DictionaryItem.objects.filter(dictionary__code=dictionary, is_active=True).first()
    assert found is not None, dictionary
    return found


def make_lead(owner, **fields) -> Lead:
    fields.setdefault("name", "华星电子 MES 项目")
    return services.save(Lead(owner=owner, **fields), actor=owner)


def full_lead(owner) -> Lead:
    return make_lead(
        owner,
        company_name="深圳华星电子有限公司",
        contact_name="陈晓明",
        job_title="信息部经理",
        mobile="13812345678",
        phone="0755-86072000",
        email="chen@huaxing.example",
        industry=item("industry"),
        region=item("region"),
        source=item("customer_source"),
        province="广东省",
        city="深圳市",
        address="南山区科技园 8 栋",
    )


def make_customer(owner, name: str = "明德贸易"):
    return services.save(model("customer")(owner=owner, name=name), actor=owner)


def make_contact(owner, customer, name: str = "王芳"):
    return services.save(model("contact")(owner=owner, customer=customer, name=name), actor=owner)


def written() -> tuple[int, ...]:
    """What a conversion could have written: records, change-log rows, search entries."""
    return (
        model("customer").all_objects.count(),
        model("contact").all_objects.count(),
        Opportunity.all_objects.count(),
        ObjectChange.objects.count(),
        SearchEntry.objects.count(),
    )


def stored(lead: Lead) -> tuple:
    lead = Lead.all_objects.get(pk=lead.pk)
    return lead.status, lead.version, lead.customer_id, lead.contact_id, lead.opportunity_id


# --------------------------------------------------------------------------- the service


def test_conversion_creates_a_customer_contact_and_opportunity_from_the_lead(carol, process):
    lead = full_lead(carol)
    before = written()

    done = convert(
        lead, actor=carol, expected_version=lead.version, create_opportunity=True, amount="38万"
    )

    customer, contact, opportunity = done.customer, done.contact, done.opportunity
    assert written()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert customer.name == "深圳华星电子有限公司" and customer.owner == carol
    assert (customer.industry, customer.region, customer.source) == (
        lead.industry,
        lead.region,
        lead.source,
    )
    assert (customer.province, customer.city, customer.address) == (
        "广东省",
        "深圳市",
        lead.address,
    )
    assert (customer.phone, customer.email) == ("0755-86072000", "chen@huaxing.example")
    assert contact.customer == customer and contact.is_primary
    assert (contact.name, contact.title, contact.mobile, contact.phone, contact.email) == (
        "陈晓明",
        "信息部经理",
        "13812345678",
        "0755-86072000",
        "chen@huaxing.example",
    )
    assert opportunity.name == "深圳华星电子有限公司 - 华星电子 MES 项目"
    assert (opportunity.customer, opportunity.contact, opportunity.lead) == (
        customer,
        contact,
        lead,
    )
    assert opportunity.expected_amount == Decimal("380000")
    assert (opportunity.process, opportunity.stage.name) == (process, "初步接洽")
    assert opportunity.source == lead.source and opportunity.owner == carol
    lead = Lead.all_objects.get(pk=lead.pk)
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    assert (lead.customer, lead.contact, lead.opportunity) == (customer, contact, opportunity)


def test_a_dictionary_item_deactivated_since_is_left_out_of_the_new_customer(carol):
    lead = full_lead(carol)
    DictionaryItem.objects.filter(pk=lead.source_id).update(is_active=False)
    done = convert(lead, actor=carol)
    assert done.customer.source_id is None  # not refused for it
    assert (done.customer.industry_id, done.customer.region_id) == (
        lead.industry_id,
        lead.region_id,
    )


def test_conversion_is_one_transition_row_on_the_lead_and_a_create_row_per_record(carol, process):
    lead = full_lead(carol)
    last = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first()

    done = convert(lead, actor=carol, create_opportunity=True)

    rows = ObjectChange.objects.filter(pk__gt=last)
    assert sorted((r.content_type.model, r.object_id, r.action) for r in rows) == sorted(
        [
            ("customer", done.customer.pk, ChangeAction.CREATE),
            ("contact", done.contact.pk, ChangeAction.CREATE),
            ("opportunity", done.opportunity.pk, ChangeAction.CREATE),
            ("lead", lead.pk, ChangeAction.TRANSITION),
        ]
    )
    transition = rows.get(action=ChangeAction.TRANSITION)
    assert transition.changes["status"] == ["new", "converted"]
    assert transition.changes["customer_id"] == [None, done.customer.pk]
    assert transition.changes["opportunity_id"] == [None, done.opportunity.pk]


def test_an_existing_customer_and_contact_are_used_and_none_is_created(carol):
    customer = make_customer(carol)
    contact = make_contact(carol, customer)
    lead = full_lead(carol)
    before = written()

    done = convert(lead, actor=carol, customer=customer, contact=contact)

    assert (done.customer, done.contact, done.opportunity) == (customer, contact, None)
    assert written()[:3] == before[:3]
    assert stored(lead)[2:] == (customer.pk, contact.pk, None)


def test_a_new_contact_joins_an_existing_customer_as_a_further_one(carol):
    customer = make_customer(carol)
    make_contact(carol, customer)
    lead = full_lead(carol)

    done = convert(lead, actor=carol, customer=customer)

    assert done.contact.customer == customer and done.contact.name == "陈晓明"
    assert not done.contact.is_primary


def test_a_lead_naming_nobody_or_asked_for_none_gets_no_contact(carol):
    nobody = make_lead(carol, company_name="明德贸易有限公司")
    somebody = full_lead(carol)
    contacts = model("contact").all_objects.count()

    assert convert(nobody, actor=carol).contact is None
    assert convert(somebody, actor=carol, new_contact=False).contact is None
    assert model("contact").all_objects.count() == contacts
    assert model("customer").objects.get(pk=stored(nobody)[2]).name == "明德贸易有限公司"


def test_converting_twice_is_refused_and_writes_nothing(carol):
    lead = full_lead(carol)
    convert(lead, actor=carol)
    before, state = written(), stored(lead)

    with pytest.raises(TransitionRefused) as refused:
        convert(lead, actor=carol, create_opportunity=True)

    assert (refused.value.code, refused.value.status) == ("wrong_state", 409)
    assert written() == before and stored(lead) == state


def test_an_invalid_lead_is_refused_with_the_state_machines_reason(carol, process):
    lead = full_lead(carol)
    lead = services.transition(
        lead, "mark_invalid", actor=carol, invalid_reason=item("lead_invalid_reason")
    )
    before, state = written(), stored(lead)

    with pytest.raises(TransitionRefused) as refused:
        convert(lead, actor=carol, create_opportunity=True)

    assert (refused.value.code, refused.value.status) == ("wrong_state", 409)
    step = registry.get("lead").state_machine.transition("convert")
    assert refused.value.message == services.transition_refusal(lead, step, actor=carol)
    assert written() == before and stored(lead) == state


def test_a_contact_of_another_customer_is_refused(carol):
    customer, other = make_customer(carol), make_customer(carol, "星海集团")
    contact = make_contact(carol, other)
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    for chosen in (customer, None):  # an existing customer, or a new one
        with pytest.raises(ValidationFailed) as refused:
            convert(lead, actor=carol, customer=chosen, contact=contact)
        assert set(refused.value.fields) == {"contact"}

    assert written() == before and stored(lead) == state


def test_a_customer_or_contact_the_user_may_not_see_is_refused(carol, dave):
    hidden = make_customer(dave, "达夫科技")
    hidden_contact = make_contact(dave, hidden)
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    for chosen in ({"customer": hidden}, {"customer": hidden, "contact": hidden_contact}):
        with pytest.raises(ValidationFailed) as refused:
            convert(lead, actor=carol, create_opportunity=True, **chosen)
        assert set(refused.value.fields) == {"customer"}
    own = make_customer(carol)
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        convert(lead, actor=carol, customer=own, contact=hidden_contact)
    assert set(refused.value.fields) == {"contact"}

    assert written() == before and stored(lead) == state


def test_an_opportunity_without_any_sales_process_is_refused_naming_the_field(carol):
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    with pytest.raises(ValidationFailed) as refused:
        convert(lead, actor=carol, create_opportunity=True)

    assert set(refused.value.fields) == {"process"}
    assert written() == before and stored(lead) == state


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": Decimal("-0.01")}, "amount"),
        ({"amount": "很多"}, "amount"),
        ({"amount": "$12"}, "amount"),
        ({"close_date": datetime.date(2000, 1, 1)}, "close_date"),
        ({"opportunity_name": "x" * 5 + "\x00"}, "opportunity_name"),
    ],
)
def test_bad_opportunity_values_are_refused_and_nothing_is_written(carol, process, fields, field):
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    with pytest.raises(ValidationFailed) as refused:
        convert(lead, actor=carol, create_opportunity=True, **fields)

    assert field in refused.value.fields
    assert written() == before and stored(lead) == state


def test_a_user_without_the_convert_permission_is_refused(alice, process):
    lead = full_lead(alice)
    before, state = written(), stored(lead)

    with pytest.raises(AccessDenied):
        convert(lead, actor=alice, create_opportunity=True)

    assert written() == before and stored(lead) == state


def test_a_stale_version_is_refused_and_nothing_is_written(carol):
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    with pytest.raises(StaleVersion) as refused:
        convert(lead, actor=carol, expected_version=lead.version - 1)

    assert (refused.value.code, refused.value.status) == ("stale_version", 409)
    assert written() == before and stored(lead) == state


# --------------------------------------------------------------------------- the API


def test_the_api_answers_the_three_records_as_their_own_api_does(carol, api_for, process):
    lead = full_lead(carol)
    api = api_for(carol)

    response = api.post(
        f"{API}/{lead.pk}/convert/",
        {"customer": None, "contact": None, "create_opportunity": True, "amount": "380000.50"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    lead = Lead.all_objects.get(pk=lead.pk)
    assert body["customer"]["id"] == lead.customer_id
    assert body["contact"]["id"] == lead.contact_id
    assert body["opportunity"]["id"] == lead.opportunity_id
    for key in ("customer", "contact", "opportunity"):
        assert set(body[key]) == set(registry.get(key).schema_out.model_fields)
        assert body[key] == api.get(f"/api/v1/{registry.get(key).slug}/{body[key]['id']}/").json()
    assert body["contact"]["mobile"] == "138****5678"  # as the contacts' API masks it
    assert Decimal(body["opportunity"]["expected_amount"]) == Decimal("380000.50")


def test_the_api_uses_an_existing_customer_and_contact_and_answers_no_opportunity(carol, api_for):
    customer = make_customer(carol)
    contact = make_contact(carol, customer)
    lead = full_lead(carol)
    before = written()

    response = api_for(carol).post(
        f"{API}/{lead.pk}/convert/", {"customer": customer.pk, "contact": contact.pk}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["customer"]["id"], body["contact"]["id"], body["opportunity"]) == (
        customer.pk,
        contact.pk,
        None,
    )
    assert written()[:3] == before[:3]


def test_the_api_refuses_a_second_conversion_with_409(carol, api_for):
    lead = full_lead(carol)
    api = api_for(carol)
    assert api.post(f"{API}/{lead.pk}/convert/", {}).status_code == 200
    before, state = written(), stored(lead)

    response = api.post(f"{API}/{lead.pk}/convert/", {})

    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state"
    assert written() == before and stored(lead) == state


def test_the_api_answers_404_for_a_lead_not_seen_and_403_without_convert(
    carol, dave, alice, api_for
):
    hidden = full_lead(dave)
    own = full_lead(alice)  # alice may do everything but convert
    before = written()

    assert api_for(carol).post(f"{API}/{hidden.pk}/convert/", {}).status_code == 404
    refused = api_for(alice).post(f"{API}/{own.pk}/convert/", {})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert written() == before
    assert stored(hidden)[0] == stored(own)[0] == LeadStatus.NEW


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"create_opportunity": True, "amount": "abc"}, "amount"),
        ({"create_opportunity": True, "amount": "-1"}, "amount"),
        ({"create_opportunity": True}, "process"),
        ({"customer": 999999}, "customer"),
        ({"contact": 999999}, "contact"),
        ({"customer": "x"}, "customer"),
    ],
)
def test_the_api_answers_422_naming_the_bad_field(carol, api_for, payload, field):
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    response = api_for(carol).post(f"{API}/{lead.pk}/convert/", payload)

    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert written() == before and stored(lead) == state


def test_the_api_refuses_a_customer_the_user_may_not_see_like_one_that_does_not_exist(
    carol, dave, api_for
):
    hidden = make_customer(dave, "达夫科技")
    lead = full_lead(carol)
    before = written()

    seen = api_for(carol).post(f"{API}/{lead.pk}/convert/", {"customer": hidden.pk}).json()
    missing = api_for(carol).post(f"{API}/{lead.pk}/convert/", {"customer": 999999}).json()

    assert seen == missing
    assert written() == before


# --------------------------------------------------------------------------- the page


def convert_url(lead) -> str:
    return reverse("sales:lead_convert", args=[lead.pk])


def test_the_page_shows_the_lead_and_proposes_a_new_customer_and_contact(
    carol, client_for, process
):
    lead = full_lead(carol)

    page = client_for(carol).get(convert_url(lead))

    assert page.status_code == 200
    html = page.content.decode()
    form = page.context["form"]
    assert form["customer_mode"].value() == "new"
    assert form["customer_name"].value() == "深圳华星电子有限公司"
    assert form["contact_mode"].value() == "new"
    assert form["process"].value() == process.pk
    assert "陈晓明" in html and "138****5678" in html and "13812345678" not in html
    assert 'data-remote="/api/v1/customers/"' in html


def test_the_detail_page_links_to_the_conversion_page(carol, client_for):
    lead = full_lead(carol)

    html = client_for(carol).get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()

    assert f'href="{convert_url(lead)}"' in html


def test_the_page_converts_and_says_what_was_made_on_the_leads_page(carol, client_for, process):
    lead = full_lead(carol)
    client = client_for(carol)
    before = written()

    response = client.post(
        convert_url(lead),
        {
            "version": lead.version,
            "customer_mode": "new",
            "customer_name": "华星电子",
            "contact_mode": "new",
            "create_opportunity": "on",
            "amount": "1.2万",
            "process": process.pk,
        },
        follow=True,
    )

    lead = Lead.all_objects.get(pk=lead.pk)
    assert response.redirect_chain[-1][0] == reverse("sales:lead_detail", args=[lead.pk])
    assert lead.status == LeadStatus.CONVERTED
    assert written()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert lead.customer.name == "华星电子" and lead.opportunity.expected_amount == 12000
    toast = next(str(m) for m in response.context["messages"])
    for key, record in (
        ("customer", lead.customer),
        ("contact", lead.contact),
        ("opportunity", lead.opportunity),
    ):
        url = reverse(registry.get(key).url_name("detail"), args=[record.pk])
        assert f'<a href="{url}">' in toast
    assert "&lt;a" not in response.content.decode()  # the links are links, not text


def test_the_page_offers_only_the_chosen_customers_contacts(carol, client_for):
    customer = make_customer(carol)
    lead = full_lead(carol)

    page = client_for(carol).get(f"{convert_url(lead)}?customer={customer.pk}")

    assert page.context["form"]["customer_mode"].value() == "existing"
    assert f'data-remote="/api/v1/contacts/?customer={customer.pk}"' in page.content.decode()


def test_a_refusal_shows_the_error_on_the_form_and_writes_nothing(carol, client_for):
    customer, other = make_customer(carol), make_customer(carol, "星海集团")
    contact = make_contact(carol, other)
    lead = full_lead(carol)
    before, state = written(), stored(lead)

    page = client_for(carol).post(
        convert_url(lead),
        {
            "version": lead.version,
            "customer_mode": "existing",
            "customer": customer.pk,
            "contact_mode": "existing",
            "contact": contact.pk,
        },
    )

    assert page.status_code == 200
    assert page.context["form"].errors["contact"] == ["The contact belongs to another customer."]
    assert "is-invalid" in page.content.decode()
    assert written() == before and stored(lead) == state


def test_a_converted_lead_goes_back_to_its_page(carol, client_for):
    lead = full_lead(carol)
    convert(lead, actor=carol)
    before = written()

    response = client_for(carol).post(
        convert_url(lead),
        {"customer_mode": "new", "customer_name": "再来一次", "contact_mode": "none"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("sales:lead_detail", args=[lead.pk])
    assert written() == before


def test_the_page_refuses_a_user_without_convert_and_hides_other_peoples_leads(
    alice, carol, dave, client_for
):
    own = full_lead(alice)
    hidden = full_lead(dave)

    assert client_for(alice).get(convert_url(own)).status_code == 403
    assert client_for(carol).get(convert_url(hidden)).status_code == 404
