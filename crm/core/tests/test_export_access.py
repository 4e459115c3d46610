"""Exports: refused without the export permission (no file), and "export selected" gives
exactly the ticked rows the user may see."""

from __future__ import annotations

import io

import openpyxl
import pytest

from crm.customers.tests.test_battery import make_customer

pytestmark = pytest.mark.django_db


def no_export_role():
    from crm.org.models import Role, RolePermission

    role = Role.objects.create(code="no_export", name_zh="不可导出", name_en="No export")
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit", "delete"],
    )
    return role


def names(response) -> list[str]:
    """The customer names in an exported workbook."""
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = workbook.active.iter_rows(values_only=True)
    column = header.index("Customer name")
    return [row[column] for row in rows]


def bulk_export(client, ids):
    """ "Export selected" on the list, posted as its form posts it."""
    return client.post(
        "/customers/bulk/",
        {"action": "export", "ids": [str(i) for i in ids], "back": "/customers/"},
        follow=True,
    )


def test_without_the_export_permission_there_is_no_file(make_user, client_for):
    carol = make_user("carol", roles=[no_export_role()])
    customer = make_customer(carol, name="星海集团")
    client = client_for(carol)
    assert client.get("/customers/", {"col": "name"}).status_code == 200
    refused = client.get("/customers/export/", {"format": "csv", "col": "name"})
    assert refused.status_code == 403
    assert "Content-Disposition" not in refused and "星海集团" not in refused.content.decode()
    bulk = bulk_export(client, [customer.pk])
    assert bulk.status_code == 403
    assert "Content-Disposition" not in bulk and "星海集团" not in bulk.content.decode()
    page = client.get("/customers/").content.decode()
    assert "/customers/export/" not in page and "Export selected" not in page


def test_export_selected_gives_exactly_the_ticked_rows(alice, client_for):
    ticked = [make_customer(alice, name=n) for n in ("甲公司", "丙公司")]
    make_customer(alice, name="乙公司")
    response = bulk_export(client_for(alice), [c.pk for c in ticked])
    assert response.redirect_chain[0][1] == 302
    assert sorted(names(response)) == ["丙公司", "甲公司"]


def test_a_ticked_record_the_user_may_not_see_is_not_exported(alice, bob, client_for):
    mine = make_customer(alice, name="甲公司")
    hidden = make_customer(bob, name="乙公司")
    response = bulk_export(client_for(alice), [mine.pk, hidden.pk])
    assert names(response) == ["甲公司"]
    only_hidden = bulk_export(client_for(alice), [hidden.pk])
    assert names(only_hidden) == []
