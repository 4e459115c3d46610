from crm.core import registry
from crm.core.urls import patterns_for

app_name = "customers"

urlpatterns = [
    *patterns_for(registry.get("customer")),
    *patterns_for(registry.get("contact")),
]
