from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from crm.core import lookups  # noqa: F401  (registers the in_subquery lookup)
