from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Apps are loaded only now: what the platform registers here imports their models.
        from crm.core import jobs, kept, lookups  # noqa: F401  (lookups registers in_subquery)
        from crm.core.imports.services import KIND, run_import

        jobs.register_kind(KIND, run_import)

        # Migrations and test flushes change tables behind the watched models' backs.
        post_migrate.connect(kept.bump, dispatch_uid="crm.kept.migrate")
