from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from crm.core.context_processors import add_admin_entry
        from crm.sales import (
            assignment,
            contact_roles,
            contrib,  # noqa: F401  (demo, bench and test contributions)
            conversion,
            pool_views,
            processes,
            registry,  # noqa: F401  (registers the object types)
        )

        processes.describe_changes()
        contact_roles.describe_changes()
        conversion.describe_changes()
        assignment.describe_changes()
        pool_views.register_menu()
        add_admin_entry(_("Sales processes"), "sales:process_list", "filter", "manage_settings")
