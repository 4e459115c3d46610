"""Customers (客户) and their contacts (联系人)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import NameSorted, Record
from crm.core.money import AmountField
from crm.core.validators import validate_credit_code, validate_phone
from crm.customization.models import DictionaryField


class CustomerType(models.TextChoices):
    """Kingdee's 终端客户 / 中间客户 / 公利客户, in the words English CRMs use."""

    END = "end", _("End customer")
    INTERMEDIATE = "intermediate", _("Reseller")
    PUBLIC = "public", _("Public institution")


class CustomerStatus(models.TextChoices):
    """Kingdee's 潜在 / 意向 / 正式 / 相关: from a lead to a customer we sell to."""

    POTENTIAL = "potential", _("Lead")
    INTENTIONAL = "intentional", _("Prospect")
    FORMAL = "formal", pgettext_lazy("customer status", "Active")
    RELATED = "related", _("Related party")


class Customer(Record, NameSorted):
    """A company or person we sell to; it belongs to the company, managed by its owner."""

    name = models.CharField(_("customer name"), max_length=200)
    mnemonic_code = models.CharField(
        _("mnemonic code"),
        max_length=60,
        blank=True,
        help_text=_("Pinyin initials of the name unless you enter one."),
    )
    customer_type = models.CharField(
        _("customer type"), max_length=14, choices=CustomerType.choices, default=CustomerType.END
    )
    category = DictionaryField("customer_category", _("category"))
    level = DictionaryField("customer_level", _("level"))
    industry = DictionaryField("industry", _("industry"))
    region = DictionaryField("region", _("sales region"))
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    source = DictionaryField("customer_source", _("source"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CustomerStatus.choices,
        default=CustomerStatus.POTENTIAL,
    )
    parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent customer"),
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        db_index=True,
        validators=[validate_credit_code],
    )
    credit_limit = AmountField(
        _("credit limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In the company currency. A raise may need approval."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    tags = models.CharField(
        _("tags"), max_length=255, blank=True, help_text=_("Separate tags with commas.")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # An owner's records in each list order (access.visible_parts reads them so).
            models.Index(fields=["owner", "updated_at", "id"], name="customer_owner_updated"),
            models.Index(fields=["owner", "name_sort", "id"], name="customer_owner_name_sort"),
            models.Index(fields=["owner", "created_at", "id"], name="customer_owner_created"),
            models.Index(fields=["updated_at", "id"], name="customer_updated"),
            models.Index(fields=["name", "id"], name="customer_name"),  # finding one by name
            models.Index(fields=["name_sort", "id"], name="customer_name_sort"),
            models.Index(fields=["created_at", "id"], name="customer_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="customer_number_unique",
                violation_error_message=_(
                    "This number is already used by another customer (perhaps one in the "
                    "recycle bin)."
                ),
            )
        ]

    def clean(self) -> None:
        """A customer is never its own parent, nor above its own parent (a loop)."""
        super().clean()
        if self.parent_id is None or self.pk is None:
            return  # a new customer has no subsidiaries yet
        if self.parent_id == self.pk:
            raise ValidationError({"parent": _("A customer cannot be its own parent.")})
        if self.pk in self._parent_chain():
            raise ValidationError(
                {
                    "parent": _(
                        "“%(parent)s” belongs under this customer, so it cannot be its parent."
                    )
                    % {"parent": self.parent}
                }
            )

    def _parent_chain(self) -> set[int]:
        """The ids from the chosen parent up to the top (deleted customers count too)."""
        chain: set[int] = set()
        current = self.parent_id
        while current is not None and current not in chain:
            chain.add(current)
            current = (
                Customer._base_manager.filter(pk=current)
                .values_list("parent_id", flat=True)
                .first()
            )
        return chain


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Contact(Record, NameSorted):
    """A person at a customer; seen by whoever sees the customer."""

    access_parent = "customer"

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    mnemonic_code = models.CharField(_("mnemonic code"), max_length=60, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    role = DictionaryField("contact_role", _("buying role"))
    mobile = models.CharField(_("mobile"), max_length=40, blank=True, validators=[validate_phone])
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["customer", "name"], name="contact_customer"),
            models.Index(fields=["updated_at", "id"], name="contact_updated"),
            models.Index(fields=["name", "id"], name="contact_name"),  # finding one by name
            models.Index(fields=["name_sort", "id"], name="contact_name_sort"),
        ]
