"""What quotes and contracts contribute besides their types: the demo, the bench row, the
permission matrix's factories."""

from crm.core import contributions
from crm.orders import bench, demo, testing

contributions.add_demo_step(contributions.DemoStep("orders", demo.load, order=55))
contributions.add_matrix_factory(contributions.MatrixFactory("quote", testing.make_quote))
contributions.add_matrix_factory(contributions.MatrixFactory("contract", testing.make_contract))
contributions.add_bench_operations(*bench.OPERATIONS)
for key, make in (
    ("instalment", testing.make_instalment),
    ("payment", testing.make_payment),
    ("invoice", testing.make_invoice),
    ("delivery", testing.make_delivery),
    ("amendment", testing.make_amendment),
):
    contributions.add_matrix_factory(contributions.MatrixFactory(key, make, parent_type="contract"))
