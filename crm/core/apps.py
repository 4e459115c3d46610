from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from crm.core import kept, lookups  # noqa: F401  (lookups registers in_subquery)

        # Migrations and test flushes change tables behind the watched models' backs.
        post_migrate.connect(kept.bump, dispatch_uid="crm.kept.migrate")
