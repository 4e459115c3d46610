"""A type's rules declared once and kept by every write: lines replaced with their document
(computed amounts and total, one version, one change-log row), the type's `clean`, and its
lock, through services, the API and the importer. Proved on the sample document."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from crm.core import events, lines, registry, services
from crm.core.errors import RecordLocked, ValidationFailed
from crm.core.imports.engine import Importer, Options
from crm.core.models import ObjectChange
from crm.core.testing.sample.models import SampleDocument, SampleLine

API = "/api/v1/sample-documents"


def locked_message() -> str:
    """The sample's lock reason, in the language the test runs in."""
    return gettext("The document is waiting for approval and cannot be changed.")


TWO_LINES = [
    {"product": "螺丝 M6", "quantity": Decimal("1.5"), "unit_price": Decimal("2.67")},
    {"product": "垫片", "quantity": Decimal("10"), "unit_price": Decimal("0.20")},
]


def _document(owner, lines_data=None, **fields) -> SampleDocument:
    fields.setdefault("name", "采购申请")
    fields.setdefault("amount", Decimal("100"))
    return services.save(SampleDocument(owner=owner, **fields), actor=owner, lines=lines_data)


def _log(doc) -> list[ObjectChange]:
    content_type = ContentType.objects.get_for_model(doc)
    return list(ObjectChange.objects.filter(content_type=content_type, object_id=doc.pk))


def _stored(doc) -> tuple:
    """The row, its lines and its change log: what a refused write leaves as it was."""
    row = SampleDocument.all_objects.filter(pk=doc.pk).values().get()
    line_rows = list(SampleLine.objects.filter(document=doc).values())
    return row, line_rows, len(_log(doc))


def test_lines_are_written_with_the_document_and_give_its_total(alice):
    doc = _document(alice, TWO_LINES)
    stored = lines.read(registry.get("sampledocument"), doc.pk)
    assert [(r["position"], r["product"], r["amount"]) for r in stored] == [
        (0, "螺丝 M6", Decimal("4.01")),  # 4.005 rounded half up, per line
        (1, "垫片", Decimal("2.00")),
    ]
    doc.refresh_from_db()
    assert (doc.total, doc.version) == (Decimal("6.01"), 1)
    (created,) = _log(doc)
    assert created.action == "create"
    assert created.changes["lines"][1][0] == {
        "product": "螺丝 M6",
        "quantity": "1.5000",
        "unit_price": "2.67",
        "amount": "4.01",
    }


def test_replacing_the_lines_bumps_the_version_once_and_logs_their_diff(alice):
    doc = _document(alice, TWO_LINES)
    replaced = [TWO_LINES[1], {"product": "螺母", "quantity": 2, "unit_price": "5"}]
    services.save(doc, actor=alice, expected_version=1, lines=replaced)
    doc.refresh_from_db()
    assert (doc.total, doc.version) == (Decimal("12.00"), 2)
    assert list(doc.lines.values_list("product", "position")) == [("垫片", 0), ("螺母", 1)]
    update = _log(doc)[-1]
    assert set(update.changes) == {"lines", "total"}
    was, now = update.changes["lines"]
    assert [line["product"] for line in was] == ["螺丝 M6", "垫片"]
    assert [line["product"] for line in now] == ["垫片", "螺母"]


def test_a_save_without_lines_keeps_them_and_sending_the_same_logs_nothing(alice):
    doc = _document(alice, TWO_LINES)
    doc.name = "采购申请（改）"
    services.save(doc, actor=alice)
    assert SampleLine.objects.filter(document=doc).count() == 2
    services.save(doc, actor=alice, lines=TWO_LINES)
    assert [set(c.changes) for c in _log(doc)[1:]] == [{"name"}]


def test_a_bad_line_is_named_and_nothing_is_written(alice):
    doc = _document(alice, TWO_LINES)
    before = _stored(doc)
    bad = [TWO_LINES[0], {"product": "", "quantity": Decimal("-1"), "unit_price": 1}]
    with pytest.raises(ValidationFailed) as refused:
        services.save(doc, actor=alice, lines=bad)
    assert set(refused.value.fields) == {"lines.1.product", "lines.1.quantity"}
    with pytest.raises(ValidationFailed) as refused:
        services.save(doc, actor=alice, lines=[{"product": "X", "colour": "red"}])
    assert set(refused.value.fields) == {"lines.0.colour"}
    assert _stored(doc) == before


