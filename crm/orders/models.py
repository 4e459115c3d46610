"""Order to cash: quotes (报价单) with their lines, priced from the catalogue, approved when
a price is below the floor or a discount above the limit, revised into new versions; and
the contracts (合同) an accepted quote becomes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.lines import Line
from crm.core.models import NameSorted, Record
from crm.core.money import AmountField, CurrencyField
from crm.customization.models import DictionaryField

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", pgettext_lazy("quote status", "Approved")
    SENT = "sent", pgettext_lazy("quote status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quote status", "Accepted")
    DECLINED = "declined", pgettext_lazy("quote status", "Declined")
    REVISED = "revised", pgettext_lazy("quote status", "Revised")


class Priced(models.Model):
    """The totals worked out from a document's priced lines, and whether a price in them
    needs approval."""

    amount = AmountField(_("amount without tax"), default=Decimal(0), editable=False)
    tax = AmountField(_("tax"), default=Decimal(0), editable=False)
    total = AmountField(_("total with tax"), default=Decimal(0), editable=False)
    discount_amount = AmountField(_("discount given"), default=Decimal(0), editable=False)
    price_exception = models.BooleanField(_("price needs approval"), default=False, editable=False)

    class Meta:
        abstract = True


class PricedDocument(Record, NameSorted, Priced):
    """What quotes and contracts share: a customer (and the contact and opportunity), a
    currency, terms, and the totals worked out from their priced lines."""

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
    terms = models.TextField(_("terms"), blank=True, max_length=5000)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name  # type: ignore[attr-defined]  # each document names its title

    @property
    def priced_on(self):
        """The day the catalogue's prices are read for (price lists' validity)."""
        return timezone.localdate()


class Quote(PricedDocument):
    """An offer to a customer (报价单): lines priced from the catalogue, with totals with and
    without tax. A price below a product's floor or a discount above its category's limit
    goes through approval before the quote is sent; once submitted it changes only by a
    revision, a new version that keeps the old one readable."""

    name = models.CharField(_("quote title"), max_length=200)
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

    @property
    def priced_on(self):
        return self.quote_date or timezone.localdate()


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", pgettext_lazy("contract status", "Approved")
    SIGNED = "signed", pgettext_lazy("contract status", "Signed")
    EXECUTING = "executing", pgettext_lazy("contract status", "Executing")
    COMPLETED = "completed", pgettext_lazy("contract status", "Completed")
    TERMINATED = "terminated", pgettext_lazy("contract status", "Terminated")


class Contract(PricedDocument):
    """A contract or order with a customer (合同/订单): its lines (from the accepted quote,
    or typed), terms and dates; approved, then signed, executed and completed or
    terminated. Once submitted it no longer changes."""

    name = models.CharField(_("contract name"), max_length=200)
    quote = models.ForeignKey(
        Quote,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="contracts",
        verbose_name=_("quote"),
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed for us by"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    termination_reason = models.CharField(_("termination reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["owner", "updated_at", "id"], name="contract_owner_updated"),
            models.Index(fields=["owner", "name_sort", "id"], name="contract_owner_name_sort"),
            models.Index(fields=["updated_at", "id"], name="contract_updated"),
            models.Index(fields=["name_sort", "id"], name="contract_name_sort"),
            models.Index(fields=["customer", "status"], name="contract_customer"),
            models.Index(fields=["opportunity"], name="contract_opportunity"),
        ]


class PricedLine(Line):
    """A product, how many, at what unit price (without tax; the price list's unless
    typed), the discount and the tax rate (the product's unless typed), and what it comes
    to: the line of a quote or a contract."""

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
        abstract = True

    def __str__(self) -> str:
        return str(self.product)


class QuoteLine(PricedLine):
    """One line of a quote."""

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")


class ContractLine(PricedLine):
    """One line of a contract."""

    contract = models.ForeignKey(Contract, models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")


class AmendmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPLIED = "applied", pgettext_lazy("amendment status", "Approved and applied")


class Amendment(Record, Priced):
    """A change to a signed contract (合同变更): its lines as they are to be, a new end date
    and terms, and why. Approved through its own process, it is applied to the contract
    (lines kept where the product stays, so their deliveries stay with them)."""

    access_parent = "contract"

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="amendments", verbose_name=_("contract")
    )
    reason = models.CharField(_("reason for the change"), max_length=500)
    end_date = models.DateField(
        _("new end date"), null=True, blank=True, help_text=_("Empty: the end date stays.")
    )
    terms = models.TextField(_("terms"), blank=True, max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.DRAFT,
    )
    total_before = AmountField(_("total before the change"), default=Decimal(0), editable=False)

    class Meta:
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        indexes = [
            models.Index(fields=["contract", "status"], name="amendment_contract"),
            models.Index(fields=["updated_at", "id"], name="amendment_updated"),
        ]

    def __str__(self) -> str:
        return self.reason

    @property
    def currency(self) -> str:
        return self.contract.currency

    @property
    def customer_id(self):
        return self.contract.customer_id

    @property
    def customer(self):
        return self.contract.customer

    @property
    def priced_on(self):
        return timezone.localdate()


class AmendmentLine(PricedLine):
    """One line of a contract as an amendment makes it."""

    amendment = models.ForeignKey(Amendment, models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        verbose_name = _("amendment line")
        verbose_name_plural = _("amendment lines")


class Instalment(Record):
    """One instalment of a contract's payment plan (收款计划): what is due on a day, and
    what its payments have brought in so far (kept by the payments)."""

    access_parent = "contract"

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="instalments", verbose_name=_("contract")
    )
    name = models.CharField(_("instalment"), max_length=100)
    due_date = models.DateField(_("due date"))
    amount = AmountField(_("amount due"), validators=[MinValueValidator(Decimal("0.01"))])
    received = AmountField(_("received"), default=Decimal(0), editable=False)
    outstanding = AmountField(_("outstanding"), default=Decimal(0), editable=False)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["contract", "due_date"], name="instalment_contract"),
            models.Index(fields=["due_date", "outstanding"], name="instalment_due"),
            models.Index(fields=["updated_at", "id"], name="instalment_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class Payment(Record):
    """Money received on a contract (收款/回款), perhaps against one instalment; one above
    what is still receivable is recorded only when confirmed."""

    access_parent = "contract"

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="payments", verbose_name=_("contract")
    )
    instalment = models.ForeignKey(
        Instalment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("instalment"),
    )
    paid_on = models.DateField(_("received on"), default=timezone.localdate)
    amount = AmountField(_("amount received"), validators=[MinValueValidator(Decimal("0.01"))])
    method = DictionaryField("payment_method", _("payment method"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    above_receivable = models.BooleanField(
        _("above the receivable, confirmed"),
        default=False,
        help_text=_("Tick to record a payment larger than what is still receivable."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["contract", "paid_on"], name="payment_contract"),
            models.Index(fields=["updated_at", "id"], name="payment_updated"),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.paid_on} {self.amount}"


class InvoiceKind(models.TextChoices):
    SPECIAL = "special", _("VAT special invoice")
    ORDINARY = "ordinary", _("VAT ordinary invoice")


class Invoice(Record):
    """An invoice issued on a contract (开票)."""

    access_parent = "contract"

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="invoices", verbose_name=_("contract")
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    kind = models.CharField(
        _("invoice type"), max_length=10, choices=InvoiceKind.choices, default=InvoiceKind.SPECIAL
    )
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    amount = AmountField(_("invoiced amount"), validators=[MinValueValidator(Decimal("0.01"))])
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["contract", "issued_on"], name="invoice_contract"),
            models.Index(fields=["updated_at", "id"], name="invoice_updated"),
        ]

    def __str__(self) -> str:
        return self.invoice_number


class Delivery(Record):
    """A quantity of one contract line to deliver (交货计划: a planned date) or delivered
    (交货记录: the day it went out)."""

    access_parent = "contract"

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="deliveries", verbose_name=_("contract")
    )
    # Kept while its line is: a contract's lines are not replaced under its deliveries,
    # and go with the contract when it is erased.
    line = models.ForeignKey(
        ContractLine, models.RESTRICT, related_name="deliveries", verbose_name=_("contract line")
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    delivered_on = models.DateField(
        _("delivered on"), null=True, blank=True, help_text=_("Empty while only planned.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["contract", "planned_on"], name="delivery_contract"),
            models.Index(fields=["updated_at", "id"], name="delivery_updated"),
        ]

    def __str__(self) -> str:
        return str(self.line)
