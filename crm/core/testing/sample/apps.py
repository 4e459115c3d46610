from django.apps import AppConfig


class SampleConfig(AppConfig):
    name = "crm.core.testing.sample"
    label = "sample"
    verbose_name = "Sample documents"

    def ready(self) -> None:
        from crm.core.testing.sample import (
            factories,  # noqa: F401  (its test contributions)
            registry,  # noqa: F401  (registers the type)
        )
