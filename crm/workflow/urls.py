"""Pages of the workflow app."""

app_name = "workflow"

urlpatterns: list = []
