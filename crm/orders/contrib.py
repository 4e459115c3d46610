"""What quotes contribute besides their type: the demo quotes, the permission matrix's
factory."""

from crm.core import contributions
from crm.orders import demo, testing

contributions.add_demo_step(contributions.DemoStep("orders", demo.load, order=55))
contributions.add_matrix_factory(contributions.MatrixFactory("quote", testing.make_quote))
