"""The sample document: a name, an amount and a status moved by its transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SampleDocument(Record):
    """A document that is drafted, submitted, then approved or rejected."""

    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="sample_owner_updated"),
            models.Index(fields=["updated_at", "id"], name="sample_updated"),
        ]

    def __str__(self) -> str:
        return self.name
