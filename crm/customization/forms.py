"""Forms of the settings pages: parsing and field checks only (rules live in services)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin, VersionField
from crm.core.money import CURRENCIES, company_currency
from crm.customization.models import (
    CustomField,
    Dictionary,
    DictionaryItem,
    ExchangeRate,
    FieldType,
    NumberingRule,
)
from crm.customization.services import CUSTOM_FIELD_KEY


def _fix_on_edit(form: forms.ModelForm, name: str, reason) -> None:
    if form.instance.pk:
        form.fields[name].disabled = True
        form.fields[name].help_text = reason


class DictionaryForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Dictionary
        fields = ["code", "name_zh", "name_en"]
        help_texts = {"code": _("Letters, digits, hyphens and underscores; fixed once saved.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _fix_on_edit(self, "code", _("Fields refer to the dictionary by this code."))
        self.fields["version"].initial = self.instance.version


class DictionaryItemForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = DictionaryItem
        fields = ["code", "label_zh", "label_en", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = _(
            "Leave empty to derive it from the English label. "
            "Records store the code, so it is fixed once saved."
        )
        _fix_on_edit(self, "code", _("Records store this code, so it cannot change."))
        self.fields["version"].initial = self.instance.version


KEY_MESSAGE = _(
    "Use lowercase letters, digits and single underscores, starting with a letter "
    "(for example: contract_term)."
)


class CustomFieldForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()
    default = forms.CharField(
        label=_("Default value"),
        required=False,
        max_length=500,
        help_text=_(
            "Optional. For multiple choice, item codes separated by commas; for "
            "yes/no, “Yes” or “No”; dates as YYYY-MM-DD."
        ),
    )

    class Meta:
        model = CustomField
        fields = [
            "name",
            "label_zh",
            "label_en",
            "field_type",
            "dictionary",
            "required",
            "default",
            "help_text",
            "max_length",
            "min_value",
            "max_value",
            "sort_order",
            "show_in_list",
            "is_active",
        ]

    def __init__(self, *args, user, type_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dictionary"].queryset = Dictionary.objects.visible_to(user)
        default = self.instance.default
        if isinstance(default, list):
            default = ", ".join(str(v) for v in default)
        elif isinstance(default, bool):
            default = _("Yes") if default else _("No")  # as typed, in the user's language
        self.initial["default"] = "" if default is None else default
        self.fields["name"].validators.append(RegexValidator(CUSTOM_FIELD_KEY, KEY_MESSAGE))
        self.fields["name"].help_text = _(
            "Lowercase letters, digits and underscores, starting with a letter; used in the API "
            "and in imports, and fixed once saved."
        )
        _fix_on_edit(self, "name", _("The key is used by the API and imports; it cannot change."))
        if type_locked:
            reason = _("Records hold values of this field, so its type cannot change.")
            for name in ("field_type", "dictionary"):
                self.fields[name].disabled = True
                self.fields[name].help_text = reason
        self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        choice = data.get("field_type") in {FieldType.CHOICE, FieldType.MULTICHOICE}
        if choice and not data.get("dictionary") and "dictionary" not in self.errors:
            self.add_error(
                "dictionary", _("Choose the dictionary this field draws its choices from.")
            )
        return data


class NumberingRuleForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = NumberingRule
        fields = ["prefix", "date_part", "width", "reset", "is_active"]
        widgets = {"width": forms.NumberInput(attrs={"min": 1, "max": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


def foreign_currencies() -> list[tuple[str, str]]:
    """The known currencies but the company's, as choices: code and symbol."""
    return [
        (code, f"{code} ({symbol.strip()})")
        for code, (_digits, symbol) in CURRENCIES.items()
        if code != company_currency()
    ]


class ExchangeRateForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()
    currency = forms.ChoiceField(label=_("currency"), choices=foreign_currencies)
    rate_to_company_currency = forms.DecimalField(
        label=_("rate"),
        max_digits=16,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        error_messages={"min_value": _("The rate must be more than zero.")},
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency", "valid_from", "rate_to_company_currency"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate_to_company_currency"].help_text = _(
            "How much one unit of the currency is worth in %(currency)s, up to 6 decimals."
        ) % {"currency": company_currency()}
        if self.instance.pk:
            self.initial["rate_to_company_currency"] = self.instance.rate_text
        self.fields["version"].initial = self.instance.version

    def clean_rate_to_company_currency(self) -> Decimal:
        # At the stored precision, so that an unchanged rate logs no change (7.2 = 7.20000000).
        places = ExchangeRate._meta.get_field("rate_to_company_currency").decimal_places
        return self.cleaned_data["rate_to_company_currency"].quantize(Decimal(1).scaleb(-places))


class ExchangeRateFilterForm(StyledFormMixin, forms.Form):
    currency = forms.ChoiceField(
        label=_("currency"),
        required=False,
        choices=lambda: [("", _("All currencies")), *foreign_currencies()],
    )
