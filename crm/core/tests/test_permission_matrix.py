"""The permission matrix: for random organisation worlds, every persona reaches through every
surface exactly the records the rules allow — no more, no fewer — for every registered type,
and a refused action leaves the record, its version and its change log as they were.

The reference is `crm.core.testing.worlds.Oracle`, written from the rules of access control.
"""

import csv
import functools
import io
import itertools
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from crm.core import access, contributions, registry, search
from crm.core.models import Attachment, Comment, ObjectChange
from crm.core.testing.worlds import ACTIONS, SPECIALS, Factory, Oracle, build_world

WORLDS = 200
HTTP_WORLDS = 3
# Records per type and world on which every persona also comments, attaches, downloads,
# opens related tabs and deletes through the pages (each write undone): all of them
# would cost minutes.
SAMPLE = 2

# Each app contributes the factory of its types (`crm.core.contributions`).
FACTORIES = {
    key: Factory(factory.make, parent_type=factory.parent_type)
    for key, factory in contributions.matrix_factories().items()
}


def _expected(world, oracle, user, type_key, kind):
    return {
        i.obj.pk for i in world.items if i.type_key == type_key and oracle.allows(user, i, kind)
    }


def test_every_registered_type_has_a_world_factory():
    assert set(FACTORIES) == {t.key for t in registry.all_types()}


@pytest.mark.django_db
def test_visible_and_editable_sets_equal_the_reference_in_200_worlds():
    checked = split = binned = 0
    for seed in range(WORLDS):
        with transaction.atomic():
            world = build_world(seed, FACTORIES)
            oracle = Oracle(world)
            users = [*world.users(), None]
            for user in users:
                who = user or AnonymousUser()
                for code in SPECIALS:
                    expected = oracle.has_special(user, code)
                    assert access.has_special(who, code) == expected, (seed, who.username, code)
            for user, object_type in itertools.product(users, registry.all_types()):
                model, key = object_type.model, object_type.key
                who = user or AnonymousUser()
                where = (seed, who.username, key)
                for action in ACTIONS:
                    expected = oracle.may(user, action, key)
                    assert access.can(who, action, model) == expected, (*where, action)
                for kind, manager in (
                    ("view", model.objects.visible_to),
                    ("edit", model.objects.editable_by),
                ):
                    got = set(manager(who).values_list("pk", flat=True))
                    assert got == _expected(world, oracle, user, key, kind), (*where, kind)
                    checked += 1
                in_bin = model.all_objects.visible_to(who).filter(deleted_at__isnull=False)
                expected = {
                    i.obj.pk for i in world.items if i.type_key == key and oracle.in_bin(user, i)
                }
                assert set(in_bin.values_list("pk", flat=True)) == expected, (*where, "bin")
                binned += len(expected)
                parts = model.objects.all().visible_parts(who)
                if parts is not None:
                    # Read part by part, a list holds each visible record exactly once.
                    ids = [pk for part in parts for pk in part.values_list("pk", flat=True)]
                    expected = _expected(world, oracle, user, key, "view")
                    assert sorted(ids) == sorted(expected), (*where, "parts")
                    split += 1
            transaction.set_rollback(True)
    assert checked == WORLDS * 11 * len(registry.all_types()) * 2
    assert split > WORLDS
    assert binned > WORLDS


def _title(object_type) -> str:
    """The type's title column: a record's name, a payment's reference …"""
    return next(c.name for c in object_type.columns if c.kind == "title")


def _title_of(obj, path: str) -> str:
    return str(functools.reduce(getattr, path.split("__"), obj))


def _csv_ids(response, world, object_type):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = {row[0] for row in list(csv.reader(io.StringIO(text)))[1:]}
    title = _title(object_type)
    return {
        i.obj.pk
        for i in world.items
        if i.type_key == object_type.key and _title_of(i.obj, title) in names
    }


def _state(item):
    """What a refused action must leave as it was, read in one query: the row (version, bin
    and all) and how many change-log entries, comments and attachments it has."""
    model = type(item.obj)
    content_type = ContentType.objects.get_for_model(model)

    def count(links):
        rows = links.filter(content_type=content_type, object_id=OuterRef("pk"))
        return Coalesce(
            Subquery(rows.order_by().values("object_id").annotate(n=Count("pk")).values("n")), 0
        )

    return (
        model.all_objects.filter(pk=item.obj.pk)
        .annotate(
            changes=count(ObjectChange.objects),
            comments=count(Comment.objects),
            attachments=count(Attachment.objects),
        )
        .values()
        .first()
    )


