"""What the messaging app contributes besides its pages: the demo company's announcements."""

from crm.core import contributions
from crm.messaging import demo

contributions.add_demo_step(contributions.DemoStep("announcements", demo.load, order=40))
