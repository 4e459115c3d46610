"""The demo company's catalogue: about 200 products of an automation supplier in a tree of
categories with their discount limits, and price lists for the key customer levels and for
one strategic customer, with prices by quantity; a step of `crm demo`, written through the
services and creating only what is missing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from crm.core import registry
from crm.core.contributions import DemoContext
from crm.core.money import Money, round_line
from crm.core.services import save
from crm.customization.models import DictionaryItem
from crm.products.models import PriceList, Product, ProductCategory

# code, name, discount limit (%), subcategories as
# (code, name, unit, tax rate, base price, product names, specifications)
CATALOGUE = (
    (
        "01",
        "工业自动化",
        Decimal(10),
        (
            (
                "0101",
                "伺服系统",
                "set",
                13,
                2800,
                ("交流伺服电机", "伺服驱动器", "伺服电缆套件"),
                ("0.4kW", "0.75kW", "1.5kW", "3kW", "5.5kW"),
            ),
            (
                "0102",
                "PLC 控制器",
                "set",
                13,
                3600,
                ("小型 PLC", "中型 PLC", "扩展模块"),
                ("16点", "32点", "64点", "128点", "256点"),
            ),
            (
                "0103",
                "变频器",
                "set",
                13,
                1900,
                ("通用变频器", "矢量变频器", "风机水泵变频器"),
                ("2.2kW", "5.5kW", "11kW", "22kW", "45kW"),
            ),
            (
                "0104",
                "传感器",
                "pcs",
                13,
                260,
                ("光电传感器", "接近开关", "编码器"),
                ("M8", "M12", "M18", "M30", "方形"),
            ),
        ),
    ),
    (
        "02",
        "仪器仪表",
        Decimal(8),
        (
            (
                "0201",
                "流量计",
                "set",
                13,
                5200,
                ("电磁流量计", "涡街流量计", "质量流量计"),
                ("DN25", "DN50", "DN80", "DN100", "DN150"),
            ),
            (
                "0202",
                "压力变送器",
                "set",
                13,
                1500,
                ("压力变送器", "差压变送器", "液位变送器"),
                ("0-1MPa", "0-4MPa", "0-10MPa", "0-25MPa", "0-40MPa"),
            ),
            (
                "0203",
                "温控仪表",
                "pcs",
                13,
                680,
                ("数显温控仪", "无纸记录仪", "温度变送器"),
                ("48×48", "72×72", "96×96", "导轨式", "一体化"),
            ),
        ),
    ),
    (
        "03",
        "软件与服务",
        Decimal(20),
        (
            (
                "0301",
                "软件许可",
                "license",
                6,
                12000,
                ("CRM 标准版", "CRM 专业版", "MES 套件"),
                ("10用户", "20用户", "50用户", "100用户", "不限用户"),
            ),
            (
                "0302",
                "实施服务",
                "day",
                6,
                2400,
                ("实施顾问", "开发工程师", "项目经理"),
                ("初级", "中级", "高级", "专家", "驻场"),
            ),
            (
                "0303",
                "维保服务",
                "year",
                6,
                8000,
                ("标准维保", "金牌维保", "驻场运维"),
                ("1年", "2年", "3年", "5年", "7×24"),
            ),
        ),
    ),
    (
        "04",
        "配件耗材",
        Decimal(15),
        (
            (
                "0401",
                "线缆",
                "m",
                13,
                18,
                ("动力电缆", "控制电缆", "屏蔽双绞线"),
                ("0.75mm²", "1.5mm²", "2.5mm²", "4mm²", "6mm²"),
            ),
            (
                "0402",
                "连接器",
                "pcs",
                13,
                45,
                ("航空插头", "端子台", "接线端子"),
                ("4芯", "8芯", "12芯", "24芯", "36芯"),
            ),
            (
                "0403",
                "耗材",
                "box",
                13,
                120,
                ("标签色带", "打印标签", "清洁套件"),
                ("小号", "中号", "大号", "工业级", "加厚"),
            ),
        ),
    ),
)
# Price lists: name, customer level code, discount off the standard price (%), and the
# further discount from 10 units up.
LEVEL_LISTS = (
    ("S 级战略客户价格表", "s", Decimal(12), Decimal(3)),
    ("A 级重要客户价格表", "a", Decimal(8), Decimal(2)),
)
CUSTOMER_LIST = "战略客户专属价格表"
CUSTOMER_DISCOUNT = Decimal(15)


def load(demo: DemoContext) -> None:
    """The categories and products, then the price lists over them."""
    if Product.all_objects.exists():
        return
    products = _catalogue(demo)
    _price_lists(demo, products)


def _catalogue(demo: DemoContext) -> list[Product]:
    admin, products = demo.admin, []
    units = {i.code: i for i in DictionaryItem.objects.filter(dictionary__code="product_unit")}
    for code, name, limit, children in CATALOGUE:
        top = save(ProductCategory(name=name, code=code, discount_limit=limit), actor=admin)
        demo.created("product categories")
        for child_code, child_name, unit, tax, base, names, specs in children:
            category = save(
                ProductCategory(name=child_name, code=child_code, parent=top), actor=admin
            )
            demo.created("product categories")
            for n, product_name in enumerate(names):
                for s, spec in enumerate(specs):
                    standard = _price(Decimal(base) * (1 + Decimal(n) / 2) * (1 + Decimal(s)))
                    product = Product(
                        code=f"{child_code}{n + 1}{s + 1:02d}",
                        name=product_name,
                        specification=spec,
                        category=category,
                        unit=units.get(unit),
                        standard_price=standard,
                        floor_price=_price(standard * Decimal("0.8")),
                        tax_rate=Decimal(tax),
                    )
                    products.append(save(product, actor=admin))
                    demo.created("products")
    return products


def _price_lists(demo: DemoContext, products: list[Product]) -> None:
    """Level price lists over the whole catalogue, and one for a strategic customer over
    its software and services; valid this year."""
    admin, today = demo.admin, timezone.localdate()
    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    levels = {i.code: i for i in DictionaryItem.objects.filter(dictionary__code="customer_level")}
    for name, level, discount, bulk in LEVEL_LISTS:
        lines = []
        for product in products:
            price = product.standard_price * (100 - discount) / 100
            lines.append({"product": product.pk, "min_quantity": 1, "unit_price": _price(price)})
            bulk_price = price * (100 - bulk) / 100
            lines.append(
                {"product": product.pk, "min_quantity": 10, "unit_price": _price(bulk_price)}
            )
        price_list = PriceList(
            name=name, customer_level=levels.get(level), valid_from=start, valid_to=end
        )
        save(price_list, actor=admin, lines=lines)
        demo.created("price lists")
    customer_model = registry.get("customer").model
    customer = customer_model.objects.filter(level__code="s").order_by("pk").first()
    if customer is None:
        return
    services = [p for p in products if p.code.startswith("03")]
    lines = [
        {
            "product": p.pk,
            "min_quantity": 1,
            "unit_price": _price(p.standard_price * (100 - CUSTOMER_DISCOUNT) / 100),
        }
        for p in services
    ]
    save(
        PriceList(name=CUSTOMER_LIST, customer=customer, valid_from=start, valid_to=end),
        actor=admin,
        lines=lines,
    )
    demo.created("price lists")


def _price(amount: Decimal) -> Decimal:
    """A price rounded to the fen."""
    return round_line(Money(amount)).amount
