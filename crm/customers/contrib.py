"""What customers and contacts contribute besides their types: the demo company's
customers, bench data and bench rows, and the permission matrix's factories."""

from crm.core import contributions
from crm.customers import bench, bench_data, demo, testing

contributions.add_demo_step(contributions.DemoStep("customers", demo.load, order=10))
contributions.add_bench_data(
    contributions.BenchData(
        "customer",
        "customers.Customer",
        bench_data.CUSTOMERS,
        bench_data.customer_rows,
        keep=("owner_id", "created_at", "name"),
        setup=bench_data.setup,
        finish=bench_data.collaborators,
        order=10,
    )
)
contributions.add_bench_data(
    contributions.BenchData(
        "contact",
        "customers.Contact",
        {scale: n * bench_data.CONTACTS_PER_CUSTOMER for scale, n in bench_data.CUSTOMERS.items()},
        bench_data.contact_rows,
        order=20,
    )
)
contributions.add_bench_operations(*bench.OPERATIONS)
contributions.add_matrix_factory(contributions.MatrixFactory("customer", testing.make_customer))
contributions.add_matrix_factory(
    contributions.MatrixFactory("contact", testing.make_contact, parent_type="customer")
)
