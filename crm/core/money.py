"""Money: an amount with its ISO 4217 currency, and everything business documents do with it.

One rounding rule (ROUND_HALF_UP to the currency's minor unit, per line, then sums in
`total`), parsing of what people type or import ("1,234.50", "¥1234.5", "1.2万"),
display in the user's language (¥1,234.50), conversion into the company currency by
the exchange rate valid on a date, and the capital numerals of printed documents
(壹万贰仟叁佰肆拾伍元陆角整). Records keep amount and currency as two plain columns
(`AmountField`, `CurrencyField`), so `values()` rows carry both; `MoneyField` reads and
writes the pair as one `Money`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Code: (digits after the point, symbol). The symbols are those of the zh CLDR locale,
# the same in both languages: ¥ is the yuan, and no symbol stands for two currencies.
CURRENCIES: dict[str, tuple[int, str]] = {
    "CNY": (2, "¥"),
    "USD": (2, "US$"),
    "EUR": (2, "€"),
    "JPY": (0, "JP¥"),
    "HKD": (2, "HK$"),
    "MOP": (2, "MOP$"),
    "TWD": (2, "NT$"),
    "GBP": (2, "£"),
    "KRW": (0, "₩"),
    "SGD": (2, "SGD "),
    "AUD": (2, "AU$"),
    "CAD": (2, "CA$"),
    "CHF": (2, "CHF "),
    "RUB": (2, "RUB "),
    "INR": (2, "₹"),
    "THB": (2, "THB "),
    "VND": (0, "₫"),
    "MYR": (2, "MYR "),
}
# Storage: DecimalField(max_digits=18, decimal_places=2) holds below 10^16 (万亿 and more).
MAX_DIGITS = 18
DECIMAL_PLACES = 2
LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies met in one sum or comparison."""


def company_currency() -> str:
    """The currency reports are made in (CRM_COMPANY_CURRENCY)."""
    return settings.CRM_COMPANY_CURRENCY


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(
            _("“%(code)s” is not a currency code the CRM knows."),
            code="unknown_currency",
            params={"code": code},
        )


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; sums and comparisons refuse mixing currencies."""

    amount: Decimal
    currency: str = "CNY"

    def __post_init__(self) -> None:
        # A float would carry its binary error (0.1 + 0.2) into every sum.
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal | int):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if self.currency not in CURRENCIES:
            raise ValueError(f"Unknown currency {self.currency!r}")
        object.__setattr__(self, "amount", Decimal(self.amount))

    def _amounts(self, other: object) -> tuple[Decimal, Decimal] | None:
        """Both amounts, when `other` is Money in the same currency; None for non-Money."""
        if not isinstance(other, Money):
            return None
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")
        return self.amount, other.amount

    def __add__(self, other: Money) -> Money:
        pair = self._amounts(other)
        return NotImplemented if pair is None else Money(pair[0] + pair[1], self.currency)

    def __sub__(self, other: Money) -> Money:
        pair = self._amounts(other)
        return NotImplemented if pair is None else Money(pair[0] - pair[1], self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        """A price times a quantity or a rate; unrounded until `round_line`."""
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        pair = self._amounts(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __le__(self, other: Money) -> bool:
        pair = self._amounts(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __gt__(self, other: Money) -> bool:
        pair = self._amounts(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    def __ge__(self, other: Money) -> bool:
        pair = self._amounts(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __str__(self) -> str:
        return to_text(self)


def round_line(money: Money) -> Money:
    """The amount rounded half up to the currency's minor unit (0.01 yuan, 1 yen)."""
    unit = Decimal(1).scaleb(-CURRENCIES[money.currency][0])
    return Money(money.amount.quantize(unit, rounding=ROUND_HALF_UP), money.currency)


def total(lines: Iterable[Money], currency: str | None = None) -> Money:
    """The sum of the lines, each rounded first: the one place a total is computed.
    An empty list sums to zero in `currency` (else the company currency)."""
    result: Money | None = Money(Decimal(0), currency) if currency else None
    for line in lines:
        rounded = round_line(line)
        result = rounded if result is None else result + rounded
    return result if result is not None else Money(Decimal(0), company_currency())


# Display --------------------------------------------------------------------------------


def to_text(money: Money) -> str:
    """The amount as the user's language writes it, rounded: ¥1,234.50, -US$12.00."""
    digits, symbol = CURRENCIES[money.currency]
    amount = round_line(money).amount
    number = formats.number_format(abs(amount), digits, use_l10n=True, force_grouping=True)
    return f"{'-' if amount < 0 else ''}{symbol}{number}"


# Parsing --------------------------------------------------------------------------------

