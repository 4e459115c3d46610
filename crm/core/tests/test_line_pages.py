"""Line items on the pages, shown with the sample document: the form's lines table (typed,
added, removed, moved, with amounts and totals worked out as the user types), what a save
writes, a wrong line refused on its cell, and the detail page's read-only table."""

import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core import registry, services
from crm.core.errors import ValidationFailed
from crm.core.models import ObjectChange
from crm.core.testing.sample.models import SampleDocument, SampleLine
from crm.core.views.lines import line_formset

NEW = "/sample-documents/new/"
PREVIEW = "/sample-documents/lines/preview/"


def lines_data(*rows) -> dict:
    """The lines part of a posted form: (product, quantity, unit price) per row."""
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0"}
    for i, (product, quantity, price) in enumerate(rows):
        data |= {
            f"lines-{i}-product": product,
            f"lines-{i}-quantity": quantity,
            f"lines-{i}-unit_price": price,
        }
    return data


def make_document(owner, *rows) -> SampleDocument:
    lines = [{"product": p, "quantity": Decimal(q), "unit_price": Decimal(u)} for p, q, u in rows]
    document = SampleDocument(owner=owner, name="采购申请", amount=Decimal("100"))
    return services.save(document, actor=owner, lines=lines)


def stored(document) -> list[tuple]:
    return list(
        SampleLine.objects.filter(document=document).values_list(
            "position", "product", "quantity", "unit_price", "amount"
        )
    )


def state(document) -> tuple:
    """What a refused post must leave as it was: the row, its lines and its change log."""
    row = SampleDocument.all_objects.filter(pk=document.pk).values().get()
    content_type = ContentType.objects.get_for_model(SampleDocument)
    changes = ObjectChange.objects.filter(content_type=content_type, object_id=document.pk)
    return row, stored(document), changes.count()


def cells(html: str, column: str) -> list[str]:
    """The texts shown in one column of the lines table."""
    return re.findall(rf'data-column="{column}">(?:<output[^>]*>)?([^<]*)<', html)


def inputs(html: str, field: str) -> list[str]:
    """The values of one field's inputs, row by row."""
    return re.findall(rf'name="lines-\d+-{field}"(?: value="([^"]*)")?', html)


@pytest.fixture
def viewer(make_user):
    """Someone who sees every sample document and changes none."""
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code="viewer", name_zh="查看", name_en="Viewer")
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    return make_user("viewer", roles=[role])


@pytest.mark.django_db
def test_a_document_is_created_with_its_lines_through_the_form(alice, client_for):
    client = client_for(alice)
    page = client.get(NEW).content.decode()
    assert page.count('name="lines-0-product"') == 1  # one blank row to start with
    assert 'name="lines-1-product"' not in page

    data = {"name": "办公用品", "amount": "0", "currency": "CNY"} | lines_data(
        ("打印纸", "3", "25.50"), ("墨盒", "2", "199"), ("", "1", "0")
    )
    response = client.post(NEW, data)

    document = SampleDocument.objects.get(name="办公用品")
    assert response.status_code == 302
    assert stored(document) == [
        (0, "打印纸", Decimal("3"), Decimal("25.50"), Decimal("76.50")),
        (1, "墨盒", Decimal("2"), Decimal("199"), Decimal("398.00")),
    ]  # the blank row is left out
    assert document.total == Decimal("474.50")
    detail = client.get(response.url).content.decode()
    assert cells(detail, "product") == ["打印纸", "墨盒"]
    assert cells(detail, "amount") == ["¥76.50", "¥398.00"]
    assert "¥474.50" in detail


