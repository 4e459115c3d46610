from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "crm.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Apps are loaded only now: what is handed to the platform imports the models.
        from django.db.models.signals import post_migrate

        from crm.core import extensions, jobs
        from crm.org import platform, presets
        from crm.org.handover import KIND, run_handover_job

        jobs.register_kind(KIND, run_handover_job)
        extensions.provide(organisation=platform)
        post_migrate.connect(
            presets.apply_preset_defaults, sender=self, dispatch_uid="crm.org.presets"
        )
