from crm.core import registry
from crm.core.urls import patterns_for

app_name = "sample"

urlpatterns = patterns_for(registry.get("sampledocument"))
