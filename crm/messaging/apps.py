from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "crm.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from crm.core import timeline
        from crm.core.context_processors import add_admin_entry, add_work_entry
        from crm.messaging import contrib, services  # noqa: F401  (contrib: the demo)

        timeline.handle_mentions(
            timeline.Mentions(record=services.mention_people, names=services.mentioned_names)
        )
        add_work_entry(_("Inbox"), "messaging:inbox", "bell")
        add_admin_entry(
            _("Announcements"), "messaging:announcement_list", "speakerphone", "manage_settings"
        )
        add_admin_entry(_("Email log"), "messaging:email_log", "mail", "view_logs")
