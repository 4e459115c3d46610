"""What the catalogue contributes besides its types: the demo catalogue, the permission
matrix's factories and the preset roles' settings (everyone reads the catalogue; the
administrator and the sales director keep it)."""

from crm.core import contributions
from crm.products import demo, testing

CATALOGUE = ("productcategory", "product", "pricelist")
# role: the actions it has on the catalogue (company-wide); the others keep their "*" row.
READERS = {
    "sales_manager": ("view", "export"),
    "salesperson": ("view", "export"),
    "marketing": ("view", "export"),
    "service_manager": ("view", "export"),
    "service_agent": ("view",),
    "finance": ("view", "export"),
    "readonly": ("view",),
}

contributions.add_demo_step(contributions.DemoStep("products", demo.load, order=25))
contributions.add_matrix_factory(
    contributions.MatrixFactory("productcategory", testing.make_category)
)
contributions.add_matrix_factory(contributions.MatrixFactory("product", testing.make_product))
contributions.add_matrix_factory(contributions.MatrixFactory("pricelist", testing.make_price_list))
contributions.add_preset_default(
    *(
        contributions.PresetDefault(
            role, type_key, actions=actions, view_scope="all", edit_scope="none"
        )
        for role, actions in READERS.items()
        for type_key in CATALOGUE
    ),
)
