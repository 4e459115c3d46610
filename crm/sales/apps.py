from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from crm.sales import (
            contrib,  # noqa: F401  (demo, bench and test contributions)
            registry,  # noqa: F401  (registers the object types)
        )
