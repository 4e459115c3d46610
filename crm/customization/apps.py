from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomizationConfig(AppConfig):
    name = "crm.customization"
    label = "customization"
    verbose_name = _("Customization")

    def ready(self) -> None:
        # Apps are loaded only now: what is handed to the platform imports the models.
        from crm.core import extensions, kept
        from crm.customization import platform
        from crm.customization.models import CustomField, Dictionary, DictionaryItem

        kept.watch(CustomField, Dictionary, DictionaryItem)
        extensions.provide(customization=platform)
