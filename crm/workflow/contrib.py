"""What the workflow app contributes besides its pages: the demo company's approvals and
alert rules, and the bench's A1 row."""

from crm.core import contributions
from crm.workflow import alerts, bench, demo

contributions.add_demo_step(contributions.DemoStep("approvals", demo.load, order=50))
contributions.add_demo_step(contributions.DemoStep("alerts", alerts.demo, order=60))
contributions.add_bench_operations(*bench.OPERATIONS)
