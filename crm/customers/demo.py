"""The demo company's customers and contacts (金蝶软件, phone 0755-86072000, owned by
sales1, comes first; tests and documentation rely on it), their custom fields and numbering
rules: a step of `crm demo`, written through the services and creating only what is
missing."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from pypinyin import lazy_pinyin

from crm.core.contributions import DemoContext
from crm.core.services import save
from crm.customers.models import Contact, Customer, CustomerStatus, CustomerType, Gender
from crm.customization.models import (
    CustomField,
    DatePart,
    DictionaryItem,
    FieldType,
    NumberingRule,
    ResetPeriod,
)
from crm.customization.services import save_custom_field, save_numbering_rule
from crm.names import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    MOBILE_PREFIXES,
    ROADS,
    SURNAMES,
    TAGS,
    TITLES,
)

SEED = 2026
CUSTOMER_COUNT = 300

# city, province, districts, telephone area code, sales region code
CITIES = [
    ("深圳", "广东省", ["南山区", "福田区", "龙岗区", "宝安区"], "0755", "south"),
    ("广州", "广东省", ["天河区", "越秀区", "海珠区", "番禺区"], "020", "south"),
    ("东莞", "广东省", ["南城街道", "松山湖", "长安镇"], "0769", "south"),
    ("佛山", "广东省", ["禅城区", "南海区", "顺德区"], "0757", "south"),
    ("厦门", "福建省", ["思明区", "湖里区"], "0592", "south"),
    ("上海", "上海市", ["浦东新区", "闵行区", "徐汇区", "嘉定区"], "021", "east"),
    ("苏州", "江苏省", ["工业园区", "吴中区", "昆山市"], "0512", "east"),
    ("南京", "江苏省", ["江宁区", "鼓楼区", "建邺区"], "025", "east"),
    ("杭州", "浙江省", ["西湖区", "滨江区", "余杭区"], "0571", "east"),
    ("宁波", "浙江省", ["鄞州区", "北仑区", "慈溪市"], "0574", "east"),
    ("青岛", "山东省", ["黄岛区", "崂山区"], "0532", "east"),
    ("合肥", "安徽省", ["蜀山区", "包河区"], "0551", "east"),
    ("北京", "北京市", ["海淀区", "朝阳区", "大兴区"], "010", "north"),
    ("天津", "天津市", ["滨海新区", "西青区"], "022", "north"),
    ("武汉", "湖北省", ["洪山区", "江夏区", "东西湖区"], "027", "central"),
    ("长沙", "湖南省", ["岳麓区", "雨花区"], "0731", "central"),
    ("郑州", "河南省", ["金水区", "管城回族区"], "0371", "central"),
    ("成都", "四川省", ["高新区", "武侯区", "双流区"], "028", "southwest"),
    ("重庆", "重庆市", ["渝北区", "九龙坡区", "江北区"], "023", "southwest"),
    ("西安", "陕西省", ["雁塔区", "未央区"], "029", "northwest"),
]

BRANDS = [
    "华星", "宏达", "鼎盛", "瑞丰", "恒通", "金桥", "天宇", "远航", "博远", "卓越",
    "新锐", "中科", "海纳", "明辉", "致远", "启明", "嘉禾", "永信", "安泰", "盛世",
    "华瑞", "同创", "精工", "凯达", "星辰", "联创", "德鑫", "国盛", "润泽", "信达",
    "伟业", "光华", "鸿运", "众邦", "锦程", "东升", "汇通", "迅捷", "万象", "通达",
]  # fmt: skip

# name part, industry dictionary code, main products
BUSINESSES = [
    ("电子科技", "manufacturing", "电子元器件、PCB组件"),
    ("精密机械", "manufacturing", "数控机床配件、精密模具"),
    ("智能装备", "manufacturing", "自动化产线、工业机器人"),
    ("新材料", "manufacturing", "高分子材料、复合材料"),
    ("包装材料", "manufacturing", "纸箱、塑料包装"),
    ("五金制品", "manufacturing", "紧固件、五金配件"),
    ("汽车零部件", "manufacturing", "制动系统、汽车线束"),
    ("医疗器械", "healthcare", "监护仪、一次性耗材"),
    ("食品", "manufacturing", "烘焙食品、饮料"),
    ("服饰", "wholesale_retail", "职业装、运动服饰"),
    ("化工", "manufacturing", "涂料、胶粘剂"),
    ("环保科技", "energy", "污水处理设备、除尘设备"),
    ("物流", "transport_logistics", "仓储、城市配送"),
    ("商贸", "wholesale_retail", "办公用品、劳保用品"),
    ("建材", "construction", "瓷砖、防水材料"),
    ("家具", "manufacturing", "办公家具、实木家具"),
    ("光电", "manufacturing", "LED照明、光学镜头"),
    ("信息技术", "software_it", "系统集成、IT运维服务"),
    ("软件", "software_it", "行业软件、SaaS服务"),
    ("新能源", "energy", "光伏组件、储能电池"),
]

STATUS_WEIGHTS = [
    (CustomerStatus.POTENTIAL, 35), (CustomerStatus.INTENTIONAL, 30),
    (CustomerStatus.FORMAL, 30), (CustomerStatus.RELATED, 5),
]  # fmt: skip
TYPE_WEIGHTS = [
    (CustomerType.END, 70), (CustomerType.INTERMEDIATE, 22), (CustomerType.PUBLIC, 8),
]  # fmt: skip
OWNERS = ["sales1", "sales1", "sales2", "sales2", "sales3", "sales3", "manager", "manager2"]


@dataclass
class ContactSpec:
    name: str
    gender: str
    title: str
    department: str
    role_code: str
    mobile: str
    email: str
    wechat: str
    birthday: datetime.date | None
    is_primary: bool


@dataclass
class CustomerSpec:
    name: str
    owner: str
    customer_type: str
    status: str
    industry_code: str
    region_code: str
    province: str
    city: str
    district: str
    address: str
    phone: str
    email: str
    website: str
    tags: str
    annual_purchase: str | None
    main_products: str
    contacts: list[ContactSpec] = field(default_factory=list)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text))


def _contact(rng: random.Random, domain: str, is_primary: bool) -> ContactSpec:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    given = rng.choice(MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN)
    name = rng.choice(SURNAMES) + given
    title, department, role = TITLES[0] if is_primary and rng.random() < 0.5 else rng.choice(TITLES)
    login = _pinyin(given) + "." + _pinyin(name[0])
    birthday = None
    if rng.random() < 0.5:
        birthday = datetime.date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
    return ContactSpec(
        name=name,
        gender=gender,
        title=title,
        department=department,
        role_code=role,
        mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
        email=f"{login}@{domain}",
        wechat=f"wx_{_pinyin(name)}{rng.randint(10, 99)}" if rng.random() < 0.6 else "",
        birthday=birthday,
        is_primary=is_primary,
    )


def _contacts(rng: random.Random, domain: str) -> list[ContactSpec]:
    count = rng.choice([1, 2, 2, 3, 3, 3, 4, 4])
    return [_contact(rng, domain, i == 0) for i in range(count)]


def _landline(rng: random.Random, area: str) -> str:
    return f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"


def customer_specs() -> list[CustomerSpec]:
    """The demo customers, always the same ones in the same order."""
    rng = random.Random(SEED)
    specs = [
        CustomerSpec(
            name="金蝶软件",
            owner="sales1",
            customer_type=CustomerType.END,
            status=CustomerStatus.FORMAL,
            industry_code="software_it",
            region_code="south",
            province="广东省",
            city="深圳",
            district="南山区",
            address="南山区科技园",
            phone="0755-86072000",
            email="",
            website="",
            tags="重点客户,战略合作",
            annual_purchase="2800000.00",
            main_products="企业管理软件、云服务",
            contacts=_contacts(rng, "kingdee.example.cn"),
        )
    ]
    names = {specs[0].name}
    while len(specs) < CUSTOMER_COUNT:
        city, province, districts, area, region = rng.choice(CITIES)
        brand = rng.choice(BRANDS)
        business, industry, products = rng.choice(BUSINESSES)
        name = f"{city}{brand}{business}有限公司"
        if name in names:
            continue
        names.add(name)
        district = rng.choice(districts)
        domain = f"{_pinyin(brand)}{rng.randint(1, 99)}.example.cn"
        tags = ",".join(rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2])))
        specs.append(CustomerSpec(
            name=name,
            owner=rng.choice(OWNERS),
            customer_type=_weighted(rng, TYPE_WEIGHTS),
            status=_weighted(rng, STATUS_WEIGHTS),
            industry_code=industry,
            region_code=region,
            province=province,
            city=city,
            district=district,
            address=f"{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            phone=_landline(rng, area),
            email=f"info@{domain}" if rng.random() < 0.7 else "",
            website=f"https://www.{domain}" if rng.random() < 0.5 else "",
            tags=tags,
            annual_purchase=(f"{rng.randint(5, 5000) * 10000}.00" if rng.random() < 0.7
                             else None),
            main_products=products,
            contacts=_contacts(rng, domain),
        ))  # fmt: skip
    return specs


class _Dictionaries:
    """Dictionary items by dictionary code; tolerates a dictionary with no items."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.items: dict[str, list[DictionaryItem]] = {}
        for item in DictionaryItem.objects.filter(is_active=True).select_related("dictionary"):
            self.items.setdefault(item.dictionary.code, []).append(item)

    def pick(self, code: str) -> DictionaryItem | None:
        items = self.items.get(code)
        return self.rng.choice(items) if items else None

    def get(self, code: str, item_code: str) -> DictionaryItem | None:
        """The item with this code, else a random one of the dictionary."""
        for item in self.items.get(code, []):
            if item.code == item_code:
                return item
        return self.pick(code)


