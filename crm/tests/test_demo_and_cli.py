"""The demo company and the `crm` command, as a new user meets them."""

import pytest

from crm import cli, demo
from crm.core import search
from crm.customers.models import Contact, Customer
from crm.org.models import ApiToken, User


@pytest.mark.django_db
def test_the_demo_loads_once_and_shows_the_model_at_work(client):
    demo.load()
    counts = (User.objects.count(), Customer.objects.count(), Contact.objects.count())
    demo.load()
    assert (User.objects.count(), Customer.objects.count(), Contact.objects.count()) == counts
    assert counts[1] == 300 and counts[2] >= 800
    usernames = set(User.objects.values_list("username", flat=True))
    assert {
        "admin",
        "director",
        "manager",
        "sales1",
        "sales2",
        "manager2",
        "sales3",
        "service",
        "finance",
    } <= usernames
    sales1 = User.objects.get(username="sales1")
    sales2 = User.objects.get(username="sales2")
    hits = [h.title for g in search.search(sales1, "jdrj") for h in g.hits]
    assert "金蝶软件" in hits
    assert [h.title for g in search.search(sales2, "jdrj") for h in g.hits] == []
    assert Customer.objects.visible_to(sales1).exists()
    assert Customer.objects.get(name="金蝶软件").number.startswith("C")


@pytest.mark.django_db
def test_token_create_prints_a_token_that_opens_the_api(make_user, client, capsys):
    make_user("alice")
    assert cli.main(["token", "create", "alice", "--name", "ERP sync"]) == 0
    printed = capsys.readouterr().out
    token = ApiToken.objects.get()
    raw = next(w for w in printed.split() if w.startswith(token.prefix) and len(w) > 30)
    response = client.get("/api/v1/customers/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert token.name == "ERP sync"
    assert raw not in token.key_hash


@pytest.mark.django_db
def test_token_create_for_an_unknown_user_fails_cleanly(capsys):
    assert cli.main(["token", "create", "nobody"]) != 0
    assert ApiToken.objects.count() == 0
