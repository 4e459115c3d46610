"""Data dictionary, custom fields, numbering rules and saved list views."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.core.models import TrackedModel
from crm.core.money import CurrencyField, company_currency


def localized(zh: str, en: str) -> str:
    """The label in the active language, falling back to the other one."""
    if (get_language() or "").startswith("zh"):
        return zh or en
    return en or zh


class Dictionary(TrackedModel):
    """A list of choices (数据字典) such as industries or customer levels."""

    manage_permission = "manage_settings"

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    is_system = models.BooleanField(_("preset"), default=False, editable=False)

    class Meta:
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self.name_zh, self.name_en)


class DictionaryItem(TrackedModel):
    """One choice of a dictionary, labelled in both languages."""

    manage_permission = "manage_settings"

    dictionary = models.ForeignKey(Dictionary, models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=50)
    label_zh = models.CharField(_("Chinese label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        ordering = ["dictionary", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "code"], name="dictionary_item_code")
        ]

    def __str__(self) -> str:
        return localized(self.label_zh, self.label_en)

    @property
    def label(self) -> str:
        return str(self)


class DictionaryField(models.ForeignKey):
    """A choice field of a business record that draws its items from one dictionary."""

    def __init__(self, dictionary: str, verbose_name=None, **kwargs):
        self.dictionary_code = dictionary
        kwargs.setdefault("on_delete", models.PROTECT)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("related_name", "+")
        kwargs["to"] = "customization.DictionaryItem"
        kwargs["limit_choices_to"] = {"dictionary__code": dictionary, "is_active": True}
        super().__init__(verbose_name=verbose_name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["dictionary"] = self.dictionary_code
        # Always said: a required one must not come back optional from __init__'s defaults.
        kwargs["null"], kwargs["blank"] = self.null, self.blank
        for key in ("to", "limit_choices_to"):
            kwargs.pop(key, None)
        return name, path, args, kwargs


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONGTEXT = "longtext", _("Long text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")
    MULTICHOICE = "multichoice", _("Multiple choice")
    USER = "user", _("User")
    URL = "url", _("URL")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class CustomField(TrackedModel):
    """A field an administrator adds to an object type (自定义字段)."""

    manage_permission = "manage_settings"

    content_type = models.ForeignKey(
        ContentType, models.CASCADE, related_name="+", verbose_name=_("object type")
    )
    name = models.SlugField(
        _("key"),
        max_length=50,
        help_text=_("Letters, digits and underscores; used in the API and in imports."),
    )
    label_zh = models.CharField(_("Chinese label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=12, choices=FieldType.choices)
    dictionary = models.ForeignKey(
        Dictionary,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dictionary"),
        help_text=_("For choice fields."),
    )
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), default=255)
    min_value = models.DecimalField(
        _("minimum"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("For numbers and money: the smallest value allowed. Empty for no limit."),
    )
    max_value = models.DecimalField(
        _("maximum"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("For numbers and money: the largest value allowed. Empty for no limit."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    show_in_list = models.BooleanField(_("offer as list column"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["content_type", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "name"], name="custom_field_name")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_zh, self.label_en)


class DatePart(models.TextChoices):
    NONE = "", _("None")
    YEAR = "%Y", "yyyy"
    MONTH = "%Y%m", "yyyymm"
    DAY = "%Y%m%d", "yyyymmdd"


class ResetPeriod(models.TextChoices):
    NEVER = "never", _("Never")
    YEARLY = "yearly", _("Every year")
    MONTHLY = "monthly", _("Every month")
    DAILY = "daily", _("Every day")


class NumberingRule(TrackedModel):
    """How numbers of one object type are made (编号规则): prefix, date, sequence."""

    manage_permission = "manage_settings"

    content_type = models.OneToOneField(
        ContentType, models.CASCADE, related_name="+", verbose_name=_("object type")
    )
    prefix = models.CharField(_("prefix"), max_length=10, blank=True)
    date_part = models.CharField(
        _("date part"), max_length=8, choices=DatePart.choices, blank=True, default=""
    )
    width = models.PositiveSmallIntegerField(_("sequence width"), default=5)
    reset = models.CharField(
        _("reset"), max_length=8, choices=ResetPeriod.choices, default=ResetPeriod.NEVER
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("numbering rule")
        verbose_name_plural = _("numbering rules")

    def __str__(self) -> str:
        return f"{self.content_type}: {self.prefix}"


class NumberSequence(models.Model):
    """The last number issued by a rule in one period; locked while a number is taken."""

    rule = models.ForeignKey(NumberingRule, models.CASCADE, related_name="sequences")
    period = models.CharField(max_length=8, blank=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "period"], name="number_sequence_period")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.period or '-'}: {self.last_value}"


class SavedSearch(TrackedModel):
    """A list view a user saved (检索方案): filters, columns and sort as a query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visible_rule(cls, user) -> Q:
        return Q(user=user) | Q(shared=True)

    @classmethod
    def editable_rule(cls, user) -> Q:
        return Q(user=user)


class ExchangeRate(TrackedModel):
    """What one unit of a currency is worth in the company currency from a day on (汇率),
    for reports in the company currency (crm.core.money.convert)."""

    manage_permission = "manage_settings"

    currency = CurrencyField()
    rate_to_company_currency = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text=_("How much one unit of the currency is worth in the company currency."),
    )
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="exchange_rate_day"),
            models.CheckConstraint(
                condition=Q(rate_to_company_currency__gt=0), name="exchange_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_to_company_currency} ({self.valid_from})"

    def clean(self) -> None:
        if self.currency == company_currency():
            raise ValidationError({"currency": _("The company currency needs no exchange rate.")})
        # Said on the date, where the constraint alone would say it above the form.
        taken = ExchangeRate.objects.filter(currency=self.currency, valid_from=self.valid_from)
        if self.valid_from and taken.exclude(pk=self.pk).exists():
            raise ValidationError(
                {
                    "valid_from": _(
                        "%(currency)s already has a rate valid from this day; edit that one."
                    )
                    % {"currency": self.currency}
                }
            )

    @property
    def rate_text(self) -> str:
        """The rate without trailing zeros (7.2, not 7.20000000)."""
        return format(self.rate_to_company_currency.normalize(), "f")