@pytest.mark.django_db
def test_editing_changes_a_quantity_removes_a_line_and_reorders_them(alice, client_for):
    document = make_document(
        alice, ("打印纸", "3", "25.50"), ("墨盒", "2", "199"), ("笔", "10", "2")
    )
    client = client_for(alice)
    edit = f"/sample-documents/{document.pk}/edit/"
    page = client.get(edit).content.decode()
    assert inputs(page, "product") == ["打印纸", "墨盒", "笔"]
    assert inputs(page, "quantity") == ["3", "2", "10"]  # 3.0000 stored, shown as typed
    assert cells(page, "amount") == ["¥76.50", "¥398.00", "¥20.00"]
    assert "¥494.50" in page

    data = {"name": "采购申请", "amount": "100", "currency": "CNY", "version": document.version}
    response = client.post(edit, data | lines_data(("笔", "12", "2"), ("打印纸", "3", "25.50")))

    assert response.status_code == 302
    document.refresh_from_db()
    assert stored(document) == [
        (0, "笔", Decimal("12"), Decimal("2"), Decimal("24.00")),
        (1, "打印纸", Decimal("3"), Decimal("25.50"), Decimal("76.50")),
    ]
    assert document.total == Decimal("100.50")
    change = ObjectChange.objects.filter(object_id=document.pk).order_by("-pk").first()
    assert "lines" in change.changes


@pytest.mark.django_db
def test_a_row_posted_with_its_lines_id_keeps_that_row(alice, client_for):
    document = make_document(alice, ("打印纸", "3", "25.50"), ("墨盒", "2", "199"))
    first, second = SampleLine.objects.filter(document=document).values_list("pk", flat=True)
    client = client_for(alice)
    edit = f"/sample-documents/{document.pk}/edit/"
    assert inputs(client.get(edit).content.decode(), "id") == [str(first), str(second)]

    data = {"name": "采购申请", "amount": "100", "currency": "CNY", "version": document.version}
    posted = lines_data(("墨盒", "5", "199"), ("笔", "1", "2")) | {"lines-0-id": str(second)}
    assert client.post(edit, data | posted).status_code == 302

    rows = list(SampleLine.objects.filter(document=document).values_list("pk", "quantity"))
    assert rows[0] == (second, Decimal("5"))
    assert rows[1][0] not in (first, second)
    assert not SampleLine.objects.filter(pk=first).exists()


@pytest.mark.django_db
def test_a_form_posted_without_lines_keeps_the_stored_ones(alice, client_for):
    document = make_document(alice, ("打印纸", "3", "25.50"))
    response = client_for(alice).post(
        f"/sample-documents/{document.pk}/edit/",
        {"name": "改名", "amount": "100", "currency": "CNY", "version": document.version},
    )
    assert response.status_code == 302
    assert [row[1] for row in stored(document)] == ["打印纸"]


