"""Field validators shared by models, custom fields and imports."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError


def validate_phone(value: str) -> None:
    """A phone or mobile number, Chinese by default (+86), other countries with their code."""
    if not value:
        return
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")


def validate_credit_code(value: str) -> None:
    """The 18-character unified social credit code (统一社会信用代码), check digit included."""
    if not value:
        return
    try:
        uscc.validate(value)
    except StdnumError:
        raise ValidationError(
            _("Enter a valid unified social credit code (18 characters)."),
            code="invalid_credit_code",
        ) from None
