"""The exchange-rate page: administrators keep the rates reports convert amounts with."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core.models import ObjectChange
from crm.core.money import Money
from crm.core.services import save
from crm.customization import exchange
from crm.customization.models import ExchangeRate
from crm.org.models import Role

pytestmark = pytest.mark.django_db

LIST = reverse("customization:exchangerate_list")
CREATE = reverse("customization:exchangerate_create")


def _rate(actor, currency="USD", rate="7.2", day=datetime.date(2026, 3, 1)) -> ExchangeRate:
    return save(
        ExchangeRate(currency=currency, rate_to_company_currency=Decimal(rate), valid_from=day),
        actor=actor,
    )


def _snapshot():
    return list(
        ExchangeRate.objects.order_by("pk").values_list(
            "currency", "valid_from", "rate_to_company_currency", "version"
        )
    )


def test_the_list_shows_the_rates_newest_first_with_who_changed_them(admin_client, admin):
    _rate(admin, "USD", "7.0", datetime.date(2026, 1, 1))
    _rate(admin, "EUR", "7.85", datetime.date(2026, 2, 1))
    _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))

    response = admin_client.get(LIST)

    assert response.status_code == 200
    rows = [(r.currency, r.valid_from.isoformat(), r.rate_text) for r in response.context["page"]]
    assert rows == [
        ("USD", "2026-03-01", "7.2"),
        ("EUR", "2026-02-01", "7.85"),
        ("USD", "2026-01-01", "7"),
    ]
    content = response.content.decode()
    assert "Rate to CNY" in content
    assert "Root" in content
    assert CREATE in content


def test_the_list_is_filtered_by_currency_and_paginated(admin_client, admin):
    first = datetime.date(2026, 1, 1)
    for day in range(55):
        _rate(admin, "USD", "7", first + datetime.timedelta(days=day))
    _rate(admin, "EUR", "8", first)

    euros = admin_client.get(LIST, {"currency": "EUR"})
    dollars = admin_client.get(LIST, {"currency": "USD", "page": 2})

    assert [r.currency for r in euros.context["page"]] == ["EUR"]
    page = dollars.context["page"]
    assert (page.number, len(page), page.paginator.count) == (2, 5, 55)
    assert page[0].valid_from == first + datetime.timedelta(days=4)
    assert "currency=USD&amp;page=1" in dollars.content.decode()


def test_an_administrator_adds_a_rate_that_convert_then_uses(admin_client, admin):
    response = admin_client.post(
        CREATE, {"currency": "USD", "valid_from": "2026-03-01", "rate_to_company_currency": "7.1"}
    )

    assert response.status_code == 302
    assert response.url == LIST
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate_to_company_currency, rate.created_by) == (
        "USD",
        Decimal("7.1"),
        admin,
    )
    change = ObjectChange.objects.get(object_id=rate.pk)
    assert (change.action, change.actor) == ("create", admin)
    assert change.changes["rate_to_company_currency"] == [None, "7.10000000"]
    assert exchange.convert(Money(Decimal(100), "USD"), on=datetime.date(2026, 3, 2)) == Money(
        Decimal(710)
    )


def test_a_second_rate_for_the_same_currency_and_day_is_refused_on_the_date(admin_client, admin):
    _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    before, changes = _snapshot(), ObjectChange.objects.count()

    response = admin_client.post(
        CREATE, {"currency": "USD", "valid_from": "2026-03-01", "rate_to_company_currency": "7.3"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "valid_from": ["USD already has a rate valid from this day; edit that one."]
    }
    assert (_snapshot(), ObjectChange.objects.count()) == (before, changes)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"currency": "CNY", "rate_to_company_currency": "1"},
            {"currency": ["Select a valid choice. CNY is not one of the available choices."]},
        ),
        (
            {"currency": "USD", "rate_to_company_currency": "0"},
            {"rate_to_company_currency": ["The rate must be more than zero."]},
        ),
        (
            {"currency": "USD", "rate_to_company_currency": "7.1234567"},
            {"rate_to_company_currency": ["Ensure that there are no more than 6 decimal places."]},
        ),
    ],
)
def test_a_bad_rate_is_refused_next_to_its_field(admin_client, data, errors):
    response = admin_client.post(CREATE, {"valid_from": "2026-03-01", **data})

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert (ExchangeRate.objects.count(), ObjectChange.objects.count()) == (0, 0)


def test_the_company_currency_is_not_offered(admin_client):
    response = admin_client.get(CREATE)

    offered = [code for code, _label in response.context["form"].fields["currency"].choices]
    assert "CNY" not in offered
    assert offered[:2] == ["USD", "EUR"]


def test_an_administrator_edits_a_rate(admin_client, admin):
    rate = _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    url = reverse("customization:exchangerate_edit", args=[rate.pk])

    form = admin_client.get(url).context["form"]
    response = admin_client.post(
        url,
        {
            "currency": "USD",
            "valid_from": "2026-03-01",
            "rate_to_company_currency": "7.25",
            "version": rate.version,
        },
    )

    assert form["rate_to_company_currency"].value() == "7.2"
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.rate_to_company_currency, rate.version) == (Decimal("7.25"), 2)
    change = ObjectChange.objects.get(object_id=rate.pk, action="update")
    assert change.changes == {"rate_to_company_currency": ["7.20000000", "7.25000000"]}


def test_a_refused_edit_keeps_the_rate_as_saved_in_the_title(admin_client, admin):
    _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    rate = _rate(admin, "USD", "7.3", datetime.date(2026, 3, 2))

    response = admin_client.post(
        reverse("customization:exchangerate_edit", args=[rate.pk]),
        {"currency": "USD", "valid_from": "2026-03-01", "rate_to_company_currency": "7.3"},
    )

    assert response.context["form"].errors == {
        "valid_from": ["USD already has a rate valid from this day; edit that one."]
    }
    assert "USD rate from 2026-03-02" in response.content.decode()
    rate.refresh_from_db()
    assert rate.valid_from == datetime.date(2026, 3, 2)


def test_saving_a_rate_unchanged_logs_no_change(admin_client, admin):
    rate = _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    url = reverse("customization:exchangerate_edit", args=[rate.pk])
    unchanged = {field.name: field.value() for field in admin_client.get(url).context["form"]}

    response = admin_client.post(url, unchanged)

    assert response.status_code == 302
    assert not ObjectChange.objects.filter(object_id=rate.pk, action="update").exists()


def test_an_administrator_deletes_a_rate(admin_client, admin):
    rate = _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    delete = reverse("customization:exchangerate_delete", args=[rate.pk])
    edit_page = admin_client.get(reverse("customization:exchangerate_edit", args=[rate.pk]))

    response = admin_client.post(delete)

    assert f'action="{delete}"' in edit_page.content.decode()
    assert 'data-confirm="Delete the rate of USD from 2026-03-01?' in edit_page.content.decode()
    assert response.status_code == 302
    assert not ExchangeRate.objects.exists()
    change = ObjectChange.objects.get(object_id=rate.pk, action="delete")
    assert (change.actor, change.changes["currency"]) == (admin, ["USD", None])
    listing = admin_client.get(response.url).content.decode()
    assert "Exchange rate of USD from 2026-03-01 deleted." in listing


def test_a_plain_user_reads_the_rates_but_changes_nothing(member_client, admin):
    rate = _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))
    before, changes = _snapshot(), ObjectChange.objects.count()
    edit = reverse("customization:exchangerate_edit", args=[rate.pk])
    data = {"currency": "EUR", "valid_from": "2026-03-02", "rate_to_company_currency": "8"}

    listing = member_client.get(LIST)
    statuses = [
        member_client.get(CREATE).status_code,
        member_client.post(CREATE, data).status_code,
        member_client.get(edit).status_code,
        member_client.post(edit, {**data, "version": rate.version}).status_code,
        member_client.post(
            reverse("customization:exchangerate_delete", args=[rate.pk])
        ).status_code,
    ]

    assert listing.status_code == 200
    assert CREATE not in listing.content.decode()
    assert edit not in listing.content.decode()
    assert statuses == [403] * 5
    assert (_snapshot(), ObjectChange.objects.count()) == (before, changes)


def test_a_holder_of_manage_settings_maintains_the_rates(member, member_client):
    role = Role.objects.create(
        code="rates", name_zh="汇率维护", name_en="Rates", specials=["manage_settings"]
    )
    member.roles.add(role)

    response = member_client.post(
        CREATE, {"currency": "HKD", "valid_from": "2026-03-01", "rate_to_company_currency": "0.92"}
    )

    assert response.status_code == 302
    assert ExchangeRate.objects.get().updated_by == member


def test_the_settings_menu_leads_administrators_to_the_rates(admin_client, member_client):
    admin_page = admin_client.get(reverse("customization:index")).content.decode()
    member_page = member_client.get(reverse("home")).content.decode()

    assert admin_page.count(f'href="{LIST}"') >= 2  # the left menu and the settings card
    assert f'href="{LIST}"' not in member_page


def test_the_rate_pages_speak_chinese(admin_client, admin):
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    _rate(admin, "USD", "7.2", datetime.date(2026, 3, 1))

    listing = admin_client.get(LIST).content.decode()
    form = admin_client.get(CREATE).content.decode()

    assert "<title>汇率" in listing
    assert "汇率（折合 CNY）" in listing
    assert "新建汇率" in form
    assert "生效日期" in form
