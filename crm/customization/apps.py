from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomizationConfig(AppConfig):
    name = "crm.customization"
    label = "customization"
    verbose_name = _("Customization")
