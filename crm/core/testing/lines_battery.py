"""The checks every type with line items gets by adding `LineItemsBattery` to its battery
class: lines written with their record (in order, one version, one change-log row),
replaced as a set, refused whole when one is bad, following the record's access, in the
API and in the export. `test_registry_coverage` fails for a type with lines without it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from crm.core import lines, registry, services
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.testing.battery import changes_of


@pytest.mark.django_db
class LineItemsBattery:
    type_key: str = ""

    # What a subclass provides -------------------------------------------------------
    def make(self, owner, **fields):
        raise NotImplementedError

    def line_values(self) -> list[dict]:
        """Two valid lines, as typed values."""
        raise NotImplementedError

    #: a line that breaks a field rule, and the field that reports it
    bad_line: dict = {}
    bad_line_field: str = ""

    # Helpers --------------------------------------------------------------------------
    @property
    def spec(self) -> registry.LineSpec:
        spec = registry.get(self.type_key).lines
        assert spec is not None, f"{self.type_key} declares no lines"
        return spec

    def with_lines(self, owner, values=None):
        obj = self.make(owner)
        return services.save(obj, actor=owner, lines=values or self.line_values())

    def stored(self, obj) -> tuple:
        model = type(obj)
        row = model._base_manager.filter(pk=obj.pk).values().get()
        line_rows = list(
            self.spec.model._default_manager.filter(**{self.spec.parent: obj}).values()
        )
        return row, line_rows, len(changes_of(obj))

    # Checks ---------------------------------------------------------------------------
    def test_lines_are_written_in_order_with_the_record_in_one_logged_write(self, alice):
        obj = self.make(alice)
        version, logged = obj.version, len(changes_of(obj))
        services.save(obj, actor=alice, lines=self.line_values())
        read = lines.read(registry.get(self.type_key), obj.pk)
        first = self.spec.fields[0]
        assert [r[first] for r in read] == [v[first] for v in self.line_values()]
        assert [r["position"] for r in read] == [0, 1]
        obj.refresh_from_db()
        assert obj.version == version + 1
        (change,) = changes_of(obj)[logged:]
        assert len(change.changes["lines"][1]) == 2

    def test_lines_are_replaced_as_a_set(self, alice):
        obj = self.with_lines(alice)
        services.save(obj, actor=alice, lines=self.line_values()[1:])
        assert len(lines.read(registry.get(self.type_key), obj.pk)) == 1
        services.save(obj, actor=alice)  # no lines given: the stored ones stay
        assert len(lines.read(registry.get(self.type_key), obj.pk)) == 1

    def test_a_bad_line_refuses_the_whole_write(self, alice):
        obj = self.with_lines(alice)
        before = self.stored(obj)
        with pytest.raises(ValidationFailed) as refused:
            services.save(obj, actor=alice, lines=[self.line_values()[0], self.bad_line])
        assert f"lines.1.{self.bad_line_field}" in refused.value.fields
        assert self.stored(obj) == before

    def test_lines_follow_the_records_access(self, alice, bob):
        obj = self.with_lines(alice)
        before = self.stored(obj)
        with pytest.raises(AccessDenied):
            services.save(type(obj).objects.get(pk=obj.pk), actor=bob, lines=self.line_values()[:1])
        assert self.stored(obj) == before

    def test_the_api_reads_and_replaces_the_lines(self, alice, bob, api_for):
        obj = self.with_lines(alice)
        url = f"/api/v1/{registry.get(self.type_key).slug}/{obj.pk}/"
        api = api_for(alice)
        read = api.get(url).json()
        first = self.spec.fields[0]
        assert [line[first] for line in read["lines"]] == [v[first] for v in self.line_values()]
        one = [{k: str(v) for k, v in self.line_values()[1].items()}]
        answer = api.patch(url, {"version": read["version"], "lines": one})
        assert answer.status_code == 200, answer.json()
        assert [line[first] for line in answer.json()["lines"]] == [self.line_values()[1][first]]
        before = self.stored(obj)
        refused = api_for(bob).patch(url, {"version": answer.json()["version"], "lines": []})
        assert refused.status_code in (403, 404)
        assert self.stored(obj) == before

    def test_the_export_gives_one_row_per_line(self, alice, client_for):
        self.with_lines(alice)
        url = reverse(registry.get(self.type_key).url_name("export"))
        response = client_for(alice).get(url, {"format": "csv", "lines": "1"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(text)))) == 1 + 2
