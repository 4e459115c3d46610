"""What the workflow app contributes besides its pages: the demo company's approvals."""

from crm.core import contributions
from crm.workflow import demo

contributions.add_demo_step(contributions.DemoStep("approvals", demo.load, order=50))
