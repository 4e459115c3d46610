"""The catalogue sales, service and marketing sell from: product categories (产品分类, a
tree), products (产品) with their standard and floor prices, and price lists (价格表) for
a customer level or one customer, with prices by quantity."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.lines import Line
from crm.core.models import NameSorted, Record
from crm.core.money import AmountField, CurrencyField
from crm.customization.models import DictionaryField

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class ProductCategory(Record, NameSorted):
    """A group of products (产品分类), inside another one or at the top, with the largest
    discount a quote may give on its products without approval."""

    name = models.CharField(_("category name"), max_length=100)
    code = models.CharField(_("category code"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    discount_limit = models.DecimalField(
        _("discount limit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("A quote line discounted by more needs approval. Empty: the parent's limit."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        indexes = [
            models.Index(fields=["name_sort", "id"], name="product_category_name_sort"),
            models.Index(fields=["updated_at", "id"], name="product_category_updated"),
        ]


class Product(Record, NameSorted):
    """Something the company sells (产品/物料): its code, specification and unit, the
    standard price quotes start from, the floor price below which one needs approval, and
    the tax rate."""

    code = models.CharField(_("product code"), max_length=64)
    name = models.CharField(_("product name"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    category = models.ForeignKey(
        ProductCategory,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    unit = DictionaryField("product_unit", _("unit"))
    currency = CurrencyField()
    standard_price = AmountField(
        _("standard price"), default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    floor_price = AmountField(
        _("floor price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("A quote below it needs approval."),
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal(13), validators=PERCENT
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["name_sort", "id"], name="product_name_sort"),
            models.Index(fields=["updated_at", "id"], name="product_updated"),
            models.Index(fields=["code"], name="product_code"),
            models.Index(fields=["category", "name_sort", "id"], name="product_category"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.specification}".strip()


class PriceList(Record, NameSorted):
    """Prices agreed for a customer level (客户等级) or for one customer, valid between two
    dates, in one currency; its lines give a product's price from a quantity up."""

    name = models.CharField(_("price list name"), max_length=100)
    customer_level = DictionaryField("customer_level", _("customer level"))
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    currency = CurrencyField()
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        indexes = [
            models.Index(fields=["name_sort", "id"], name="price_list_name_sort"),
            models.Index(fields=["updated_at", "id"], name="price_list_updated"),
            models.Index(fields=["customer", "is_active"], name="price_list_customer"),
            models.Index(fields=["customer_level", "is_active"], name="price_list_level"),
        ]


class PriceListItem(Line):
    """One price of a price list: the product's unit price from a quantity up (阶梯价)."""

    price_list = models.ForeignKey(PriceList, models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product,
        models.PROTECT,
        related_name="+",
        limit_choices_to={"is_active": True, "deleted_at": None},
        verbose_name=_("product"),
    )
    min_quantity = models.DecimalField(
        _("from quantity"),
        max_digits=14,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    unit_price = AmountField(_("unit price"), validators=[MinValueValidator(Decimal(0))])

    class Meta(Line.Meta):
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        indexes = [models.Index(fields=["product", "price_list"], name="price_item_product")]

    def __str__(self) -> str:
        return str(self.product)