def _customization(admin, created) -> None:
    customer_type = ContentType.objects.get_for_model(Customer)
    contact_type = ContentType.objects.get_for_model(Contact)
    fields = [
        ("annual_purchase", "年采购额", "Annual purchase volume", FieldType.MONEY, 10),
        ("main_products", "主营产品", "Main products", FieldType.TEXT, 20),
    ]
    for name, label_zh, label_en, field_type, order in fields:
        if not CustomField.objects.filter(content_type=customer_type, name=name).exists():
            save_custom_field(
                CustomField(content_type=customer_type, name=name, label_zh=label_zh,
                            label_en=label_en, field_type=field_type, sort_order=order),
                actor=admin,
            )  # fmt: skip
            created("custom fields")
    rules = [
        (customer_type, "C", DatePart.YEAR, 5, ResetPeriod.YEARLY),
        (contact_type, "LXR", DatePart.NONE, 6, ResetPeriod.NEVER),
    ]
    for content_type, prefix, date_part, width, reset in rules:
        if not NumberingRule.objects.filter(content_type=content_type).exists():
            save_numbering_rule(
                NumberingRule(content_type=content_type, prefix=prefix, date_part=date_part,
                              width=width, reset=reset),
                actor=admin,
            )  # fmt: skip
            created("numbering rules")


