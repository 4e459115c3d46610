"""Pages of alert rules, under /workflow/ (joined into crm.workflow.urls)."""

urlpatterns: list = []
