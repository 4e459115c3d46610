from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "crm.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from crm.orders import (
            contrib,  # noqa: F401  (demo and test contributions)
            registry,  # noqa: F401  (registers the object types)
        )
