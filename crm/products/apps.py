from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "crm.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from crm.products import (
            contrib,  # noqa: F401  (demo and test contributions)
            registry,  # noqa: F401  (registers the object types)
        )