@pytest.mark.django_db
def test_the_preview_works_out_amounts_and_total_and_writes_nothing(alice, client_for):
    document = make_document(alice, ("打印纸", "3", "25.50"))
    before = state(document)
    client = client_for(alice)
    data = {"name": "采购申请", "amount": "100", "currency": "CNY"} | lines_data(
        ("打印纸", "4", "25.50"), ("墨盒", "1", "1,000")
    )

    response = client.post(f"{PREVIEW}?record={document.pk}", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lines-0-amount-shown" hx-swap-oob="true"' in html
    assert re.findall(r'data-computed="amount">([^<]*)<', html) == ["¥102.00", "—"]
    assert re.search(r'id="lines-totals" [^>]*hx-swap-oob="true"', html)
    assert "data-total>—<" in html  # a wrong line (1,000 is not a number here): no total
    data["lines-1-unit_price"] = "1000"
    html = client.post(f"{PREVIEW}?record={document.pk}", data).content.decode()
    assert "data-total>¥1,102.00<" in html
    assert client.post(PREVIEW, data).status_code == 200  # a new document's lines
    assert state(document) == before


@pytest.mark.django_db
def test_row_buttons_add_remove_and_move_rows_as_typed(alice, client_for):
    client = client_for(alice)
    data = {"name": "办公用品", "currency": "CNY"} | lines_data(
        ("打印纸", "3", "25.50"), ("墨盒", "2", "199")
    )

    moved = client.post(PREVIEW, data | {"lines-op": "up-1"}).content.decode()
    assert inputs(moved, "product") == ["墨盒", "打印纸"]
    assert cells(moved, "amount") == ["¥398.00", "¥76.50"]
    added = client.post(PREVIEW, data | {"lines-op": "add"}).content.decode()
    assert inputs(added, "product") == ["打印纸", "墨盒", ""]
    assert re.search(r'name="lines-2-product"[^>]* autofocus', added)
    assert 'name="lines-TOTAL_FORMS" value="3"' in added
    removed = client.post(PREVIEW, data | {"lines-op": "remove-0"}).content.decode()
    assert inputs(removed, "product") == ["墨盒"]
    assert "¥398.00" in removed
    assert SampleDocument.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "field"),
    [(("打印纸", "-3", "25.50"), "quantity"), (("", "3", "25.50"), "product")],
)
def test_a_wrong_line_is_refused_on_its_cell_and_nothing_changes(alice, client_for, row, field):
    document = make_document(alice, ("打印纸", "3", "25.50"))
    before = state(document)
    data = {"name": "改名", "amount": "100", "currency": "CNY", "version": document.version}

    response = client_for(alice).post(
        f"/sample-documents/{document.pk}/edit/",
        data | lines_data(("墨盒", "2", "199"), row),
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    cell = re.search(rf'<td data-column="{field}">(.*?)</td>', html.split('data-line="1"')[1], re.S)
    assert "is-invalid" in cell.group(1) and "invalid-feedback" in cell.group(1)
    assert inputs(html, "product") == ["墨盒", row[0]]  # what was typed stays
    assert inputs(html, "quantity") == ["2", row[1]]
    assert 'value="改名"' in html
    assert state(document) == before


@pytest.mark.django_db
def test_who_may_not_change_the_document_cannot_post_its_lines(alice, viewer, client_for):
    document = make_document(alice, ("打印纸", "3", "25.50"))
    before = state(document)
    client = client_for(viewer)
    data = {"name": "采购申请", "amount": "100", "currency": "CNY", "version": document.version}
    data |= lines_data(("墨盒", "2", "199"))

    assert client.get(f"/sample-documents/{document.pk}/").status_code == 200
    assert client.post(f"/sample-documents/{document.pk}/edit/", data).status_code == 403
    assert client.post(f"{PREVIEW}?record={document.pk}", data).status_code == 403
    assert client.post(PREVIEW, data).status_code == 403  # nor start a new one
    assert state(document) == before


@pytest.mark.django_db
def test_the_lines_read_in_chinese(make_user, client_for):
    zhang = make_user("zhang", language="zh-hans")
    document = make_document(zhang, ("打印纸", "1234", "1"))
    client = client_for(zhang)
    for url in (f"/sample-documents/{document.pk}/", f"/sample-documents/{document.pk}/edit/"):
        html = client.get(url).content.decode()
        for label in ("行项目", "产品", "数量", "单价", "金额", "合计"):
            assert label in html, (url, label)
        assert "¥1,234.00" in html


@pytest.mark.django_db
def test_a_refusal_naming_a_line_lands_on_that_rows_cell(alice):
    """The write path counts only the lines sent: a blank row in between is not one."""
    data = lines_data(("打印纸", "3", "25.50"), ("", "1", "0"), ("墨盒", "2", "199"))
    formset = line_formset(registry.get("sampledocument"), SampleDocument(), alice, data)
    assert [row["product"] for row in formset.values()] == ["打印纸", "墨盒"]

    error = ValidationFailed({"lines.1.quantity": ["太多了。"], "name": ["重名。"]})
    rest = formset.place(error)

    assert formset.forms[2].errors == {"quantity": ["太多了。"]}
    assert not formset.forms[0].errors and not formset.forms[1].errors
    assert rest.fields == {"name": ["重名。"]} and rest.code == "invalid"
