"""Field validators shared by models, custom fields and imports."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

# The usual shapes of Chinese mobiles and landlines (13800138000, 0755-86072000): possible
# numbers by phonenumbers' rules too, recognised without its parser (imports check many).
_USUAL_CN = re.compile(r"1(?:[3-68]\d|7[0-8]|9\d)\d{8}|0[1-9]\d{1,2}-?\d{7,8}")
# What a number may be written with: digits, a leading +, the usual separators and an
# extension (ext. 12, x12). Letters are refused, though phonenumbers would read them
# as the keypad's digits (1-800-FLOWERS).
_PHONE_CHARACTERS = re.compile(r"\+?[\d\s().\-/]+(?:(?:ext\.?|x)\s*\d{1,6})?", re.IGNORECASE)


def validate_phone(value: str) -> None:
    """A phone or mobile number, Chinese by default (+86), other countries with their code."""
    if not value or _USUAL_CN.fullmatch(value):
        return
    if not _PHONE_CHARACTERS.fullmatch(value.strip()):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")


def validate_credit_code(value: str) -> None:
    """The 18-character unified social credit code (统一社会信用代码), check digit included;
    the message says which of length, characters and check digit is wrong."""
    if not value:
        return
    try:
        uscc.validate(value)
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.")
            % {"count": len(uscc.compact(value))},
            code="credit_code_length",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The check digit (the last character) of this unified social credit code "
                "is wrong: check the code for a typing error."
            ),
            code="credit_code_check_digit",
        ) from None
    except StdnumError:
        raise ValidationError(
            _(
                "A unified social credit code has only digits and capital letters other "
                "than I, O, S, V and Z."
            ),
            code="credit_code_characters",
        ) from None


def validate_not_negative(value) -> None:
    """An amount of money (a price, a purchase volume): zero or more."""
    if value is not None and value < 0:
        raise ValidationError(_("An amount cannot be negative."), code="negative")


# Messages of a number outside the range its field allows, for form fields' error_messages.
RANGE_MESSAGES = {
    "min_value": _("Must be at least %(limit_value)s."),
    "max_value": _("Must be at most %(limit_value)s."),
}
