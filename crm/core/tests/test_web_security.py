"""What every response carries for the browser's safety: redirects that stay on the site,
the content security policy, caching and transport headers, the request size limit, and
refusals logged without a traceback."""

import pytest
from django.test import Client

from crm.conftest import PASSWORD
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]


@pytest.mark.django_db
@pytest.mark.parametrize("back", ELSEWHERE)
def test_a_bulk_action_never_sends_the_user_to_another_site(alice, client_for, back):
    customer = make_customer(alice)
    client = client_for(alice)
    response = client.post(
        "/customers/bulk/", {"action": "delete", "ids": [customer.pk], "back": back}
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    htmx = client.post(
        "/customers/bulk/", {"action": "delete", "back": back}, headers={"HX-Request": "true"}
    )
    assert htmx["HX-Redirect"] == "/customers/"
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_a_bulk_action_goes_back_to_the_list_page_it_came_from(alice, client_for):
    back = "/customers/?status=formal&ordering=name"
    response = client_for(alice).post("/customers/bulk/", {"action": "delete", "back": back})
    assert response["Location"] == back


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ELSEWHERE)
def test_switching_language_never_sends_the_user_to_another_site(alice, client_for, next_url):
    response = client_for(alice).post("/language/", {"language": "en", "next": next_url})
    assert response["Location"] == "/"
    referred = client_for(alice).post(
        "/language/", {"language": "en"}, headers={"Referer": next_url}
    )
    assert referred["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ELSEWHERE)
def test_signing_in_never_sends_the_user_to_another_site(alice, next_url):
    response = Client().post(
        "/login/", {"username": "alice", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
