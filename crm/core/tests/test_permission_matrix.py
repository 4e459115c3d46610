"""The permission matrix: for random organisation worlds, every persona reaches through every
surface exactly the records the rules allow — no more, no fewer — for every registered type.

The reference is `crm.core.testing.worlds.Oracle`, written from the rules of access control.
"""

import csv
import io
import itertools

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from crm.core import registry, search
from crm.core.testing.worlds import Factory, Oracle, build_world
from crm.customers.models import Contact, Customer

WORLDS = 200
HTTP_WORLDS = 4
_counter = itertools.count()


def _customer(owner, parent):
    n = next(_counter)
    customer = Customer.objects.create(owner=owner, name=f"矩阵客户{n}号", number=f"M{n}")
    search.index(customer)
    return customer


def _contact(owner, parent):
    n = next(_counter)
    contact = Contact.objects.create(
        owner=owner, customer=parent, name=f"矩阵联系人{n}号", number=f"L{n}"
    )
    search.index(contact)
    return contact


FACTORIES = {
    "customer": Factory(_customer),
    "contact": Factory(_contact, parent_type="customer"),
}


def _expected(world, oracle, user, type_key, kind):
    return {
        i.obj.pk for i in world.items if i.type_key == type_key and oracle.allows(user, i, kind)
    }


def test_every_registered_type_has_a_world_factory():
    assert set(FACTORIES) == {t.key for t in registry.all_types()}


@pytest.mark.django_db
def test_visible_and_editable_sets_equal_the_reference_in_200_worlds():
    checked = split = 0
    for seed in range(WORLDS):
        with transaction.atomic():
            world = build_world(seed, FACTORIES)
            oracle = Oracle(world)
            users = [p.user for p in world.people.values()] + [world.admin, None]
            for user, object_type in itertools.product(users, registry.all_types()):
                model = object_type.model
                from django.contrib.auth.models import AnonymousUser

                who = user or AnonymousUser()
                for kind, manager in (
                    ("view", model.objects.visible_to),
                    ("edit", model.objects.editable_by),
                ):
                    got = set(manager(who).values_list("pk", flat=True))
                    expected = _expected(world, oracle, user, object_type.key, kind)
                    assert got == expected, (
                        seed,
                        getattr(user, "username", None),
                        object_type.key,
                        kind,
                    )
                    checked += 1
                parts = model.objects.all().visible_parts(who)
                if parts is not None:
                    # Read part by part, a list holds each visible record exactly once.
                    ids = [pk for part in parts for pk in part.values_list("pk", flat=True)]
                    expected = _expected(world, oracle, user, object_type.key, "view")
                    assert sorted(ids) == sorted(expected), (seed, who.username, "parts")
                    split += 1
            transaction.set_rollback(True)
    assert checked == WORLDS * 10 * 2 * 2
    assert split > WORLDS


def _csv_ids(response, world, type_key):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = {row[0] for row in list(csv.reader(io.StringIO(text)))[1:]}
    return {i.obj.pk for i in world.items if i.type_key == type_key and i.obj.name in names}


@pytest.mark.django_db
def test_every_surface_shows_exactly_the_reference(api_for):
    for seed in range(HTTP_WORLDS):
        with transaction.atomic():
            world = build_world(1000 + seed, FACTORIES, people=5, records=6)
            oracle = Oracle(world)
            for person in world.people.values():
                user = person.user
                client = Client()
                client.force_login(user)
                api = api_for(user)
                for object_type in registry.all_types():
                    _check_surfaces(world, oracle, user, client, api, object_type)
            transaction.set_rollback(True)


