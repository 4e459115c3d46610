"""The sample document: a name, an amount, lines with their total, and a status moved by
its transitions."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.lines import Line
from crm.core.models import NameSorted, Record, RelatedTo
from crm.core.money import AmountField, CurrencyField


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SampleDocument(Record, RelatedTo, NameSorted):
    """A document that is drafted, submitted, then approved or rejected; it may be about
    another record (a customer ...)."""

    name = models.CharField(_("name"), max_length=100)
    amount = AmountField(_("amount"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    currency = CurrencyField()
    total = AmountField(_("total"), default=0, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="sample_owner_updated"),
            models.Index(fields=["updated_at", "id"], name="sample_updated"),
            models.Index(fields=["name_sort", "id"], name="sample_name_sort"),
        ]

    def __str__(self) -> str:
        return self.name


class SampleLine(Line):
    """One line of a sample document: what, how many, at what price."""

    document = models.ForeignKey(SampleDocument, models.CASCADE, related_name="lines")
    product = models.CharField(_("product"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    unit_price = AmountField(_("unit price"), default=0, validators=[MinValueValidator(0)])
    amount = AmountField(_("amount"), default=0, editable=False)

    class Meta(Line.Meta):
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def __str__(self) -> str:
        return self.product
