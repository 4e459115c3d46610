"""Who keeps the catalogue: every preset role reads all of it; a salesperson or the
finance clerk may not add or change a product, the sales director may."""

from decimal import Decimal

import pytest

from crm.core import access, services
from crm.org.models import Role
from crm.products.models import PriceList, Product, ProductCategory


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "finance", "service_agent"])
def test_a_reader_sees_the_whole_catalogue_and_changes_none_of_it(make_user, admin, api_for, role):
    reader = make_user(f"reader_{role}", roles=[Role.objects.get(code=role)])
    product = services.save(
        Product(owner=admin, code="0101101", name="交流伺服电机", standard_price=Decimal(2800)),
        actor=admin,
    )
    for model in (ProductCategory, Product, PriceList):
        assert access.can(reader, "view", model)
        assert not access.can(reader, "create", model)
    api = api_for(reader)
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 200
    refused = api.post("/api/v1/products/", {"code": "X1", "name": "新产品"})
    assert refused.status_code == 403
    changed = api.patch(f"/api/v1/products/{product.pk}/", {"name": "改名", "version": 1})
    assert changed.status_code in (403, 404)
    product.refresh_from_db()
    assert (product.name, Product.objects.count()) == ("交流伺服电机", 1)


@pytest.mark.django_db
def test_the_sales_director_keeps_the_catalogue(make_user, api_for):
    director = make_user("director", roles=[Role.objects.get(code="sales_director")])
    created = api_for(director).post(
        "/api/v1/products/", {"code": "0101101", "name": "交流伺服电机", "standard_price": "2800"}
    )
    assert created.status_code == 201, created.json()
    assert Product.objects.get().owner == director