def _check_surfaces(world, oracle, user, client, api, object_type):
    key, slug = object_type.key, object_type.slug
    visible = _expected(world, oracle, user, key, "view")
    editable = _expected(world, oracle, user, key, "edit")
    items = [i for i in world.items if i.type_key == key]
    can_view = user.is_superuser or any(
        "view" in g.actions for g in oracle._grants(world.people[user.pk], key)
    )
    listing = client.get(f"/{slug}/", {"per_page": 100, "col": "name"})
    if can_view:
        assert {r["id"] for r in listing.context["rows"]} == visible, (key, "list")
        assert listing.context["count"] == len(visible), (key, "count")
    else:
        assert listing.status_code == 403
        assert not visible
    api_ids = {row["id"] for row in api.get(f"/api/v1/{slug}/", {"limit": 200}).json()["items"]}
    assert api_ids == visible, (key, "api list")
    hits = (
        {h.url for g in search.search(user, "矩阵") for h in g.hits if g.slug == slug}
        if len(visible) < 5
        else None
    )
    if hits is not None:
        assert hits == {f"/{slug}/{pk}/" for pk in visible}, (key, "search")
    export = client.get(f"/{slug}/export/", {"format": "csv", "col": "name"})
    if export.status_code == 200:
        assert _csv_ids(export, world, key) == visible, (key, "export")
    for item in items:
        pk = item.obj.pk
        seen = pk in visible
        assert (client.get(f"/{slug}/{pk}/").status_code == 200) == seen, (key, pk, "detail")
        assert (api.get(f"/api/v1/{slug}/{pk}/").status_code == 200) == seen, (key, pk, "api")
        assert (client.get(f"/{slug}/{pk}/timeline/").status_code == 200) == seen
        sharing = client.get(f"/{slug}/{pk}/sharing/").status_code
        assert (sharing == 200) == (seen and object_type.shareable), (key, pk, "sharing")
        for field in object_type.masked:
            shown = client.post(f"/{slug}/{pk}/unmask/{field}/").status_code
            assert shown == (403 if seen else 404), (key, pk, "unmask", shown)
        edit_page = client.get(f"/{slug}/{pk}/edit/").status_code
        assert (edit_page == 200) == (pk in editable), (key, pk, "edit page", edit_page)
        version = type(item.obj).all_objects.get(pk=pk).version
        patch = api.patch(f"/api/v1/{slug}/{pk}/", {"version": version})
        assert (patch.status_code == 200) == (pk in editable), (key, pk, "api patch")
        may_delete = pk in editable and (
            user.is_superuser
            or any("delete" in g.actions for g in oracle._grants(world.people[user.pk], key))
        )
        with transaction.atomic():  # undone, so later personas see the same world
            deleted = api.delete(f"/api/v1/{slug}/{pk}/").status_code
            restored = api.post(f"/api/v1/{slug}/{pk}/restore/").status_code
            transaction.set_rollback(True)
        assert (deleted == 204) == may_delete, (key, pk, "api delete", deleted)
        assert (restored == 200) == may_delete, (key, pk, "api restore", restored)
    if key == "contact":
        # A contact can only be attached to a customer the user sees.
        may_create = user.is_superuser or any(
            "create" in g.actions for g in oracle._grants(world.people[user.pk], "contact")
        )
        customers = _expected(world, oracle, user, "customer", "view")
        for item in (i for i in world.items if i.type_key == "customer"):
            with transaction.atomic():  # undone, so later personas see the same world
                response = api.post(
                    "/api/v1/contacts/", {"customer": item.obj.pk, "name": "新联系人"}
                )
                transaction.set_rollback(True)
            if not may_create:
                assert response.status_code == 403, response.json()
            elif item.obj.pk in customers:
                assert response.status_code == 201, response.json()
            else:
                assert response.status_code == 422
                assert "customer" in response.json()["fields"]


# Every URL that takes an object id, and how the matrix above or a special-permission
# check covers it. A new URL with an id fails this test until it is covered.
RECORD_ACTIONS = {
    "detail",
    "edit",
    "delete",
    "restore",
    "purge",
    "timeline",
    "comment",
    "attach",
    "attachment",
    "related",
    "unmask",
    "sharing",
}
SETTINGS_PAGES = {
    "org:unit_edit",
    "org:employee_edit",
    "org:team_edit",
    "org:user_edit",
    "org:role_edit",
    "org:handover_detail",
    "customization:dictionary_detail",
    "customization:dictionary_edit",
    "customization:dictionaryitem_create",
    "customization:dictionaryitem_edit",
    "customization:dictionaryitem_move",
    "customization:dictionaryitem_toggle",
    "customization:customfield_edit",
    # Account security pages: a user's own sessions, and lockouts for log viewers
    # (crm/org/tests/test_security*.py).
    "org:session_end",
    "org:online_session_end",
    "org:lockout_lift",
}
# The import wizard's pages and API: an import is reached by whoever uploaded it and by
# administrators only (crm/core/tests/test_import_views.py, test_import_api.py).
IMPORT_PAGES = {
    "api:retrieve_import",
    "api:import_errors",
    "api:cancel_import",
    "import_detail",
    "import_preview",
    "import_start",
    "import_cancel",
    "import_file",
    "import_errors",
}
# The API's record operations, by their names in the generic router.
API_RECORD_OPERATIONS = {"api:retrieve", "api:update", "api:delete", "api:restore"}


def _id_urls(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _id_urls(entry, namespace)
        elif (
            isinstance(entry, URLPattern)
            and entry.name
            and any(name in ("pk", "view_id", "attachment_id") for name in entry.pattern.converters)
        ):
            yield f"{prefix}{entry.name}"


def test_every_url_with_an_object_id_is_covered():
    record_names = {
        f"{t.app_label}:{t.key}_{a}" for t in registry.all_types() for a in RECORD_ACTIONS
    }
    saved_views = {f"{t.app_label}:{t.key}_deleteview" for t in registry.all_types()}
    uncovered = (
        set(_id_urls())
        - record_names
        - SETTINGS_PAGES
        - IMPORT_PAGES
        - saved_views
        - API_RECORD_OPERATIONS
    )
    assert not uncovered, f"URLs with an object id not covered by access tests: {uncovered}"
