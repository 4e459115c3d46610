"""Bench data of customers and contacts (`crm.core.contributions.BenchData`): the bench's
generator (`bench/generate.py`) writes these rows straight into the tables, and the import
operations (I1, I2) read the spreadsheet `write_import_file` makes.

Deterministic: the rows draw from the generator's seeded `ctx.rng` in a fixed order, and
company names are composed of known words, so their pinyin comes from `ctx.pinyin` per part.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crm.names import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    MOBILE_PREFIXES,
    ROADS,
    SURNAMES,
    TAGS,
    TITLES,
)

# Customers per scale; each has three contacts.
CUSTOMERS = {"S": 10_000, "M": 100_000, "L": 1_000_000}
CONTACTS_PER_CUSTOMER = 3
# The generated import spreadsheet's own seed (the rows' generator has another).
IMPORT_SEED = 20261

CITIES = [
    # city, province, districts, area code, sales region code
    ("深圳", "广东省", ["南山区", "福田区", "龙岗区", "宝安区"], "0755", "south"),
    ("广州", "广东省", ["天河区", "越秀区", "海珠区", "番禺区"], "020", "south"),
    ("东莞", "广东省", ["南城街道", "松山湖", "长安镇"], "0769", "south"),
    ("佛山", "广东省", ["禅城区", "南海区", "顺德区"], "0757", "south"),
    ("厦门", "福建省", ["思明区", "湖里区"], "0592", "south"),
    ("福州", "福建省", ["鼓楼区", "仓山区"], "0591", "south"),
    ("上海", "上海市", ["浦东新区", "闵行区", "徐汇区", "嘉定区"], "021", "east"),
    ("苏州", "江苏省", ["工业园区", "吴中区", "昆山市"], "0512", "east"),
    ("南京", "江苏省", ["江宁区", "鼓楼区", "建邺区"], "025", "east"),
    ("无锡", "江苏省", ["新吴区", "滨湖区"], "0510", "east"),
    ("杭州", "浙江省", ["西湖区", "滨江区", "余杭区"], "0571", "east"),
    ("宁波", "浙江省", ["鄞州区", "北仑区", "慈溪市"], "0574", "east"),
    ("温州", "浙江省", ["鹿城区", "瑞安市"], "0577", "east"),
    ("青岛", "山东省", ["黄岛区", "崂山区"], "0532", "east"),
    ("济南", "山东省", ["历下区", "高新区"], "0531", "east"),
    ("合肥", "安徽省", ["蜀山区", "包河区"], "0551", "east"),
    ("北京", "北京市", ["海淀区", "朝阳区", "大兴区"], "010", "north"),
    ("天津", "天津市", ["滨海新区", "西青区"], "022", "north"),
    ("石家庄", "河北省", ["长安区", "裕华区"], "0311", "north"),
    ("武汉", "湖北省", ["洪山区", "江夏区", "东西湖区"], "027", "central"),
    ("长沙", "湖南省", ["岳麓区", "雨花区"], "0731", "central"),
    ("郑州", "河南省", ["金水区", "管城回族区"], "0371", "central"),
    ("成都", "四川省", ["高新区", "武侯区", "双流区"], "028", "southwest"),
    ("重庆", "重庆市", ["渝北区", "九龙坡区", "江北区"], "023", "southwest"),
    ("昆明", "云南省", ["五华区", "官渡区"], "0871", "southwest"),
    ("西安", "陕西省", ["雁塔区", "未央区"], "029", "northwest"),
    ("兰州", "甘肃省", ["城关区", "七里河区"], "0931", "northwest"),
    ("沈阳", "辽宁省", ["和平区", "浑南区"], "024", "northeast"),
    ("大连", "辽宁省", ["甘井子区", "金州区"], "0411", "northeast"),
    ("哈尔滨", "黑龙江省", ["南岗区", "道里区"], "0451", "northeast"),
]

# Brands are two characters drawn from this pool (蝶 is left out: only the anchors have 金蝶).
BRAND_CHARS = (
    "华星宏达鼎盛瑞丰恒通金桥天宇远航博卓越新锐中科海纳明辉致启嘉禾永信安泰世同创精工"
    "凯辰联德鑫国润泽伟业光鸿运众邦锦程东升汇迅捷万象腾飞龙凤祥和顺利兴旺隆昌富荣成展"
    "诚立正方圆青松柏云峰川江河湖山林森源泉晶亮煌佳美优尚品智慧聚力合众道远志宝"
)

BUSINESSES = [
    # name part, industry dictionary code
    ("电子科技", "manufacturing"),
    ("精密机械", "manufacturing"),
    ("智能装备", "manufacturing"),
    ("新材料", "manufacturing"),
    ("包装材料", "manufacturing"),
    ("五金制品", "manufacturing"),
    ("汽车零部件", "manufacturing"),
    ("医疗器械", "healthcare"),
    ("食品", "manufacturing"),
    ("服饰", "wholesale_retail"),
    ("化工", "manufacturing"),
    ("环保科技", "energy"),
    ("物流", "transport_logistics"),
    ("商贸", "wholesale_retail"),
    ("建材", "construction"),
    ("家具", "manufacturing"),
    ("光电", "manufacturing"),
    ("信息技术", "software_it"),
    ("软件", "software_it"),
    ("新能源", "energy"),
    ("建筑工程", "construction"),
    ("供应链管理", "transport_logistics"),
    ("农业科技", "agriculture"),
    ("餐饮管理", "hospitality"),
    ("教育科技", "education"),
    ("融资租赁", "finance"),
    ("置业", "real_estate"),
    ("仪器仪表", "manufacturing"),
    ("纺织", "manufacturing"),
    ("生物科技", "healthcare"),
]
SUFFIXES = [("有限公司", 70), ("股份有限公司", 15), ("集团有限公司", 5), ("有限责任公司", 10)]

# Known customers every scale has, owned by the bench salesperson (search targets).
ANCHORS = [
    (["金蝶", "软件"], "深圳", "0755-86072000", "software_it"),
    (["深圳", "金蝶", "软件", "科技", "有限公司"], "深圳", "0755-86072001", "software_it"),
    (["金蝶", "国际", "软件", "集团有限公司"], "深圳", "0755-86072002", "software_it"),
]


STATUSES = [("potential", 35), ("intentional", 30), ("formal", 30), ("related", 5)]
CUSTOMER_TYPES = [("end", 70), ("intermediate", 22), ("public", 8)]
LEVEL_WEIGHTS = [("s", 2), ("a", 8), ("b", 20), ("c", 35), ("d", 25), ("dormant", 10)]

# Custom fields of customers: key, zh label, en label, type.
CUSTOM_FIELDS = [
    ("scale", "企业规模", "Company size", "choice"),
    ("annual_revenue", "年营业额", "Annual revenue", "money"),
    ("employees", "员工人数", "Employees", "integer"),
    ("erp_code", "ERP编码", "ERP code", "text"),
    ("first_deal", "首次成交日期", "First deal", "date"),
    ("key_account", "重点客户", "Key account", "boolean"),
]
SCALE_DICTIONARY = (
    "company_scale",
    "企业规模",
    "Company size",
    [
        ("micro", "微型", "Micro"),
        ("small", "小型", "Small"),
        ("medium", "中型", "Medium"),
        ("large", "大型", "Large"),
        ("giant", "特大型", "Very large"),
    ],
)
SOFT_DELETED = 0.05


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = (
        "91"
        + f"{rng.randrange(110000, 659999):06d}"
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + uscc.calc_check_digit(body)


def customer_rows(ctx) -> Iterator[dict]:
    rng, pinyin, items = ctx.rng, ctx.pinyin, ctx.items
    cities = {c[0]: c for c in CITIES}
    brand_chars = list(dict.fromkeys(BRAND_CHARS))
    suffixes = [s for s, _ in SUFFIXES]
    suffix_weights = [w for _, w in SUFFIXES]
    scale_codes = [c for c, _, _ in SCALE_DICTIONARY[3]]
    for pk in range(1, ctx.count("customer") + 1):
        anchor = ANCHORS[pk - 1] if pk <= len(ANCHORS) else None
        if anchor:
            parts, city_name, phone, industry = anchor
            city = cities[city_name]
            owner = ctx.sales_id
        else:
            city = rng.choice(CITIES)
            business, industry = rng.choice(BUSINESSES)
            brand = rng.choice(brand_chars) + rng.choice(brand_chars)
            suffix = rng.choices(suffixes, weights=suffix_weights)[0]
            parts = [city[0], brand, business, suffix] if rng.random() < 0.8 else [brand, business]
            if len(parts) == 2:
                parts.append(suffix)
            phone = f"{city[3]}-{rng.randrange(20000000, 89999999)}"
            owner = ctx.owner()
        name, mnemonic = pinyin.name(parts)
        created = ctx.epoch - datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        updated = ctx.moment(created)
        deleted = None if anchor or rng.random() >= SOFT_DELETED else ctx.moment(updated)
        custom: dict[str, Any] = {}
        if rng.random() < 0.7:
            custom = {
                "scale": rng.choice(scale_codes),
                "annual_revenue": f"{rng.randrange(10_000, 500_000_000) / 100:.2f}",
                "employees": rng.randrange(5, 20_000),
                "erp_code": f"ERP{pk:08d}",
                "first_deal": (created + datetime.timedelta(days=rng.randrange(400)))
                .date()
                .isoformat(),
                "key_account": rng.random() < 0.1,
            }
        tags = ",".join(rng.sample(TAGS, rng.choice((0, 0, 1, 2))))
        yield {
            "id": pk,
            "version": 1,
            "created_at": created,
            "updated_at": updated,
            "created_by_id": owner,
            "updated_by_id": owner,
            "number": f"KH{pk:07d}",
            "owner_id": owner,
            "deleted_at": deleted,
            "deleted_by_id": owner if deleted else None,
            "custom_field_data": custom,
            "name": name,
            "mnemonic_code": mnemonic[:60],
            "customer_type": weighted(rng, CUSTOMER_TYPES),
            "status": weighted(rng, STATUSES),
            "category_id": items["customer_category"][
                rng.choice(("end_customer", "end_customer", "distributor", "agent", "partner"))
            ],
            "level_id": items["customer_level"][weighted(rng, LEVEL_WEIGHTS)],
            "industry_id": items["industry"][industry],
            "region_id": items["region"][city[4]],
            "source_id": rng.choice(list(items["customer_source"].values())),
            "province": city[1],
            "city": city[0],
            "district": rng.choice(city[2]),
            "address": f"{rng.choice(city[2])}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            "credit_code": _credit_code(rng) if rng.random() < 0.6 else "",
            "phone": phone,
            "email": f"sales{pk}@{''.join(pinyin.syllables(parts[-3 if len(parts) > 2 else 0]))}.com.cn",  # noqa: E501
            "website": "",
            "tags": tags,
            "notes": "",
            "parent_id": None,
        }


def contact_rows(ctx) -> Iterator[dict]:
    rng, pinyin = ctx.rng, ctx.pinyin
    customers = ctx.loaded["customer"]
    per = CONTACTS_PER_CUSTOMER
    roles = ctx.items["contact_role"]
    pk = 0
    for customer_id in range(1, ctx.count("customer") + 1):
        customer = customers[customer_id]
        for k in range(per):
            pk += 1
            female = rng.random() < 0.45
            surname = rng.choice(SURNAMES)
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            name, mnemonic = pinyin.name([surname, given])
            title, department, role = rng.choice(TITLES)
            created = customer["created_at"] + datetime.timedelta(days=rng.randrange(60))
            created = min(created, ctx.epoch)
            updated = ctx.moment(created)
            deleted = None if rng.random() >= SOFT_DELETED else ctx.moment(updated)
            mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            email = f"{''.join(pinyin.syllables(given))}.{''.join(pinyin.syllables(surname))}"
            yield {
                "id": pk,
                "version": 1,
                "created_at": created,
                "updated_at": updated,
                "created_by_id": customer["owner_id"],
                "updated_by_id": customer["owner_id"],
                "number": "",
                "owner_id": customer["owner_id"],
                "deleted_at": deleted,
                "deleted_by_id": customer["owner_id"] if deleted else None,
                "custom_field_data": {},
                "customer_id": customer_id,
                "name": name,
                "mnemonic_code": mnemonic,
                "gender": "female" if female else "male",
                "title": title,
                "department": department,
                "role_id": roles[role],
                "mobile": mobile,
                "phone": "",
                "email": f"{email}{pk}@example.cn" if rng.random() < 0.7 else "",
                "wechat": f"wx_{mobile[-6:]}" if rng.random() < 0.4 else "",
                "birthday": None,
                "is_primary": k == 0,
                "notes": "",
            }


def setup(ctx) -> None:
    """The company-size dictionary, the custom fields of customers and their numbering rule
    (the sequence continues after the generated numbers)."""
    from django.contrib.contenttypes.models import ContentType

    from crm.customers.models import Customer
    from crm.customization.models import (
        CustomField,
        Dictionary,
        DictionaryItem,
        NumberingRule,
        NumberSequence,
    )

    code, zh, en, entries = SCALE_DICTIONARY
    dictionary = Dictionary.objects.create(code=code, name_zh=zh, name_en=en, version=1)
    DictionaryItem.objects.bulk_create(
        DictionaryItem(
            dictionary=dictionary, code=c, label_zh=z, label_en=e, sort_order=i, version=1
        )
        for i, (c, z, e) in enumerate(entries, start=1)
    )
    customer_type = ContentType.objects.get_for_model(Customer)
    for order, (name, label_zh, label_en, kind) in enumerate(CUSTOM_FIELDS, start=1):
        CustomField.objects.create(
            content_type=customer_type,
            name=name,
            label_zh=label_zh,
            label_en=label_en,
            field_type=kind,
            dictionary=dictionary if kind == "choice" else None,
            sort_order=order,
            show_in_list=kind in ("choice", "money"),
            version=1,
        )
    rule = NumberingRule.objects.create(content_type=customer_type, prefix="KH", width=7, version=1)
    NumberSequence.objects.create(rule=rule, period="", last_value=ctx.count("customer"))


def collaborators(ctx) -> dict[str, int]:
    """1 % of customers get a collaborator (so the access rule's subquery has rows)."""
    from django.contrib.contenttypes.models import ContentType

    from crm.core.models import Collaborator
    from crm.customers.models import Customer

    customer_type_id = ContentType.objects.get_for_model(Customer).pk
    rows = [
        Collaborator(
            content_type_id=customer_type_id, object_id=pk, user_id=ctx.rng.choice(ctx.owner_ids)
        )
        for pk in range(len(ANCHORS) + 1, ctx.count("customer") + 1, 100)
    ]
    Collaborator.objects.bulk_create(rows, ignore_conflicts=True)
    return {"collaborator": len(rows)}


def import_rows(count: int, seed: int = IMPORT_SEED) -> Iterator[list[str]]:
    """A spreadsheet of `count` new customers as a company brings them from its old system:
    Chinese headers, labels instead of codes, owners by username, numbers IM0000001 ..."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from crm.customers.models import CustomerStatus, CustomerType
    from crm.customization.models import DictionaryItem

    rng = random.Random(seed)
    labels = {
        code: dict(
            DictionaryItem.objects.filter(dictionary__code=code).values_list("code", "label_zh")
        )
        for code in ("customer_level", "industry", "region", SCALE_DICTIONARY[0])
    }
    owners = list(
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .values_list("username", flat=True)
    )
    with translation.override("zh-hans"):
        statuses = [(str(CustomerStatus(c).label), w) for c, w in STATUSES]
        types = [(str(CustomerType(c).label), w) for c, w in CUSTOMER_TYPES]
    brand_chars = list(dict.fromkeys(BRAND_CHARS))
    yield [
        "客户名称", "编号", "客户类型", "状态", "等级", "行业", "销售区域", "省份", "城市",
        "区县", "地址", "统一社会信用代码", "电话", "邮箱", "标签", "负责人", "企业规模",
        "年营业额", "员工人数", "ERP编码", "首次成交日期", "重点客户",
    ]  # fmt: skip
    for n in range(1, count + 1):
        city = rng.choice(CITIES)
        business, industry = rng.choice(BUSINESSES)
        brand = rng.choice(brand_chars) + rng.choice(brand_chars)
        suffix = weighted(rng, SUFFIXES)
        yield [
            f"{city[0]}{brand}{business}{suffix}",
            f"IM{n:07d}",
            weighted(rng, types),
            weighted(rng, statuses),
            labels["customer_level"].get(weighted(rng, LEVEL_WEIGHTS), ""),
            labels["industry"].get(industry, ""),
            labels["region"].get(city[4], ""),
            city[1],
            city[0],
            rng.choice(city[2]),
            f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            _credit_code(rng) if rng.random() < 0.6 else "",
            f"{city[3]}-{rng.randrange(20000000, 89999999)}",
            f"info{n}@example.cn" if rng.random() < 0.5 else "",
            ",".join(rng.sample(TAGS, rng.choice((0, 1, 2)))),
            rng.choice(owners),
            labels[SCALE_DICTIONARY[0]].get(rng.choice(SCALE_DICTIONARY[3])[0], ""),
            f"{rng.randrange(10_000, 500_000_000) / 100:.2f}",
            str(rng.randrange(5, 20_000)),
            f"ERPI{n:08d}",
            f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            rng.choice(("是", "否", "否", "否")),
        ]


def write_import_file(path: Path, count: int) -> None:
    """The import spreadsheet as CSV (UTF-8 with BOM, as Excel saves it) or .xlsx."""
    import csv

    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in import_rows(count):
            sheet.append(row)
        workbook.save(path)
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(import_rows(count))
