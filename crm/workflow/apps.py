from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "crm.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from crm.core import extensions, registry
        from crm.core.context_processors import add_admin_entry, add_work_entry
        from crm.messaging import services as messaging
        from crm.workflow import alerts, contrib, platform, views  # noqa: F401  (contrib: demo, bench)

        # The approval engine's part of the platform.
        extensions.provide(approvals=platform)
        platform.describe_changes()
        # Pages: the approvals of every user, the processes of administrators, and the
        # approve / reject buttons of an approval in the inbox.
        add_work_entry(_("Approvals"), "workflow:approval_list", "list-check")
        add_admin_entry(
            _("Approval processes"), "workflow:process_list", "git-branch", "manage_settings"
        )
        alerts.register_menu()
        registry.extend(views.add_approval_panel)
        messaging.register_actions("approval", "workflow/_inbox_actions.html")
