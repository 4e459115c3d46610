"""Rules a customer or contact keeps however it is written: a parent above it that is not
itself or below it, and a name that is more than spaces — in the form, the API and imports."""

import pytest
from django.utils import translation

from crm.core import services
from crm.core.errors import ValidationFailed
from crm.core.tests.test_imports import csv_file, errors_of, run, summary
from crm.customers.models import Contact, Customer
from crm.customers.tests import test_battery
from crm.customers.tests.test_battery import make_customer

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en"}  # a token's requests follow the header


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with translation.override("en"):
        yield


@pytest.fixture
def family(alice):
    """group -> subsidiary -> branch."""
    group = make_customer(alice, name="星海集团", number="C-1")
    subsidiary = make_customer(alice, name="星海华东", parent=group)
    branch = make_customer(alice, name="星海苏州", parent=subsidiary)
    return group, subsidiary, branch


def test_a_customer_cannot_be_its_own_parent(alice, family):
    group, _, _ = family
    group.parent = group
    with pytest.raises(ValidationFailed) as refused:
        services.save(group, actor=alice)
    assert refused.value.fields == {"parent": ["A customer cannot be its own parent."]}
    group.refresh_from_db()
    assert group.parent is None and group.version == 1


def test_a_customer_cannot_go_under_its_own_subsidiary(alice, family):
    group, _, branch = family
    group.parent = branch
    with pytest.raises(ValidationFailed) as refused:
        services.save(group, actor=alice)
    assert refused.value.fields == {
        "parent": ["“星海苏州” belongs under this customer, so it cannot be its parent."]
    }


def test_moving_a_customer_elsewhere_in_the_tree_is_allowed(alice, family):
    group, subsidiary, branch = family
    branch.parent = group
    services.save(branch, actor=alice)
    subsidiary.parent = branch
    services.save(subsidiary, actor=alice)
    assert Customer.objects.get(pk=subsidiary.pk).parent == branch


def test_the_edit_form_shows_the_loop_on_the_parent_field(alice, client_for, family):
    group, _, branch = family
    client = client_for(alice)
    data = test_battery.TestCustomerBattery().edit_form(client, group)
    data["parent"] = str(branch.pk)
    response = client.post(f"/customers/{group.pk}/edit/", data)
    assert response.context["form"].errors["parent"] == [
        "“星海苏州” belongs under this customer, so it cannot be its parent."
    ]
    assert Customer.objects.get(pk=group.pk).parent is None


def test_the_api_refuses_the_loop_with_the_parent_field(alice, api_for, family):
    group, _, branch = family
    api = api_for(alice)
    response = api.patch(
        f"/api/v1/customers/{group.pk}/", {"parent": group.pk, "version": 1}, headers=ENGLISH
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"parent": ["A customer cannot be its own parent."]}
    response = api.patch(f"/api/v1/customers/{group.pk}/", {"parent": branch.pk, "version": 1})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["parent"]
    assert Customer.objects.get(pk=group.pk).parent is None


def test_an_import_refuses_the_loop_on_its_row(alice, family):
    group, _, _ = family
    upload = csv_file([["Number", "Parent customer"], ["C-1", "星海苏州"]])
    job = run(alice, upload, on_duplicate="update", match="number")
    assert job.summary == summary(failed=1)
    assert errors_of(job) == {
        2: "Parent customer: “星海苏州” belongs under this customer, so it cannot be its parent."
    }
    assert Customer.objects.get(pk=group.pk).parent is None


# ------------------------------------------------------------------------ names of spaces


@pytest.mark.parametrize("name", ["   ", "\u3000", "\t \n"])
def test_the_api_refuses_a_name_of_spaces(alice, api_for, name):
    api = api_for(alice)
    created = api.post("/api/v1/customers/", {"name": name}, headers=ENGLISH)
    assert created.status_code == 422
    assert created.json()["fields"] == {"name": ["This field cannot be blank."]}
    customer = make_customer(alice, name="星海集团")
    renamed = api.patch(f"/api/v1/customers/{customer.pk}/", {"name": name, "version": 1})
    assert renamed.status_code == 422
    assert list(renamed.json()["fields"]) == ["name"]
    contact = api.post("/api/v1/contacts/", {"customer": customer.pk, "name": name})
    assert contact.status_code == 422
    assert list(contact.json()["fields"]) == ["name"]
    assert list(Customer.objects.values_list("name", flat=True)) == ["星海集团"]
    assert not Contact.objects.exists()


def test_the_form_refuses_a_name_of_spaces(alice, client_for):
    response = client_for(alice).post(
        "/customers/new/", {"name": "   ", "customer_type": "end", "status": "potential"}
    )
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert not Customer.objects.exists()


def test_an_import_refuses_a_name_of_spaces(alice):
    job = run(alice, csv_file([["Customer name", "City"], ["\u3000 ", "苏州"]]))
    assert job.summary == summary(failed=1)
    assert list(errors_of(job)) == [2]
    assert not Customer.objects.exists()


def test_a_name_with_spaces_around_words_is_kept(alice):
    customer = make_customer(alice, name="Star Sea Group")
    assert customer.name == "Star Sea Group"
