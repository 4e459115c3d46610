"""A document's lines through the API, on the sample document: answered in order with what
is worked out from them, replaced as a set by a create or a PATCH that carries them, kept
by one that does not; refused writes change nothing."""

import decimal

import pytest

from crm.core.testing.sample.models import SampleDocument, SampleLine

API = "/api/v1/sample-documents/"
TWO_LINES = [
    {"product": "螺栓 M8", "quantity": "4", "unit_price": "2.50"},
    {"product": "平垫", "quantity": "100", "unit_price": "0.05"},
]


def _created(api, lines=TWO_LINES) -> dict:
    answer = api.post(API, {"name": "采购申请", "amount": "100.00", "lines": lines})
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _stored(document_id: int) -> tuple:
    """What a refused write must leave as it was: the row and its lines."""
    row = SampleDocument.all_objects.filter(pk=document_id).values().get()
    lines = list(SampleLine.objects.filter(document_id=document_id).values())
    return row, lines


def _products(answer: dict) -> list[str]:
    return [line["product"] for line in answer["lines"]]


@pytest.fixture
def reader(make_user):
    """A user who sees every document and changes none."""
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code="reader", name_zh="只读", name_en="Reader")
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    return make_user("reader", roles=[role])


@pytest.mark.django_db
def test_a_created_document_answers_its_lines_with_amounts_and_total(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    read = api.get(f"{API}{created['id']}/").json()
    assert read == created
    assert [(line["position"], line["product"], line["amount"]) for line in read["lines"]] == [
        (0, "螺栓 M8", "10.00"),
        (1, "平垫", "5.00"),
    ]
    assert decimal.Decimal(read["total"]) == decimal.Decimal("15.00")
    assert [line["id"] for line in read["lines"]] == list(
        SampleLine.objects.filter(document_id=read["id"]).values_list("id", flat=True)
    )


@pytest.mark.django_db
def test_a_patch_with_lines_replaces_them_and_bumps_the_version(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    new = [
        {"product": "平垫", "quantity": "10", "unit_price": "0.05"},
        {"product": "螺母", "quantity": "3", "unit_price": "1.20"},
        {"product": "扳手", "quantity": "1", "unit_price": "35"},
    ]
    answer = api.patch(f"{API}{created['id']}/", {"version": created["version"], "lines": new})
    assert answer.status_code == 200, answer.json()
    patched = answer.json()
    assert _products(patched) == ["平垫", "螺母", "扳手"]
    assert [line["amount"] for line in patched["lines"]] == ["0.50", "3.60", "35.00"]
    assert decimal.Decimal(patched["total"]) == decimal.Decimal("39.10")
    assert patched["version"] == created["version"] + 1
    assert SampleLine.objects.filter(document_id=created["id"]).count() == 3


@pytest.mark.django_db
def test_a_line_sent_with_its_id_keeps_its_row_and_the_others_go(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    first, second = created["lines"]
    new = [
        {"product": "螺母", "quantity": "3", "unit_price": "1.20"},
        {"id": second["id"], "product": "平垫", "quantity": "200", "unit_price": "0.05"},
    ]
    answer = api.patch(f"{API}{created['id']}/", {"version": created["version"], "lines": new})
    assert answer.status_code == 200, answer.json()
    lines = answer.json()["lines"]
    assert [(line["product"], line["quantity"], line["position"]) for line in lines] == [
        ("螺母", "3.0000", 0),
        ("平垫", "200.0000", 1),
    ]
    assert lines[1]["id"] == second["id"]
    assert lines[0]["id"] not in (first["id"], second["id"])
    assert not SampleLine.objects.filter(pk=first["id"]).exists()


@pytest.mark.django_db
def test_an_id_that_is_not_one_of_the_documents_lines_is_422_and_changes_nothing(alice, api_for):
    api = api_for(alice)
    other = _created(api)
    created = _created(api)
    before = _stored(created["id"])
    stranger = {"id": other["lines"][0]["id"], "product": "螺母", "quantity": "1"}
    twice = [{**TWO_LINES[0], "id": created["lines"][0]["id"]}] * 2
    for lines in ([stranger], twice):
        answer = api.patch(
            f"{API}{created['id']}/", {"version": created["version"], "lines": lines}
        )
        assert answer.status_code == 422, answer.json()
        assert list(answer.json()["fields"]) == [f"lines.{len(lines) - 1}.id"]
        assert _stored(created["id"]) == before
    assert _stored(other["id"])[1][0]["product"] == "螺栓 M8"


@pytest.mark.django_db
def test_a_patch_without_lines_keeps_them(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    answer = api.patch(f"{API}{created['id']}/", {"version": created["version"], "name": "改名"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["name"] == "改名"
    assert answer.json()["lines"] == created["lines"]
    assert answer.json()["total"] == created["total"]


@pytest.mark.django_db
def test_an_empty_list_removes_every_line(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    answer = api.patch(f"{API}{created['id']}/", {"version": created["version"], "lines": []})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["lines"] == []
    assert decimal.Decimal(answer.json()["total"]) == 0


@pytest.mark.django_db
def test_who_may_not_change_the_document_changes_none_of_its_lines(alice, bob, reader, api_for):
    created = _created(api_for(alice))
    before = _stored(created["id"])
    body = {"version": created["version"], "lines": [{"product": "换掉", "quantity": "1"}]}
    assert api_for(bob).patch(f"{API}{created['id']}/", body).status_code == 404
    assert api_for(reader).get(f"{API}{created['id']}/").status_code == 200
    assert api_for(reader).patch(f"{API}{created['id']}/", body).status_code == 403
    assert _stored(created["id"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "1", "unit_price": "2"}, "lines.1.product"),
        ({"product": "螺栓", "quantity": "-2", "unit_price": "1"}, "lines.1.quantity"),
    ],
)
def test_an_invalid_line_is_422_naming_it_and_changes_nothing(alice, api_for, line, field):
    api = api_for(alice)
    created = _created(api)
    before = _stored(created["id"])
    lines = [TWO_LINES[0], line]
    answer = api.patch(f"{API}{created['id']}/", {"version": created["version"], "lines": lines})
    assert answer.status_code == 422
    assert list(answer.json()["fields"]) == [field]
    assert _stored(created["id"]) == before
    refused = api.post(API, {"name": "另一份", "lines": lines})
    assert refused.status_code == 422
    assert list(refused.json()["fields"]) == [field]
    assert SampleDocument.all_objects.count() == 1


@pytest.mark.django_db
def test_lists_answer_the_documents_without_their_lines(alice, api_for):
    api = api_for(alice)
    created = _created(api)
    items = api.get(API).json()["items"]
    assert [item["id"] for item in items] == [created["id"]]
    assert "lines" not in items[0]
    assert items[0]["total"] == created["total"]


@pytest.mark.django_db
def test_the_openapi_document_describes_the_lines(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    line_in = schemas["SampleDocumentLineIn"]
    assert set(line_in["properties"]) == {"id", "product", "quantity", "unit_price"}
    assert line_in["required"] == ["product"]
    line_out = schemas["SampleDocumentLineOut"]
    assert {"id", "position", "amount"} <= set(line_out["properties"])
    assert "lines" in schemas["SampleDocumentOut"]["required"]
    assert "total" not in schemas["SampleDocumentIn"]["properties"]
