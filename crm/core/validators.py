"""Field validators shared by models, custom fields and imports."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

# The usual shapes of Chinese mobiles and landlines (13800138000, 0755-86072000): possible
# numbers by phonenumbers' rules too, recognised without its parser (imports check many).
_USUAL_CN = re.compile(r"1(?:[3-68]\d|7[0-8]|9\d)\d{8}|0[1-9]\d{1,2}-?\d{7,8}")


def validate_phone(value: str) -> None:
    """A phone or mobile number, Chinese by default (+86), other countries with their code."""
    if not value or _USUAL_CN.fullmatch(value):
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
