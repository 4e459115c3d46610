"""Order to cash: quotes (报价单) with their lines, priced from the catalogue, approved when
a price is below the floor or a discount above the limit, revised into new versions."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.lines import Line
from crm.core.models import NameSorted, Record
from crm.core.money import AmountField, CurrencyField

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", pgettext_lazy("quote status", "Approved")
    SENT = "sent", pgettext_lazy("quote status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quote status", "Accepted")
    DECLINED = "declined", pgettext_lazy("quote status", "Declined")
    REVISED = "revised", pgettext_lazy("quote status", "Revised")


class Quote(Record, NameSorted):
    """An offer to a customer (报价单): lines priced from the catalogue, with totals with and
    without tax. A price below a product's floor or a discount above its category's limit
    goes through approval before the quote is sent; once submitted it changes only by a
    revision, a new version that keeps the old one readable."""

    name = models.CharField(_("quote title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opportunity"),
    )
    currency = CurrencyField()
    quote_date = models.DateField(_("quote date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("previous version"),
    )
    terms = models.TextField(_("terms"), blank=True, max_length=5000)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    # Worked out from the lines.
    amount = AmountField(_("amount without tax"), default=Decimal(0), editable=False)
    tax = AmountField(_("tax"), default=Decimal(0), editable=False)
    total = AmountField(_("total with tax"), default=Decimal(0), editable=False)
    discount_amount = AmountField(_("discount given"), default=Decimal(0), editable=False)
    price_exception = models.BooleanField(_("price needs approval"), default=False, editable=False)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="quote_owner_updated"),
            models.Index(fields=["owner", "name_sort", "id"], name="quote_owner_name_sort"),
            models.Index(fields=["updated_at", "id"], name="quote_updated"),
            models.Index(fields=["name_sort", "id"], name="quote_name_sort"),
            models.Index(fields=["customer", "status"], name="quote_customer"),
            models.Index(fields=["opportunity"], name="quote_opportunity"),
        ]


class QuoteLine(Line):
    """One line of a quote: a product, how many, at what unit price (without tax; the price
    list's unless typed), the discount and the tax rate (the product's unless typed)."""

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product",
        models.PROTECT,
        related_name="+",
        limit_choices_to={"is_active": True, "deleted_at": None},
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    unit_price = AmountField(
        _("unit price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Without tax. Empty: the customer's price from the price lists."),
    )
    discount = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0), validators=PERCENT
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("Empty: the product's."),
    )
    list_price = AmountField(_("list price"), null=True, blank=True, editable=False)
    amount = AmountField(_("amount without tax"), default=Decimal(0), editable=False)
    tax = AmountField(_("tax"), default=Decimal(0), editable=False)
    total = AmountField(_("amount with tax"), default=Decimal(0), editable=False)

    class Meta(Line.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self) -> str:
        return str(self.product)
