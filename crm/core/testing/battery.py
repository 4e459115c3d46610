"""The generic battery every registered type gets by subclassing `RecordTypeBattery`.

A subclass names the type and says how to make a record and what a valid form and API
payload look like; the battery checks list, detail, create, edit, delete, restore and purge
through the pages and the API, validation errors, stale versions, the change log, custom
fields, export, visibility and pinned query counts.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core import masking, registry, services
from crm.core.models import ObjectChange, RelatedTo


def changes_of(obj) -> list[ObjectChange]:
    return list(
        ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).order_by("id")
    )


@pytest.mark.django_db
class RecordTypeBattery:
    type_key: str = ""
    #: the field a valid edit changes, and its new value (as a form and API value)
    edit_field: str = "name"
    edit_value: str = "Edited name"
    #: a form field and a value that must be refused, with the field that reports it
    invalid_field: str = "email"
    invalid_value: str = "not-an-email"
    #: the most queries its detail page may make (the fixed ones, not one per entry)
    detail_queries: int = 16

    @property
    def object_type(self) -> registry.ObjectType:
        return registry.get(self.type_key)

    def url(self, action: str, *args) -> str:
        return reverse(self.object_type.url_name(action), args=args)

    @property
    def api_root(self) -> str:
        return f"/api/v1/{self.object_type.slug}/"

    # What a subclass provides -------------------------------------------------------
    def make(self, owner, **fields):
        """Create and return a saved record owned by `owner` (through the write path)."""
        raise NotImplementedError

    def form_data(self, owner) -> dict:
        """Valid data for the create form, for a record `owner` may create."""
        raise NotImplementedError

    def api_payload(self, owner) -> dict:
        """A valid API create payload."""
        raise NotImplementedError

    #: values for fields whose rules a generic sample would break (e.g. a check digit)
    sample_values: dict = {}

    # Helpers --------------------------------------------------------------------------
    def every_field_payload(self, owner) -> dict:
        """An API create payload that sets every field the schema takes, each to a value
        of its kind: dictionary items, records, choices, dates, booleans, text."""
        model = self.object_type.model
        payload = dict(self.api_payload(owner))
        if issubclass(model, RelatedTo) and "related_id" in self.object_type.schema_in.model_fields:
            # About another record the owner sees: one of the same type.
            payload.setdefault("related_type", self.type_key)
            payload.setdefault("related_id", self.make(owner).pk)
        for name in self.object_type.schema_in.model_fields:
            if name in payload or name in ("custom_fields", "number", "lines"):
                continue  # lines: the LineItemsBattery's
            if name in self.sample_values:
                payload[name] = self.sample_values[name]
                continue
            payload[name] = sample_value(model._meta.get_field(name), owner, self)
        return payload

    def edit_form(self, client, obj) -> dict:
        """The edit form's data as the browser would post it back unchanged."""
        page = client.get(self.url("edit", obj.pk))
        assert page.status_code == 200
        form = page.context["form"]
        data: dict = {}
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                data[name] = "on"
            elif isinstance(value, list):
                data[name] = [str(v) for v in value]
            else:
                data[name] = str(value)
        return data

    # Pages ----------------------------------------------------------------------------
    def test_list_shows_only_visible_records(self, alice, bob, client_for):
        mine = self.make(alice)
        theirs = self.make(bob)
        page = client_for(alice).get(self.url("list"))
        assert page.status_code == 200
        ids = {row["id"] for row in page.context["rows"]}
        assert mine.pk in ids
        assert theirs.pk not in ids

    def test_list_query_count_does_not_grow_with_rows(self, alice, client_for):
        client = client_for(alice)
        self.make(alice)
        with CaptureQueriesContext(connection) as few:
            client.get(self.url("list"), {"per_page": 100})
        for _ in range(12):
            self.make(alice)
        with CaptureQueriesContext(connection) as many:
            client.get(self.url("list"), {"per_page": 100})
        assert len(many) == len(few)

    def test_detail_of_hidden_record_is_404(self, alice, bob, client_for):
        theirs = self.make(bob)
        assert client_for(alice).get(self.url("detail", theirs.pk)).status_code == 404
        assert client_for(bob).get(self.url("detail", theirs.pk)).status_code == 200

    def test_detail_query_count_is_pinned(self, alice, client_for):
        obj = self.make(alice)
        client = client_for(alice)
        client.get(self.url("detail", obj.pk))
        for i in range(5):
            services.add_comment(obj, f"note {i}", actor=alice)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(self.url("detail", obj.pk)).status_code == 200
        assert len(queries) <= self.detail_queries, [q["sql"] for q in queries]

    def test_create_through_the_form_writes_the_change_log(self, alice, client_for):
        model = self.object_type.model
        before = model.objects.count()
        response = client_for(alice).post(self.url("create"), self.form_data(alice))
        assert response.status_code == 302, response.context["form"].errors
        assert model.objects.count() == before + 1
        obj = model.objects.latest("id")
        assert obj.owner == alice
        assert obj.version == 1
        (change,) = changes_of(obj)
        assert change.action == "create"
        assert change.actor == alice

    def test_invalid_form_shows_the_error_and_writes_nothing(self, alice, client_for):
        model = self.object_type.model
        data = {**self.form_data(alice), self.invalid_field: self.invalid_value}
        changes = ObjectChange.objects.count()
        response = client_for(alice).post(self.url("create"), data)
        assert response.status_code == 200
        assert self.invalid_field in response.context["form"].errors
        assert model.objects.count() == 0
        assert ObjectChange.objects.count() == changes

    def test_edit_through_the_form_logs_the_diff(self, alice, client_for):
        obj = self.make(alice)
        client = client_for(alice)
        data = self.edit_form(client, obj)
        data[self.edit_field] = self.edit_value
        response = client.post(self.url("edit", obj.pk), data)
        assert response.status_code == 302, response.context["form"].errors
        obj.refresh_from_db()
        assert str(getattr(obj, self.edit_field)) == self.edit_value
        assert obj.version == 2
        last = changes_of(obj)[-1]
        assert last.action == "update"
        assert last.changes[self.edit_field][1] == self.edit_value

    def test_stale_form_edit_is_refused_with_a_conflict(self, alice, bob, client_for):
        obj = self.make(alice)
        client = client_for(alice)
        data = self.edit_form(client, obj)
        obj.refresh_from_db()
        setattr(obj, self.edit_field, "Someone else")
        services.save(obj, actor=alice, expected_version=obj.version)
        data[self.edit_field] = self.edit_value
        response = client.post(self.url("edit", obj.pk), data)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        obj.refresh_from_db()
        assert getattr(obj, self.edit_field) == "Someone else"

    def test_others_cannot_edit_or_delete(self, alice, bob, client_for):
        obj = self.make(alice)
        client = client_for(bob)
        assert client.get(self.url("edit", obj.pk)).status_code == 404
        assert client.post(self.url("delete", obj.pk)).status_code == 404
        obj.refresh_from_db()
        assert obj.deleted_at is None
        assert len(changes_of(obj)) == 1

    def test_delete_restore_and_purge(self, alice, admin, client_for):
        obj = self.make(alice)
        client = client_for(alice)
        assert client.post(self.url("delete", obj.pk)).status_code == 302
        assert client.get(self.url("detail", obj.pk)).status_code == 404
        trash = client.get(self.url("trash"))
        assert obj.pk in {row["id"] for row in trash.context["rows"]}
        assert client.post(self.url("restore", obj.pk)).status_code == 302
        assert client.get(self.url("detail", obj.pk)).status_code == 200
        client.post(self.url("delete", obj.pk))
        client.post(self.url("purge", obj.pk))
        assert self.object_type.model.all_objects.filter(pk=obj.pk).exists()
        client_for(admin).post(self.url("purge", obj.pk))
        assert not self.object_type.model.all_objects.filter(pk=obj.pk).exists()
        assert [c.action for c in changes_of(obj)] == [
            "create",
            "delete",
            "restore",
            "delete",
            "purge",
        ]

    def test_export_holds_only_visible_rows(self, alice, bob, client_for):
        mine = self.make(alice)
        theirs = self.make(bob)
        response = client_for(alice).get(self.url("export"), {"format": "csv"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        body = "\n".join(",".join(r) for r in rows[1:])
        assert str(mine) in body
        assert str(theirs) not in body
        assert len(rows) == 2

    # API ------------------------------------------------------------------------------
    def test_api_crud_round_trip(self, alice, api_for):
        api = api_for(alice)
        created = api.post(self.api_root, self.api_payload(alice))
        assert created.status_code == 201, created.json()
        body = created.json()
        assert body["version"] == 1
        assert body["owner"] == alice.pk
        pk = body["id"]
        assert api.get(f"{self.api_root}{pk}/").json()["id"] == pk
        listed = api.get(self.api_root).json()
        assert [item["id"] for item in listed["items"]] == [pk]
        updated = api.patch(
            f"{self.api_root}{pk}/", {self.edit_field: self.edit_value, "version": 1}
        )
        assert updated.status_code == 200, updated.json()
        assert updated.json()[self.edit_field] == self.edit_value
        assert updated.json()["version"] == 2
        assert api.delete(f"{self.api_root}{pk}/").status_code == 204
        assert api.get(f"{self.api_root}{pk}/").status_code == 404
        assert api.post(f"{self.api_root}{pk}/restore/").status_code == 200

    def test_api_writes_every_field_and_takes_back_what_it_read(self, alice, api_for):
        api = api_for(alice)
        payload = self.every_field_payload(alice)
        created = api.post(self.api_root, payload)
        assert created.status_code == 201, created.json()
        body = created.json()
        hidden = masking.for_data(self.object_type, alice)
        shown = {n: masking.mask(v) if n in hidden else v for n, v in payload.items()}
        assert {name: body[name] for name in payload} == shown
        path = f"{self.api_root}{body['id']}/"
        read = api.get(path).json()
        again = api.patch(path, read)
        assert again.status_code == 200, again.json()
        assert {name: again.json()[name] for name in payload} == shown
        if hidden:
            stored = self.object_type.model.objects.values(*hidden).get(pk=body["id"])
            assert stored == {name: payload[name] for name in hidden}
        for name in payload:
            field = self.object_type.model._meta.get_field(name)
            if field.is_relation and field.null:
                cleared = api.patch(path, {name: None, "version": again.json()["version"]})
                assert cleared.status_code == 200, cleared.json()
                assert cleared.json()[name] is None
                break

    def test_api_sets_dictionary_fields_only_from_their_dictionary(self, alice, api_for):
        from crm.customization.models import DictionaryField, DictionaryItem

        api = api_for(alice)
        created = api.post(self.api_root, self.every_field_payload(alice)).json()
        path = f"{self.api_root}{created['id']}/"
        model = self.object_type.model
        # Those the API takes (a transition's own, such as a lead's invalid reason, it does not).
        taken = self.object_type.schema_patch.model_fields
        dictionary_fields = [
            f for f in model._meta.fields if isinstance(f, DictionaryField) and f.name in taken
        ]
        for field in dictionary_fields:
            name = field.name
            items = DictionaryItem.objects.filter(is_active=True)
            other = items.filter(dictionary__code=field.dictionary_code).exclude(pk=created[name])
            foreign = items.exclude(dictionary__code=field.dictionary_code).first()
            version = api.get(path).json()["version"]
            moved = api.patch(path, {name: other.first().pk, "version": version})
            assert moved.status_code == 200, moved.json()
            assert moved.json()[name] == other.first().pk
            refused = api.patch(path, {name: foreign.pk, "version": version + 1})
            assert refused.status_code == 422
            assert name in refused.json()["fields"]
            assert model.objects.values_list(name, "version").get(pk=created["id"]) == (
                other.first().pk,
                version + 1,
            )

    def test_api_stale_version_is_409_and_changes_nothing(self, alice, api_for):
        obj = self.make(alice)
        api = api_for(alice)
        path = f"{self.api_root}{obj.pk}/"
        assert api.patch(path, {self.edit_field: "First", "version": 1}).status_code == 200
        stale = api.patch(path, {self.edit_field: "Second", "version": 1})
        assert stale.status_code == 409
        assert stale.json()["code"] == "stale_version"
        obj.refresh_from_db()
        assert getattr(obj, self.edit_field) == "First"
        by_header = api.patch(path, {self.edit_field: "Third"}, headers={"If-Match": "2"})
        assert by_header.status_code == 200

    def test_api_invalid_payload_is_422_with_fields(self, alice, api_for):
        api = api_for(alice)
        payload = {**self.api_payload(alice), self.invalid_field: self.invalid_value}
        response = api.post(self.api_root, payload)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid"
        assert self.invalid_field in body["fields"]
        assert self.object_type.model.objects.count() == 0

    def test_api_hides_others_records(self, alice, bob, api_for):
        theirs = self.make(bob)
        api = api_for(alice)
        assert api.get(f"{self.api_root}{theirs.pk}/").status_code == 404
        assert api.patch(f"{self.api_root}{theirs.pk}/", {"version": 1}).status_code == 404
        assert api.delete(f"{self.api_root}{theirs.pk}/").status_code == 404
        assert api.get(self.api_root).json()["items"] == []
        theirs.refresh_from_db()
        assert theirs.deleted_at is None

    def test_api_needs_authentication(self, db, client):
        response = client.get(self.api_root)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"

    def test_read_only_token_cannot_write(self, alice, api_for):
        api = api_for(alice, read_only=True)
        response = api.post(self.api_root, self.api_payload(alice))
        assert response.status_code == 403
        assert self.object_type.model.objects.count() == 0

    def test_api_keyset_pages_cover_every_row_once(self, alice, api_for):
        made = {self.make(alice).pk for _ in range(7)}
        api = api_for(alice)
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = api.get(self.api_root, params).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made)

    # Custom fields ---------------------------------------------------------------------
    def test_custom_field_round_trip(self, alice, admin, client_for, api_for):
        from crm.customization.models import CustomField

        CustomField.objects.create(
            content_type=ContentType.objects.get_for_model(self.object_type.model),
            name="budget",
            label_zh="预算",
            label_en="Budget",
            field_type="money",
            required=True,
        )
        client = client_for(alice)
        data = self.form_data(alice)
        refused = client.post(self.url("create"), data)
        assert refused.status_code == 200
        assert "cf_budget" in refused.context["form"].errors
        response = client.post(self.url("create"), {**data, "cf_budget": "1234.5"})
        assert response.status_code == 302, response.context["form"].errors
        obj = self.object_type.model.objects.get()
        assert obj.custom_field_data == {"budget": "1234.50"}
        api = api_for(alice)
        assert api.get(f"{self.api_root}{obj.pk}/").json()["custom_fields"] == {"budget": "1234.50"}
        bad = api.patch(
            f"{self.api_root}{obj.pk}/",
            {"custom_fields": {"budget": "lots"}, "version": obj.version},
        )
        assert bad.status_code == 422
        assert "custom_fields.budget" in bad.json()["fields"]
        export = client.get(self.url("export"), {"format": "csv", "col": ["cf.budget"]})
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert "1,234.50" in text


def sample_value(field, owner, battery: RecordTypeBattery):
    """A valid API value for a model field, as the API reads it back."""
    from crm.core.validators import validate_phone
    from crm.customization.models import DictionaryField, DictionaryItem

    if isinstance(field, DictionaryField):
        items = DictionaryItem.objects.filter(dictionary__code=field.dictionary_code)
        return (
            items.filter(is_active=True)
            .order_by("-sort_order", "-id")
            .values_list("id", flat=True)[0]
        )
    if field.is_relation:
        assert field.related_model is battery.object_type.model, (
            f"give {field.name} in api_payload or sample_values"
        )
        return battery.make(owner).pk
    if field.choices:
        return [value for value, _ in field.choices if value][-1]
    if isinstance(field, models.BooleanField):
        return not field.default
    if isinstance(field, models.DateField):
        return "2026-05-17"
    if isinstance(field, models.DecimalField):
        return "1234.50"
    if isinstance(field, models.EmailField):
        return "sample@example.com"
    if isinstance(field, models.URLField):
        return "https://example.com/"
    if validate_phone in field.validators:
        return "13812345678"
    return f"样本{field.name}"[: field.max_length or 40]
