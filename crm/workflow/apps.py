from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "crm.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from crm.core import extensions
        from crm.workflow import platform

        extensions.provide(approvals=platform)
        platform.describe_changes()