_SIGNS = re.escape("+-−")  # a set, not a range
_SYMBOLS = {  # besides codes; upper case, as the text is upper-cased first
    "¥": "CNY",
    "RMB": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "$": "USD",
    "美元": "USD",
    **{symbol.strip().upper(): code for code, (_d, symbol) in CURRENCIES.items()},
}
_CURRENCY = "|".join(re.escape(s) for s in sorted([*_SYMBOLS, *CURRENCIES], key=len, reverse=True))
_MONEY = re.compile(
    rf"\s*(?P<sign>[{_SIGNS}])?\s*(?P<before>{_CURRENCY})?\s*(?P<sign2>[{_SIGNS}])?\s*"
    r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    rf"\s*(?P<unit>万亿|万|亿)?\s*(?P<after>{_CURRENCY})?\s*"
)
_UNITS = {"万": 10**4, "亿": 10**8, "万亿": 10**12}
_MAX_TEXT = 64


def parse(text: str, currency: str | None = None) -> Money:
    """What a person types or imports, as Money: "1,234.50", "¥1234.5", "1.2万", "3亿",
    "-5", "１２３", "CNY 100", "$12", "1.2万元". Without a currency in the text: `currency`,
    else the company currency. Raises ValidationError with a translated message."""
    normal = unicodedata.normalize("NFKC", str(text)).upper()
    match = _MONEY.fullmatch(normal) if len(normal) <= _MAX_TEXT else None
    if match is None or (match["sign"] and match["sign2"]):
        raise ValidationError(
            _("Enter an amount such as 1,234.50, ¥1234.5 or 1.2万."),
            code="invalid_money",
        )
    named = {_SYMBOLS.get(match[k], match[k]) for k in ("before", "after") if match[k]}
    if len(named) > 1:
        raise ValidationError(
            _("The amount names two currencies: %(codes)s.") % {"codes": ", ".join(sorted(named))},
            code="invalid_money",
        )
    amount = Decimal(match["number"].replace(",", "")) * _UNITS.get(match["unit"] or "", 1)
    if (match["sign"] or match["sign2"] or "+") != "+":
        amount = -amount
    if abs(amount) >= LIMIT:
        raise ValidationError(_("The amount is too large."), code="money_too_large")
    return Money(amount, named.pop() if named else currency or company_currency())


def parse_amount(text: str, currency: str | None = None) -> Decimal:
    """The amount of `text` for a column held in `currency` (the company currency by
    default), such as a custom money field: naming another currency is refused."""
    currency = currency or company_currency()
    parsed = parse(text, currency)
    if parsed.currency != currency:
        raise ValidationError(
            _("Enter the amount in %(currency)s.") % {"currency": currency},
            code="wrong_currency",
        )
    return parsed.amount


# Capital numerals -----------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")


def _below_10000(n: int) -> str:
    """0 < n < 10000: a 零 stands for any run of zeros between two digits."""
    out: list[str] = []
    zero = False
    for place in range(3, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + _PLACES[place])
    return "".join(out)


def _integer(n: int) -> str:
    """0 < n < 10^16, read in groups of 万 and 亿 (10001亿 is 壹万零壹亿)."""
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= size:
            high, low = divmod(n, size)
            text = _integer(high) + unit
            if low:
                text += ("零" if low < size // 10 else "") + _integer(low)
            return text
    return _below_10000(n)


def to_capitals(amount: Decimal | Money) -> str:
    """The amount in capital numerals, as written on invoices and contracts (大写金额):
    壹万贰仟叁佰肆拾伍元陆角整. Rounded half up to 分; 整 after 元 or 角, none after 分;
    a 零 where 元 is followed by 分 alone. Up to 9999万亿; yuan only."""
    if isinstance(amount, Money):
        if amount.currency != "CNY":
            raise ValueError("Capital numerals are written for yuan only")
        amount = amount.amount
    try:
        fen = int(round_line(Money(amount)).amount.scaleb(2))
    except (InvalidOperation, ValueError):
        raise ValueError(f"Not an amount: {amount!r}") from None
    if abs(fen) >= LIMIT * 100:
        raise ValueError("Capital numerals are written below 10^16 yuan")
    yuan, cents = divmod(abs(fen), 100)
    jiao, fen = divmod(cents, 10)
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    text += _DIGITS[fen] + "分" if fen else ("整" if text else "零元整")
    return ("负" if amount < 0 and cents + yuan else "") + text


# Records --------------------------------------------------------------------------------


class AmountField(models.DecimalField):
    """The amount column of a money pair: 18 digits, 2 after the point."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    """The currency column of a money pair: an ISO 4217 code, the company's by default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", gettext_lazy("currency"))
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", company_currency)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)


class MoneyField:
    """`obj.<name>` as Money over two plain columns (as Saleor's MoneyField):
    `total = MoneyField("total_amount", "total_currency")`. Reads None when the amount is."""

    def __init__(self, amount_field: str, currency_field: str):
        self.amount_field = amount_field
        self.currency_field = currency_field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        amount = getattr(obj, self.amount_field)
        if amount is None:
            return None
        return Money(Decimal(amount), getattr(obj, self.currency_field))

    def __set__(self, obj, value: Money | None) -> None:
        if value is None:
            setattr(obj, self.amount_field, None)
            return
        setattr(obj, self.amount_field, value.amount)
        setattr(obj, self.currency_field, value.currency)