def _customers(admin, users, created) -> None:
    rng = random.Random(SEED + 1)  # dictionary picks, apart from the specs' generator
    dictionaries = _Dictionaries(rng)
    existing = dict(Customer.all_objects.values_list("name", "pk"))
    existing_contacts = set(Contact.all_objects.values_list("customer_id", "name"))
    for spec in customer_specs():
        category = dictionaries.pick("customer_category")
        level = dictionaries.pick("customer_level")
        source = dictionaries.pick("customer_source")
        customer_id = existing.get(spec.name)
        if customer_id is None:
            customer = Customer(
                name=spec.name, owner=users[spec.owner], customer_type=spec.customer_type,
                status=spec.status, category=category, level=level,
                industry=dictionaries.get("industry", spec.industry_code),
                region=dictionaries.get("region", spec.region_code), source=source,
                province=spec.province, city=spec.city, district=spec.district,
                address=spec.address, phone=spec.phone, email=spec.email,
                website=spec.website, tags=spec.tags,
                custom_field_data={"annual_purchase": spec.annual_purchase,
                                   "main_products": spec.main_products},
            )  # fmt: skip
            save(customer, actor=admin)
            customer_id = customer.pk
            created("customers")
        for contact_spec in spec.contacts:
            role = dictionaries.get("contact_role", contact_spec.role_code)
            if (customer_id, contact_spec.name) in existing_contacts:
                continue
            existing_contacts.add((customer_id, contact_spec.name))
            contact = Contact(
                customer_id=customer_id, owner=users[spec.owner], name=contact_spec.name,
                gender=contact_spec.gender, title=contact_spec.title,
                department=contact_spec.department, role=role, mobile=contact_spec.mobile,
                email=contact_spec.email, wechat=contact_spec.wechat,
                birthday=contact_spec.birthday, is_primary=contact_spec.is_primary,
            )  # fmt: skip
            save(contact, actor=admin)
            created("contacts")


def load(demo: DemoContext) -> None:
    """Custom fields and numbering of customers and contacts, then the customers."""
    _customization(demo.admin, demo.created)
    _customers(demo.admin, demo.users, demo.created)