def test_computed_fields_cannot_be_typed(alice):
    doc = _document(alice, TWO_LINES)
    doc.total = Decimal("999")
    services.save(doc, actor=alice)
    doc.refresh_from_db()
    assert doc.total == Decimal("6.01")


def test_the_types_clean_rule_names_its_field_and_writes_nothing(alice):
    doc = _document(alice, TWO_LINES)
    before = _stored(doc)
    doc.currency = "USD"
    with pytest.raises(ValidationFailed) as refused:
        services.save(doc, actor=alice)
    assert list(refused.value.fields) == ["currency"]
    assert _stored(doc) == before
    empty = _document(alice)  # without priced lines the currency may change
    empty.currency = "USD"
    services.save(empty, actor=alice)
    assert SampleDocument.objects.get(pk=empty.pk).currency == "USD"


def test_a_locked_record_refuses_edits_and_deletion_but_moves_on(alice, admin):
    doc = services.transition(_document(alice, TWO_LINES), "submit", actor=alice)
    before = _stored(doc)
    doc.name = "偷偷修改"
    with pytest.raises(RecordLocked) as refused:
        services.save(doc, actor=alice)
    assert refused.value.message == locked_message()
    with pytest.raises(RecordLocked):
        services.save(SampleDocument.objects.get(pk=doc.pk), actor=alice, lines=[])
    with pytest.raises(RecordLocked):
        services.delete(SampleDocument.objects.get(pk=doc.pk), actor=admin)
    assert _stored(doc) == before
    approved = services.transition(SampleDocument.objects.get(pk=doc.pk), "approve", actor=admin)
    assert approved.status == "approved"


def test_the_api_answers_409_with_the_lock_reason(alice, api_for):
    doc = services.transition(_document(alice), "submit", actor=alice)
    before = _stored(doc)
    response = api_for(alice).patch(f"{API}/{doc.pk}/", {"name": "改", "version": doc.version})
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert response.json()["message"] == locked_message()
    assert _stored(doc) == before


def _import(user, rows, columns=("number", "name")):
    options = Options(list(columns), on_duplicate="update", match="number")
    importer = Importer(registry.get("sampledocument"), user, list(columns), options, tag="t-1")
    with transaction.atomic():
        return importer.batch(rows)


def test_an_imported_row_keeps_the_lock_and_the_clean_rule(alice):
    locked = services.transition(_document(alice, number="D-1"), "submit", actor=alice)
    priced = _document(alice, TWO_LINES, number="D-2")
    before = _stored(locked), _stored(priced)
    (same,) = _import(alice, [(2, ["D-1", "采购申请"])])
    (changed,) = _import(alice, [(2, ["D-1", "新名字"])])
    (currency,) = _import(alice, [(2, ["D-2", "USD"])], columns=("number", "currency"))
    assert same.action == "unchanged"  # a row equal to the locked record is no edit
    assert (changed.action, changed.message(["编号", "名称"])) == ("failed", locked_message())
    assert currency.action == "failed"
    message = gettext("The currency cannot change while the lines have prices in it.")
    assert currency.message(["编号", "币别"]) == f"币别: {message}"
    assert (_stored(locked), _stored(priced)) == before


