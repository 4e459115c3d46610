"""What alerts contribute besides their pages: the demo company's alert rules and the
bench's A1 row."""

from crm.core import contributions
from crm.workflow import alerts, bench

contributions.add_demo_step(contributions.DemoStep("alerts", alerts.demo, order=60))
contributions.add_bench_operations(*bench.OPERATIONS)
