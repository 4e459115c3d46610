import django_filters

from crm.core.testing.sample.models import SampleDocument


class SampleDocumentFilter(django_filters.FilterSet):
    class Meta:
        model = SampleDocument
        fields = ["status", "owner"]