def _attempt(item, send, *args, **kwargs):
    """Send a request that may write (`send(*args, **kwargs)`), undo whatever it wrote, and
    tell whether it changed the record's state (`_state`), with the response."""
    before = _state(item)
    with transaction.atomic():
        response = send(*args, **kwargs)
        changed = _state(item) != before
        transaction.set_rollback(True)
    return response, changed


@pytest.mark.django_db
def test_every_surface_shows_exactly_the_reference(api_for, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    met = set()
    for seed in range(HTTP_WORLDS):
        with transaction.atomic():
            world = build_world(1000 + seed, FACTORIES, people=5, records=6)
            oracle = Oracle(world)
            rng = random.Random(seed)
            sample = []
            for object_type in registry.all_types():
                items = [i for i in world.items if i.type_key == object_type.key]
                live = [i for i in items if not i.deleted]
                sample += rng.sample(live, min(SAMPLE, len(live)))
                sample += [i for i in items if i.deleted]
            for item in sample:
                Attachment.objects.create(
                    content_type=ContentType.objects.get_for_model(item.obj),
                    object_id=item.obj.pk,
                    file=ContentFile(b"quote", name="quote.txt"),
                    name="quote.txt",
                    size=5,
                    uploaded_by=world.admin,
                )
            for user in world.users():
                client, api = client_for(user), api_for(user)
                if not user.is_active:
                    _check_shut_out(client, api, sample)
                    continue
                for object_type in registry.all_types():
                    _check_surfaces(world, oracle, user, client, api, object_type)
                met |= _check_record_actions(world, oracle, user, client, api, sample)
            _check_shut_out(Client(), Client(), sample)
            transaction.set_rollback(True)
    # The worlds hold every case of these actions: done, refused, and on a hidden record
    # (a comment is never refused on a record its author sees).
    cases = {(a, o) for a in ("attach", "delete", "restore", "purge") for o in OUTCOMES}
    assert met == cases | {("comment", "done"), ("comment", "hidden")}, met


def _check_surfaces(world, oracle, user, client, api, object_type):
    key, slug = object_type.key, object_type.slug
    where = (user.username, key)
    visible = _expected(world, oracle, user, key, "view")
    editable = _expected(world, oracle, user, key, "edit")
    items = [i for i in world.items if i.type_key == key]
    listing = client.get(f"/{slug}/", {"per_page": 100, "col": _title(object_type)})
    if oracle.may(user, "view", key):
        assert {r["id"] for r in listing.context["rows"]} == visible, (*where, "list")
        assert listing.context["count"] == len(visible), (*where, "count")
    else:
        assert listing.status_code == 403, (*where, "list", listing.status_code)
        assert not visible
    trash = client.get(f"/{slug}/trash/")
    in_bin = {i.obj.pk for i in items if oracle.in_bin(user, i)}
    assert {r["id"] for r in trash.context["rows"]} == in_bin, (*where, "recycle bin")
    api_ids = {row["id"] for row in api.get(f"/api/v1/{slug}/", {"limit": 200}).json()["items"]}
    assert api_ids == visible, (*where, "api list")
    # Every record's title holds the word, hidden ones included.
    groups = search.search(user, "矩阵", per_type=100)
    hits = {h.url for g in groups for h in g.hits if g.slug == slug}
    assert hits == {f"/{slug}/{pk}/" for pk in visible}, (*where, "search")
    export = client.get(f"/{slug}/export/", {"format": "csv", "col": _title(object_type)})
    if oracle.may(user, "export", key):
        assert export.status_code == 200, (*where, "export", export.status_code)
        assert _csv_ids(export, world, object_type) == visible, (*where, "export")
    else:
        assert export.status_code == 403, (*where, "export", export.status_code)
    for item in items:
        pk = item.obj.pk
        seen = pk in visible
        at = (*where, pk)
        assert (client.get(f"/{slug}/{pk}/").status_code == 200) == seen, (*at, "detail")
        assert (api.get(f"/api/v1/{slug}/{pk}/").status_code == 200) == seen, (*at, "api")
        assert (client.get(f"/{slug}/{pk}/timeline/").status_code == 200) == seen, at
        sharing = client.get(f"/{slug}/{pk}/sharing/").status_code
        assert (sharing == 200) == (seen and object_type.shareable), (*at, "sharing")
        for field in object_type.masked:
            shown = client.post(f"/{slug}/{pk}/unmask/{field}/").status_code
            holder = oracle.has_special(user, "unmask")
            assert shown == ((200 if holder else 403) if seen else 404), (*at, "unmask", shown)
        edit_page = client.get(f"/{slug}/{pk}/edit/").status_code
        assert (edit_page == 200) == (pk in editable), (*at, "edit page", edit_page)
        version = type(item.obj).all_objects.get(pk=pk).version
        if pk in editable:  # kept: later personas read the version again
            patch = api.patch(f"/api/v1/{slug}/{pk}/", {"version": version})
            assert patch.status_code == 200, (*at, "api patch", patch.status_code)
        else:
            patch, changed = _attempt(
                item, api.patch, f"/api/v1/{slug}/{pk}/", {"version": version}
            )
            assert patch.status_code == (403 if seen else 404), (*at, "api patch")
            assert not changed, (*at, "api patch")
        if item.deleted:
            continue  # the bin's actions are checked on the sample
        may_delete = oracle.may_delete(user, item)
        (deleted, restored), changed = _attempt(item, _delete_and_restore, api, slug, pk)
        assert (deleted == 204) == may_delete == changed, (*at, "api delete", deleted)
        assert deleted in (204, 403 if seen else 404), (*at, "api delete", deleted)
        # Who deleted a record may restore it.
        assert (restored == 200) == may_delete, (*at, "api restore", restored)
    if key == "contact":
        # A contact can only be attached to a customer the user sees, and is made only by
        # one who may then see it (create without view is refused).
        may_create = oracle.may(user, "create", "contact")
        sees_contacts = oracle.may(user, "view", "contact")
        customers = _expected(world, oracle, user, "customer", "view")
        for item in (i for i in world.items if i.type_key == "customer"):
            with transaction.atomic():  # undone, so later personas see the same world
                response = api.post(
                    "/api/v1/contacts/", {"customer": item.obj.pk, "name": "新联系人"}
                )
                transaction.set_rollback(True)
            if not may_create:
                assert response.status_code == 403, response.json()
            elif item.obj.pk not in customers:
                assert response.status_code == 422
                assert "customer" in response.json()["fields"]
            else:
                assert response.status_code == (201 if sees_contacts else 403), response.json()


OUTCOMES = ("done", "refused", "hidden")


def _delete_and_restore(api, slug, pk):
    deleted = api.delete(f"/api/v1/{slug}/{pk}/").status_code
    return deleted, api.post(f"/api/v1/{slug}/{pk}/restore/").status_code


def _outcome(reached, changed):
    return "done" if changed else "refused" if reached else "hidden"


def _check_record_actions(world, oracle, user, client, api, sample):
    """Comment, attach, download, related tabs, delete, restore and erase on the sampled
    records through the pages (restore through the API too); returns the outcomes met."""
    met = set()
    for item in sample:
        object_type = registry.get(item.type_key)
        pk, slug = item.obj.pk, object_type.slug
        base = f"/{slug}/{pk}"
        at = (user.username, item.type_key, pk)
        seen = oracle.allows(user, item, "view")
        miss = 404

        response, changed = _attempt(item, client.post, f"{base}/comments/", {"body": "看过"})
        assert response.status_code == (200 if seen else miss), (*at, "comment")
        assert changed == seen, (*at, "comment")
        met.add(("comment", _outcome(seen, changed)))

        upload = SimpleUploadedFile("报价.txt", b"quote", content_type="text/plain")
        response, changed = _attempt(item, client.post, f"{base}/attachments/", {"file": upload})
        assert response.status_code == (302 if seen else miss), (*at, "attach")
        assert changed == oracle.allows(user, item, "edit"), (*at, "attach")
        met.add(("attach", _outcome(seen, changed)))

        attachment = Attachment.objects.get(
            content_type=ContentType.objects.get_for_model(item.obj), object_id=pk
        )
        download = client.get(f"{base}/attachments/{attachment.pk}/")
        assert download.status_code == (200 if seen else miss), (*at, "download")

        for relation in object_type.related:
            tab = client.get(f"{base}/related/{relation.type_key}/")
            assert tab.status_code == (200 if seen else miss), (*at, "related")
            if seen:
                # The records of the tab's type pointing at this one that the user sees.
                expected = {
                    i.obj.pk
                    for i in world.items
                    if i.type_key == relation.type_key
                    and getattr(i.obj, f"{relation.fk}_id", None) == item.obj.pk
                    and oracle.allows(user, i, "view")
                }
                assert {r["id"] for r in tab.context["rows"]} == expected, (*at, "related")

        machine = object_type.state_machine
        if machine:
            # The first way out of the record's state that takes no field, through the page
            # and the API.
            leaving = machine.leaving(getattr(item.obj, machine.field))
            step = next(s for s in leaving if not s.required)
            may = oracle.allows(user, item, "edit") and oracle.may(user, step.action, item.type_key)
            url = f"{base}/transitions/{step.name}/"
            response, changed = _attempt(item, client.post, url)
            assert response.status_code == ((302 if may else 403) if seen else miss), (*at, url)
            assert changed == may, (*at, url)
            url = f"/api/v1/{slug}/{pk}/transitions/{step.name}/"
            response, changed = _attempt(item, api.post, url)
            assert response.status_code == ((200 if may else 403) if seen else miss), (*at, url)
            assert changed == may, (*at, url)

        # A record page the type declares: unseen 404, seen without its permission 403 (a
        # GET, so the page itself changes nothing whatever it does).
        for view in (v for v in object_type.views if v.record):
            may = oracle.may(user, view.permission, item.type_key)
            response, changed = _attempt(item, client.get, f"{base}/{view.name}/")
            refused = response.status_code in (403, miss)
            if seen and may:
                assert not refused, (*at, view.name)
            else:
                assert response.status_code == (403 if seen else miss), (*at, view.name)
            assert not changed, (*at, view.name)

        response, changed = _attempt(item, client.post, f"{base}/delete/")
        assert response.status_code == (302 if seen else miss), (*at, "delete")
        assert changed == oracle.may_delete(user, item), (*at, "delete")
        met.add(("delete", _outcome(seen, changed)))

        in_bin = oracle.in_bin(user, item)
        may_restore = oracle.may_restore(user, item)
        response, changed = _attempt(item, client.post, f"{base}/restore/")
        assert response.status_code == (302 if in_bin else miss), (*at, "restore")
        assert changed == may_restore, (*at, "restore")
        met.add(("restore", _outcome(in_bin, changed)))
        response, changed = _attempt(item, api.post, f"/api/v1/{slug}/{pk}/restore/")
        status = (200 if may_restore else 403) if in_bin else miss
        assert response.status_code == status, (*at, "api restore", response.status_code)
        assert changed == may_restore, (*at, "api restore")

        response, changed = _attempt(item, client.post, f"{base}/purge/")
        assert response.status_code == (302 if in_bin else miss), (*at, "purge")
        assert changed == oracle.may_purge(user, item), (*at, "purge")
        met.add(("purge", _outcome(in_bin, changed)))
    return met


def _check_shut_out(client, api, sample):
    """Nobody signed in, or an account deactivated, reaches nothing and changes nothing."""
    for object_type in registry.all_types():
        assert client.get(f"/{object_type.slug}/").status_code == 302
        assert api.get(f"/api/v1/{object_type.slug}/").status_code == 401
    for item in sample:
        slug, pk = registry.get(item.type_key).slug, item.obj.pk
        base = f"/{slug}/{pk}"
        assert client.get(f"{base}/").status_code == 302
        assert api.get(f"/api/v1/{slug}/{pk}/").status_code == 401
        for send, url in (
            (client.post, f"{base}/comments/"),
            (client.post, f"{base}/attachments/"),
            (client.post, f"{base}/delete/"),
            (client.post, f"{base}/restore/"),
            (client.post, f"{base}/purge/"),
            (api.delete, f"/api/v1/{slug}/{pk}/"),
            (api.post, f"/api/v1/{slug}/{pk}/restore/"),
            *_transition_urls(client, api, item),
        ):
            response, changed = _attempt(item, send, url)
            assert response.status_code in (302, 401) and not changed, (item.type_key, pk)


def _transition_urls(client, api, item):
    """Each transition of the record's type, through the page and the API."""
    object_type = registry.get(item.type_key)
    steps = object_type.state_machine.transitions if object_type.state_machine else ()
    for step in steps:
        yield client.post, f"/{object_type.slug}/{item.obj.pk}/transitions/{step.name}/"
        yield api.post, f"/api/v1/{object_type.slug}/{item.obj.pk}/transitions/{step.name}/"


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
    "transition",
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
    # crm/customization/tests/test_exchange_rates_page.py
    "customization:exchangerate_edit",
    "customization:exchangerate_delete",
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
API_RECORD_OPERATIONS = {
    "api:retrieve",
    "api:update",
    "api:delete",
    "api:restore",
    "api:transition",
}

# Approvals: a request is reached by its submitter and its approvers, a record's submit and
# withdraw through `visible_to` (crm/workflow/tests/test_approval_api.py,
# test_approval_pages.py); processes by administrators only (test_process_pages.py).
APPROVAL_PAGES = {
    "api:get_approval",
    "api:approve",
    "api:reject",
    "api:transfer",
    "api:withdraw",
    "api:submit",
    "api:withdraw_record",
    "workflow:approval_approve",
    "workflow:approval_reject",
    "workflow:approval_transfer",
    "workflow:approval_withdraw",
    "workflow:process_edit",
    "workflow:process_move",
    "workflow:process_delete",
}
# Alert rules for administrators, a rule's alerts only among records one sees
# (crm/workflow/tests/test_alerts.py).
ALERT_PAGES = {"workflow:alert_rule_edit", "workflow:alert_rule_deactivate", "workflow:alert_hits"}
# Messages: one's own inbox items, comments of a visible record, announcements and the
# email log for administrators (crm/messaging/tests/).
# Sales settings (processes, lead assignment rules) for administrators only
# (crm/sales/tests/test_processes.py, test_assignment.py).
SALES_SETTINGS_PAGES = {
    "sales:process_edit",
    "sales:process_move",
    "sales:process_delete",
    "sales:assignment_rule_edit",
    "sales:assignment_rule_move",
    "sales:assignment_rule_delete",
}
# A lead is claimed from the pool by whoever may claim, released by its owner or an assigner
# (crm/sales/tests/test_assignment.py); converted by whoever sees it and may convert
# (test_conversion.py).
SALES_LEAD_OPERATIONS = {"api:claim_lead", "api:release_lead", "api:convert_lead"}
# An opportunity's contact roles: read by whoever sees it, set and taken away by whoever may
# change it (crm/sales/tests/test_contact_roles.py).
SALES_OPPORTUNITY_OPERATIONS = {
    "api:list_opportunity_contact_roles",
    "api:set_opportunity_contact_role",
    "api:remove_opportunity_contact_role",
}
# A product's price is read by whoever sees the product and the customer
# (crm/products/tests/test_pricing.py); a quote's PDF by whoever sees it; it is sent,
# revised and accepted by whoever may change it (crm/orders/tests/test_quote_pdf.py,
# test_quote_email.py, test_quote_api.py); a contract is amended by whoever may change it
# (test_amendments.py).
ORDER_OPERATIONS = {
    "api:product_price",
    "api:quote_pdf",
    "api:send_quote",
    "api:revise_quote",
    "api:accept_quote",
    "api:amend_contract",
}
MESSAGE_PAGES = {
    "api:list_comments",
    "api:add_comment",
    "api:read_notification",
    "messaging:open",
    "messaging:read",
    "messaging:announcement_withdraw",
    "messaging:email_retry",
}


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
    type_views = {
        f"{t.app_label}:{t.key}_{v.name}" for t in registry.all_types() for v in t.views if v.record
    }
    # A card moved on a type's board: the record through `visible_to`, the move through the
    # transition service (crm/core/tests/test_board.py).
    board_moves = {f"{t.app_label}:{t.key}_board_move" for t in registry.all_types() if t.board}
    uncovered = (
        set(_id_urls())
        - record_names
        - SETTINGS_PAGES
        - IMPORT_PAGES
        - saved_views
        - type_views
        - board_moves
        - API_RECORD_OPERATIONS
        - APPROVAL_PAGES
        - ALERT_PAGES
        - MESSAGE_PAGES
        - SALES_SETTINGS_PAGES
        - SALES_LEAD_OPERATIONS
        - SALES_OPPORTUNITY_OPERATIONS
        - ORDER_OPERATIONS
    )
    assert not uncovered, f"URLs with an object id not covered by access tests: {uncovered}"