def test_imports_write_through_the_batch_write_path(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(events, "_subscribers", [])
    monkeypatch.setattr(events, "_matches", {})
    heard: list[events.Event] = []
    events.subscribe("sample.sampledocument.*", heard.append)
    existing = _document(alice, TWO_LINES, number="D-9")
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = _import(alice, [(2, ["D-9", "改名"]), (3, ["D-10", "新单"])])
    assert [o.action for o in outcomes] == ["updated", "created"]
    existing.refresh_from_db()
    created = SampleDocument.objects.get(number="D-10")
    assert (existing.name, existing.version, existing.total) == ("改名", 2, Decimal("6.01"))
    assert (created.version, created.created_by, created.owner) == (1, alice, alice)
    assert {c.request_id for c in _log(existing)[1:] + _log(created)} == {"t-1"}
    assert sorted(e.name for e in heard if e.request_id == "t-1") == [
        "sample.sampledocument.created",
        "sample.sampledocument.updated",
    ]


def test_an_export_gives_one_row_per_line_when_asked(alice, client_for):
    _document(alice, TWO_LINES, name="有明细", number="D-1")
    _document(alice, name="无明细", number="D-2")
    url = reverse("sample:sampledocument_export")
    response = client_for(alice).get(url, {"format": "csv", "lines": "1", "ordering": "name"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert table[0][-4:] == ["Line·Product", "Line·Quantity", "Line·Unit price", "Line·Amount"]
    named = [(row[0], row[-4], row[-1]) for row in table[1:]]
    assert named == [("无明细", "", ""), ("有明细", "螺丝 M6", "4.01"), ("有明细", "垫片", "2.00")]
    plain = client_for(alice).get(url, {"format": "csv"})
    assert len(b"".join(plain.streaming_content).decode("utf-8-sig").splitlines()) == 3


LINE_COLUMNS = ["number", "name", "line.product", "line.quantity", "line.unit_price"]


def test_an_import_with_line_columns_gives_each_document_the_lines_of_its_rows(alice):
    kept = _document(alice, TWO_LINES, number="D-2")
    rows = [
        (2, ["D-1", "新单", "轴承", "2", "15.5"]),
        (3, ["D-1", "新单", "油封", "4", "3"]),
        (4, ["D-2", "采购申请", "垫片", "1", "0.2"]),
    ]
    outcomes = _import(alice, rows, columns=LINE_COLUMNS)
    assert [o.action for o in outcomes] == ["created", "created", "updated"]
    new = SampleDocument.objects.get(number="D-1")
    assert list(new.lines.values_list("product", "position")) == [("轴承", 0), ("油封", 1)]
    assert (new.total, new.version) == (Decimal("43.00"), 1)
    kept.refresh_from_db()
    assert (kept.total, kept.version) == (Decimal("0.20"), 2)
    update = _log(kept)[-1]
    assert update.request_id == "t-1"
    assert [line["product"] for line in update.changes["lines"][1]] == ["垫片"]


def test_a_bad_line_fails_its_whole_document_and_names_its_row(alice):
    rows = [
        (2, ["D-1", "新单", "轴承", "2", "15.5"]),
        (3, ["D-1", "新单", "油封", "-4", "3"]),
        (4, ["D-3", "另一单", "垫片", "1", "0.2"]),
    ]
    first, second, other = _import(alice, rows, columns=LINE_COLUMNS)
    assert (first.action, second.action, other.action) == ("failed", "failed", "created")
    assert first.message(LINE_COLUMNS) == gettext(
        "Row %(row)d, a line of this document, is not valid."
    ) % {"row": 3}
    assert list(second.errors) == [LINE_COLUMNS.index("line.quantity")]
    assert not SampleDocument.all_objects.filter(number="D-1").exists()


def test_an_export_with_lines_imports_back_unchanged(alice, client_for):
    _document(alice, TWO_LINES, number="D-1")
    url = reverse("sample:sampledocument_export")
    response = client_for(alice).get(url, {"format": "csv", "lines": "1"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    schema = Importer(registry.get("sampledocument"), alice, table[0], Options([])).schema
    columns = schema.auto_map(table[0])
    assert {"line.product", "line.quantity", "line.unit_price"} <= set(columns)
    options = Options(columns, on_duplicate="update", match="number")
    importer = Importer(registry.get("sampledocument"), alice, table[0], options, tag="t-2")
    with transaction.atomic():
        outcomes = importer.batch(list(enumerate(table[1:], start=2)))
    assert [o.action for o in outcomes] == ["unchanged", "unchanged"]


def test_a_locked_record_says_why_on_its_page_and_offers_no_edit(alice, client_for):
    doc = services.transition(_document(alice), "submit", actor=alice)
    before = _stored(doc)
    client = client_for(alice)
    page = client.get(reverse("sample:sampledocument_detail", args=[doc.pk]))
    assert page.context["locked"] == locked_message()
    edit = reverse("sample:sampledocument_edit", args=[doc.pk])
    assert edit not in page.content.decode()
    assert client.get(edit).url == reverse("sample:sampledocument_detail", args=[doc.pk])
    posted = client.post(edit, {"name": "改", "amount": "1", "currency": "CNY", "version": 2})
    assert posted.status_code == 302
    assert _stored(doc) == before
