"""What leads and opportunities contribute besides their types: the demo pipeline, bench
data and bench rows, the permission matrix's factories and the preset roles' defaults for
the actions of their own."""

from crm.core import contributions
from crm.sales import bench, bench_data, demo, testing

contributions.add_demo_step(contributions.DemoStep("sales", demo.load, order=30))
contributions.add_bench_data(
    contributions.BenchData(
        "opportunity",
        "sales.Opportunity",
        bench_data.OPPORTUNITIES,
        bench_data.opportunity_rows,
        setup=bench_data.setup,
        finish=bench_data.finish,
        order=30,
    )
)
contributions.add_bench_operations(*bench.OPERATIONS)

contributions.add_matrix_factory(contributions.MatrixFactory("lead", testing.make_lead))
contributions.add_matrix_factory(
    contributions.MatrixFactory("opportunity", testing.make_opportunity)
)
contributions.add_preset_default(
    # Who sells converts leads and claims them from the lead pool; marketing converts.
    *(
        contributions.PresetDefault(role, "lead", adds=("convert", "claim"))
        for role in ("admin", "sales_director", "sales_manager", "salesperson")
    ),
    contributions.PresetDefault("marketing", "lead", adds=("convert",)),
    *(
        contributions.PresetDefault(role, "opportunity", adds=("reopen",))
        for role in ("admin", "sales_director", "sales_manager")
    ),
)
