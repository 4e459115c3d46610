"""What leads and opportunities contribute besides their types: the permission matrix's
factories and the preset roles' defaults for the actions of their own."""

from crm.core import contributions
from crm.sales import demo, testing

contributions.add_demo_step(contributions.DemoStep("sales", demo.load, order=30))

contributions.add_matrix_factory(contributions.MatrixFactory("lead", testing.make_lead))
contributions.add_matrix_factory(
    contributions.MatrixFactory("opportunity", testing.make_opportunity)
)
contributions.add_preset_default(
    *(
        contributions.PresetDefault(role, "lead", adds=("convert",))
        for role in ("admin", "sales_director", "sales_manager", "salesperson", "marketing")
    ),
    *(
        contributions.PresetDefault(role, "opportunity", adds=("reopen",))
        for role in ("admin", "sales_director", "sales_manager")
    ),
)
