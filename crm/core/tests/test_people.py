"""People as others pick them: the type-ahead (`/people/`), and selects of a user that
search it as one types where the company has more people than a select lists in full."""

import re

import pytest

from crm.core import people
from crm.core.models import Collaborator
from crm.customers.models import Customer


@pytest.mark.django_db
def test_the_type_ahead_finds_people_by_name_username_and_pinyin(make_user, alice, client_for):
    make_user("zw", full_name="张伟")
    make_user("lina", full_name="李娜")
    make_user("off", full_name="张三", is_active=False)
    client = client_for(alice)

    def names(q, **more):
        found = client.get("/people/", {"q": q, **more}).json()["items"]
        return [p["name"] for p in found]

    assert names("张") == ["张伟"]
    assert names("lina") == ["李娜"]
    assert names("zhangwei") == ["张伟"]
    assert names("ln") == ["李娜"]
    assert names("alice") == ["Alice"]
    assert names("alice", others=1) == []  # nobody @mentions themselves
    assert len(names("", limit=2)) == 2
    assert client_for(alice).get("/people/", {"limit": "9999"}).status_code == 200


@pytest.mark.django_db
def test_the_type_ahead_is_for_signed_in_users_only(client):
    response = client.get("/people/", {"q": "a"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def _select(name: str, html: str) -> str:
    return re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S).group(0)


@pytest.mark.django_db
def test_a_user_is_searched_as_one_types_among_more_than_a_select_lists(
    make_user, admin, client_for, monkeypatch
):
    colleagues = [make_user(f"sales{n}", full_name=f"销售{n}") for n in range(3)]
    customer = Customer.objects.create(owner=colleagues[0], name="金蝶软件")
    client = client_for(admin)
    sharing = f"/customers/{customer.pk}/sharing/"
    few = _select("user", client.get(sharing).content.decode())
    assert "data-remote" not in few and "销售2" in few

    monkeypatch.setattr(people, "MANY", 3)
    offered = _select("user", client.get(sharing).content.decode())
    assert 'data-remote="/people/"' in offered and "销售" not in offered
    panel = {"_panel": "filters", "owner": colleagues[1].pk}
    owner_filter = _select("owner", client.get("/customers/", panel).content.decode())
    assert 'data-remote="/people/"' in owner_filter
    assert "销售1" in owner_filter and "销售2" not in owner_filter, "only the chosen one"

    # A user never written into the page is still a valid choice.
    client.post(sharing, {"action": "collaborate", "user": colleagues[2].pk})
    assert Collaborator.objects.filter(object_id=customer.pk, user=colleagues[2]).exists()
    client.post(sharing, {"action": "collaborate", "user": 10**9})
    assert Collaborator.objects.filter(object_id=customer.pk).count() == 1
