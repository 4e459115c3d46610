from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomizationConfig(AppConfig):
    name = "crm.customization"
    label = "customization"
    verbose_name = _("Customization")

    def ready(self) -> None:
        from crm.core import kept
        from crm.customization.models import CustomField, Dictionary, DictionaryItem

        kept.watch(CustomField, Dictionary, DictionaryItem)
