"""Product categories, products and price lists registered with the platform."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.filters import filterset_for
from crm.core.forms import RemoteSelect, form_for
from crm.core.registry import Column, LineSpec, ObjectType, Panel, Related, SearchSpec, register
from crm.products import pages, services
from crm.products.models import PriceList, PriceListItem, Product, ProductCategory

ACTIVE = pgettext_lazy("catalogue", "Active")
ORDERINGS = ("name", "-name", "-updated_at", "updated_at", "-created_at", "created_at")

register(
    ObjectType(
        model=ProductCategory,
        slug="product-categories",
        form=form_for(
            ProductCategory,
            ("name", "code", "parent", "discount_limit", "is_active", "description"),
        ),
        filterset=filterset_for(ProductCategory, ("parent", "is_active")),
        columns=[
            Column("name", _("Category name"), "title", sortable=True),
            Column("code", _("Category code")),
            Column("parent", _("Parent category"), "link"),
            Column("discount_limit", _("Discount limit (%)"), "number"),
            Column("is_active", ACTIVE, "bool"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["name", "code", "parent", "discount_limit", "is_active"],
        search=SearchSpec(title="name", subtitle="code", text=("code",)),
        detail_fields=["code", "parent", "discount_limit", "is_active", "description", "owner"],
        related=[
            Related("productcategory", "parent", _("Subcategories"), ("name", "code")),
            Related(
                "product", "category", _("Products"), ("code", "name", "standard_price", "unit")
            ),
        ],
        orderings=ORDERINGS,
        default_ordering="name",
        icon="folders",
        clean=services.clean_category,
        import_synonyms={
            "name": ("分类", "分类名称", "产品分类", "category"),
            "code": ("分类编码", "编码", "category code"),
            "parent": ("上级分类", "父分类", "parent"),
        },
        menu_order=60,
    )
)

register(
    ObjectType(
        model=Product,
        slug="products",
        form=form_for(
            Product,
            (
                "code",
                "name",
                "specification",
                "category",
                "unit",
                "currency",
                "standard_price",
                "floor_price",
                "tax_rate",
                "is_active",
                "description",
            ),
        ),
        filterset=filterset_for(Product, ("category", "unit", "is_active", "owner")),
        columns=[
            Column("code", _("Product code"), sortable=True),
            Column("name", _("Product name"), "title", sortable=True),
            Column("specification", _("Specification")),
            Column("category", _("Category"), "link"),
            Column("unit", _("Unit"), "dict"),
            Column("standard_price", _("Standard price"), "money", currency="currency"),
            Column("floor_price", _("Floor price"), "money", currency="currency"),
            Column("tax_rate", _("Tax rate (%)"), "number"),
            Column("is_active", ACTIVE, "bool"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "code",
            "name",
            "specification",
            "category",
            "unit",
            "standard_price",
            "is_active",
        ],
        search=SearchSpec(title="name", subtitle="code", text=("code", "specification")),
        detail_fields=[
            "code",
            "specification",
            "category",
            "unit",
            "currency",
            "standard_price",
            "floor_price",
            "tax_rate",
            "is_active",
            "description",
            "owner",
        ],
        orderings=(*ORDERINGS, "code", "-code"),
        default_ordering="name",
        icon="package",
        clean=services.clean_product,
        match_keys=(("code",), ("external_id",)),
        import_synonyms={
            "code": ("产品编码", "物料编码", "编码", "代码", "sku", "item code"),
            "name": ("产品", "产品名称", "物料名称", "品名", "product", "item"),
            "specification": ("规格", "规格型号", "型号", "spec", "model"),
            "category": ("产品分类", "分类", "类别", "category"),
            "unit": ("单位", "计量单位", "uom"),
            "standard_price": ("标准价", "标准售价", "单价", "售价", "price", "list price"),
            "floor_price": ("最低价", "最低售价", "底价", "minimum price"),
            "tax_rate": ("税率", "tax", "vat"),
        },
        panels=(
            Panel("prices", _("Price lists"), "products/_prices_panel.html", pages.prices_panel),
        ),
        menu_order=61,
    )
)

register(
    ObjectType(
        model=PriceList,
        slug="price-lists",
        form=form_for(
            PriceList,
            (
                "name",
                "customer_level",
                "customer",
                "currency",
                "valid_from",
                "valid_to",
                "is_active",
                "notes",
            ),
            widgets={"customer": RemoteSelect("/api/v1/customers/")},
        ),
        filterset=filterset_for(PriceList, ("customer_level", "currency", "is_active")),
        columns=[
            Column("name", _("Price list name"), "title", sortable=True),
            Column("customer_level", _("Customer level"), "dict"),
            Column("customer", _("Customer"), "link"),
            Column("currency", _("Currency")),
            Column("valid_from", _("Valid from"), "date", sortable=True),
            Column("valid_to", _("Valid to"), "date", sortable=True),
            Column("is_active", ACTIVE, "bool"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "name",
            "customer_level",
            "customer",
            "currency",
            "valid_from",
            "valid_to",
            "is_active",
        ],
        search=SearchSpec(title="name", subtitle="customer__name"),
        detail_fields=[
            "customer_level",
            "customer",
            "currency",
            "valid_from",
            "valid_to",
            "is_active",
            "notes",
            "owner",
        ],
        orderings=(*ORDERINGS, "valid_from", "-valid_from", "valid_to", "-valid_to"),
        default_ordering="name",
        icon="report-money",
        clean=services.clean_price_list,
        lines=LineSpec(
            PriceListItem,
            "price_list",
            ("product", "min_quantity", "unit_price"),
            widgets={
                "product": RemoteSelect(
                    "/api/v1/products/?is_active=true", detail=("code", "specification")
                )
            },
            check=services.check_prices,
        ),
        menu_order=62,
    )
)
