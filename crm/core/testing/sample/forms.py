from crm.core.forms import RecordForm
from crm.core.testing.sample.models import SampleDocument


class SampleDocumentForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = SampleDocument
        fields = ["name", "amount", "currency", "status"]
