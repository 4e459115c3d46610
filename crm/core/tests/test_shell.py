"""The shell: sign-in, language, workbench, global search page."""

import pytest
from django.test import Client

from crm.conftest import PASSWORD
from crm.customers.tests.test_battery import make_customer


@pytest.mark.django_db
def test_pages_need_sign_in(client):
    for url in ("/", "/customers/", "/contacts/", "/search/?q=a"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_a_language_chosen_before_sign_in_becomes_the_users_choice(alice):
    client = Client()
    client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "zh-hans"
    assert client.get("/").headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_switching_language_is_remembered_and_refuses_odd_values(alice, client_for):
    client = client_for(alice)
    client.post("/language/", {"language": "zh-hans"})
    alice.refresh_from_db()
    assert alice.language == "zh-hans"
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    alice.refresh_from_db()
    assert alice.language == "zh-hans"


@pytest.mark.django_db
def test_workbench_counts_only_what_the_user_sees(alice, bob, client_for):
    make_customer(alice, name="甲公司")
    make_customer(bob, name="乙公司")
    page = client_for(alice).get("/")
    body = page.content.decode()
    assert "甲公司" in body and "乙公司" not in body


@pytest.mark.django_db
def test_type_ahead_fragment_and_full_results_page(alice, bob, client_for):
    make_customer(alice, name="金蝶软件")
    make_customer(bob, name="金蝶国际")
    client = client_for(alice)
    fragment = client.get("/search/", {"q": "金蝶"}, headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "金蝶软件" in text and "金蝶国际" not in text and "<html" not in text
    full = client.get("/search/", {"q": "jdrj"}).content.decode()
    assert "<html" in full and "金蝶软件" in full
