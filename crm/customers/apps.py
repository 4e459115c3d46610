from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.customers import (
            contrib,  # noqa: F401  (demo, bench and test contributions)
            registry,  # noqa: F401  (registers the object types)
        )
