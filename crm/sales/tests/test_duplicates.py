"""The duplicate check (查重) of leads against leads, customers and contacts: company names
compared once normalised, mobiles and emails; what the user may see is named and linked,
what they may not see only says which department holds it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core import registry, services
from crm.org.models import Employee, OrgUnit
from crm.sales.duplicates import MATCHES, normalize_company, normalize_mobile, similar
from crm.sales.models import Lead

SIMILAR = "/leads/similar/"


@pytest.fixture
def south(db):
    """华南销售部, a department of its own."""
    company = OrgUnit.objects.create(name="星海集团", kind="company")
    return OrgUnit.objects.create(name="华南销售部", kind="department", parent=company)


@pytest.fixture
def wang(make_user, south):
    """A salesperson of 华南销售部 whose records alice may not see."""
    user = make_user("wang", full_name="王建国")
    Employee.objects.create(user=user, name="王建国", department=south)
    return user


def save(obj, owner):
    return services.save(obj, actor=owner)


def customer(owner, name: str, **fields):
    return save(registry.get("customer").model(owner=owner, name=name, **fields), owner)


def contact(owner, of, name: str, **fields):
    return save(registry.get("contact").model(owner=owner, customer=of, name=name, **fields), owner)


def lead(owner, name: str = "官网询价", **fields) -> Lead:
    return save(Lead(owner=owner, name=name, **fields), owner)


def fragment(client, **typed) -> str:
    response = client.get(SIMILAR, typed)
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------- normalising


@pytest.mark.parametrize(
    "names",
    [
        ("北京金蝶软件有限公司", "金蝶软件", "金蝶软件(中国)有限公司", "金蝶软件（中国）有限公司"),
        (
            "Kingdee Software Co., Ltd.",
            "kingdee software",
            "KINGDEE SOFTWARE LTD",
            "Kingdee Software Inc.",
        ),
        ("深圳市华星电子有限公司", "华星电子", "广东深圳华星电子股份有限公司", "华星电子集团"),
        ("ＡＢＣ科技有限责任公司", "abc科技", "ABC 科技"),
    ],
)
def test_names_of_one_company_normalise_alike(names):
    assert len({normalize_company(name) for name in names}) == 1, [
        normalize_company(n) for n in names
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [("华星科技", "华星"), ("金蝶软件", "用友软件"), ("上海明德贸易", "上海明德商贸")],
)
def test_different_companies_stay_apart(one, other):
    assert normalize_company(one) != normalize_company(other)


def test_mobiles_compare_by_their_digits_and_a_masked_one_by_none():
    assert normalize_mobile("+86 138-1234-5678") == normalize_mobile("13812345678")
    assert normalize_mobile("138****5678") == normalize_mobile("123") == ""


# --------------------------------------------------------------------------- finding


def test_a_customer_with_the_same_company_name_is_found_and_linked(alice, client_for):
    own = customer(alice, "北京金蝶软件有限公司")

    found = similar(alice, company_name="金蝶软件(中国)有限公司")

    assert [(m.record, m.reasons) for m in found] == [(own, ("same company name",))]
    html = fragment(client_for(alice), company_name="金蝶软件(中国)有限公司")
    url = reverse("customers:customer_detail", args=[own.pk])
    assert f'<a href="{url}">北京金蝶软件有限公司</a>' in html


def test_matches_by_mobile_and_by_email_among_contacts_and_leads(alice):
    company = customer(alice, "明德贸易")
    person = contact(alice, company, "王芳", mobile="13812345678", email="wang@mingde.example")
    other = lead(alice, mobile="13812345678")

    by_mobile = similar(alice, mobile="+86 138 1234 5678")
    by_email = similar(alice, email="WANG@mingde.example ")

    assert {(m.record, m.reasons) for m in by_mobile} == {
        (person, ("same mobile",)),
        (other, ("same mobile",)),
    }
    assert [(m.record, m.reasons) for m in by_email] == [(person, ("same email",))]
    assert similar(alice, mobile="13812345679", email="wang@mingde.example.cn") == []


def test_one_record_matching_twice_is_listed_once_with_both_reasons(alice):
    other = lead(alice, company_name="华星电子有限公司", email="chen@huaxing.example")

    found = similar(alice, company_name="深圳华星电子", email="chen@huaxing.example")

    assert [(m.record, m.reasons) for m in found] == [(other, ("same company name", "same email"))]


def test_the_record_itself_is_not_its_own_duplicate(alice):
    own = lead(alice, company_name="华星电子", mobile="13812345678")

    assert similar(alice, company_name="华星电子", mobile="13812345678", exclude=(own,)) == []


def test_no_value_typed_asks_nothing_of_the_database(alice):
    with CaptureQueriesContext(connection) as queries:
        assert similar(alice, company_name="有限公司", mobile="138", email="nobody") == []
    assert len(queries) == 0


def test_the_matches_are_capped(alice):
    for n in range(MATCHES + 2):
        lead(alice, name=f"询价{n}", company_name="华星电子有限公司")

    assert len(similar(alice, company_name="华星电子")) == MATCHES


# --------------------------------------------------------------------------- what is not seen


def test_a_hidden_record_tells_only_the_department_that_holds_it(alice, wang, client_for):
    held = customer(wang, "深圳华星电子有限公司", number="KH-20240017")
    person = contact(
        wang, held, "陈晓明", number="LXR-0042", mobile="13912345678", email="chen@huaxing.example"
    )

    html = fragment(
        client_for(alice), company_name="华星电子", mobile="139 1234 5678", email="x@y.example"
    )

    assert "A similar customer is held by 华南销售部." in html
    assert "A similar contact is held by 华南销售部." in html
    for secret in ("深圳华星电子有限公司", held.number, person.number, "陈晓明", "王建国", "wang"):
        assert secret not in html
    assert "13912345678" not in html and "5678" not in html
    assert "/customers/" not in html and "/contacts/" not in html
    found = similar(alice, company_name="华星电子", mobile="13912345678")
    assert all(m.record is None and m.title == m.url == "" for m in found)


def test_a_hidden_record_of_someone_without_a_department_says_only_that_it_exists(
    alice, bob, client_for
):
    customer(bob, "明德贸易有限公司")

    html = fragment(client_for(alice), company_name="上海明德贸易")

    assert "A similar customer exists that you may not see." in html
    assert "明德贸易有限公司" not in html and "Bob" not in html


def test_the_lead_page_shows_the_duplicates_panel(alice, wang, client_for):
    customer(wang, "深圳华星电子有限公司")
    own = lead(alice, company_name="华星电子")
    alone = lead(alice, name="孤单线索", company_name="独一无二")
    client = client_for(alice)

    shown = client.get(reverse("sales:lead_detail", args=[own.pk])).content.decode()
    empty = client.get(reverse("sales:lead_detail", args=[alone.pk])).content.decode()

    assert 'data-panel="similar"' in shown
    assert "A similar customer is held by 华南销售部." in shown
    assert "深圳华星电子有限公司" not in shown
    assert "data-similar-none" in empty


def test_the_lead_form_asks_for_the_warning_as_fields_change(alice, client_for):
    own = lead(alice, company_name="华星电子")
    client = client_for(alice)

    new = client.get(reverse("sales:lead_create")).content.decode()
    edit = client.get(reverse("sales:lead_edit", args=[own.pk])).content.decode()

    assert f'hx-get="{SIMILAR}"' in new and "target:#id_company_name" in new
    assert f'hx-get="{SIMILAR}?exclude={own.pk}"' in edit and "load, " in edit


def test_the_form_warning_reads_a_masked_mobile_sent_back_as_the_stored_one(alice, client_for):
    own = lead(alice, mobile="13812345678")
    company = customer(alice, "明德贸易")
    person = contact(alice, company, "王芳", mobile="13812345678")

    html = fragment(client_for(alice), mobile="138****5678", exclude=own.pk)

    assert reverse("customers:contact_detail", args=[person.pk]) in html
    assert reverse("sales:lead_detail", args=[own.pk]) not in html


def test_saving_a_duplicate_is_not_blocked(alice, client_for):
    customer(alice, "北京金蝶软件有限公司")

    response = client_for(alice).post(
        reverse("sales:lead_create"), {"name": "金蝶询价", "company_name": "金蝶软件"}
    )

    assert response.status_code == 302
    assert Lead.objects.filter(company_name="金蝶软件").count() == 1
