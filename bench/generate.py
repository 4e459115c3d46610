"""Deterministic bench data, written straight into the tables `crm migrate` created.

One seeded random generator, so a scale always yields the same rows. PostgreSQL is loaded
with COPY (foreign-key triggers off, secondary indexes dropped and rebuilt), SQLite with
executemany in large transactions; both end with ANALYZE. Search entries are built by the
platform's own `crm.core.search.tokens_for`, with pinyin taken from a per-part cache
(company names are composed of known words, so their pinyin is the concatenation of the
words' pinyin). Change-log rows are not written for generated data.

A new object type is added in one place: `TYPES` at the bottom of this file (a row
function and a count per scale). Types whose model does not exist yet are skipped.

    python -m bench.generate --scale S        (Django configured by the environment)
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
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

SEED = 20260
UTC = datetime.UTC
# Generated timestamps end here, so every run of a scale writes the same rows.
EPOCH = datetime.datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
PASSWORD = "bench-password-2026"


@dataclass(frozen=True)
class Scale:
    customers: int
    owners: int
    contacts_per_customer: int = 3
    opportunities: int = 0
    activities: int = 0


SCALES = {
    "S": Scale(customers=10_000, owners=50, opportunities=10_000, activities=100_000),
    "M": Scale(customers=100_000, owners=200, opportunities=100_000, activities=1_000_000),
    "L": Scale(customers=1_000_000, owners=1_024, opportunities=1_000_000, activities=10_000_000),
}

# ------------------------------------------------------------------------- vocabulary

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


# ------------------------------------------------------------------- pinyin per part


class PinyinCache:
    """Pinyin and initials of name parts, computed once per part with crm.core.text."""

    def __init__(self):
        from crm.core import text

        self.text = text
        self._syllables: dict[str, tuple[str, ...]] = {}
        self._initials: dict[str, str] = {}
        # Full names whose pinyin is known from their parts, for the current row only.
        self.hints: dict[str, tuple[str, ...]] = {}

    def syllables(self, part: str) -> tuple[str, ...]:
        found = self._syllables.get(part)
        if found is None:
            found = self._syllables[part] = tuple(self.text.pinyin_syllables(part))
        return found

    def initials(self, part: str) -> str:
        found = self._initials.get(part)
        if found is None:
            found = self._initials[part] = self.text.mnemonic(part)
        return found

    def name(self, parts: list[str]) -> tuple[str, str]:
        """The name made of `parts`, and its mnemonic code; its pinyin becomes a hint."""
        name = "".join(parts)
        self.hints[name] = tuple(s for p in parts for s in self.syllables(p))
        return name, "".join(self.initials(p) for p in parts)

    def patched(self):
        """Make crm.core.text read the hints first (restored by the returned callable)."""
        original = self.text._syllables
        hints = self.hints

        def syllables(run: str) -> tuple[str, ...]:
            found = hints.get(run)
            return found if found is not None else original(run)

        self.text._syllables = syllables

        def restore() -> None:
            self.text._syllables = original

        return restore


# -------------------------------------------------------------------------- context


@dataclass
class Context:
    """What row functions share: the random generator, ids of setup rows, the owners."""

    scale: Scale
    rng: random.Random
    pinyin: PinyinCache
    items: dict[str, dict[str, int]]  # dictionary code -> item code -> id
    owner_ids: list[int]
    owner_cum_weights: list[float]
    sales_id: int
    admin_id: int
    loaded: dict[str, dict[int, Any]] = field(default_factory=dict)  # type key -> id -> row

    def owner(self) -> int:
        return self.rng.choices(self.owner_ids, cum_weights=self.owner_cum_weights)[0]

    def moment(self, start: datetime.datetime) -> datetime.datetime:
        """A time between `start` and the epoch, skewed towards recent."""
        span = (EPOCH - start).total_seconds()
        return start + datetime.timedelta(seconds=span * (1 - self.rng.random() ** 2))


def owner_weights(count: int) -> list[float]:
    """Skewed ownership: a few owners hold 5 % of the rows each, the rest a Zipf tail."""
    heavy = max(1, min(3, count // 10))
    tail = [1 / (k + 10) for k in range(count - heavy)]
    rest = 1 - 0.05 * heavy
    total = sum(tail) or 1
    return [0.05] * heavy + [w * rest / total for w in tail]


# ---------------------------------------------------------------------- row functions


def _credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = (
        "91"
        + f"{rng.randrange(110000, 659999):06d}"
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + uscc.calc_check_digit(body)


def customer_rows(ctx: Context) -> Iterator[dict]:
    rng, pinyin, items = ctx.rng, ctx.pinyin, ctx.items
    cities = {c[0]: c for c in CITIES}
    brand_chars = list(dict.fromkeys(BRAND_CHARS))
    suffixes = [s for s, _ in SUFFIXES]
    suffix_weights = [w for _, w in SUFFIXES]
    scale_codes = [c for c, _, _ in SCALE_DICTIONARY[3]]
    for pk in range(1, ctx.scale.customers + 1):
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
        created = EPOCH - datetime.timedelta(seconds=rng.randrange(3 * 365 * 86400))
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


def contact_rows(ctx: Context) -> Iterator[dict]:
    rng, pinyin = ctx.rng, ctx.pinyin
    customers = ctx.loaded["customer"]
    per = ctx.scale.contacts_per_customer
    roles = ctx.items["contact_role"]
    pk = 0
    for customer_id in range(1, ctx.scale.customers + 1):
        customer = customers[customer_id]
        for k in range(per):
            pk += 1
            female = rng.random() < 0.45
            surname = rng.choice(SURNAMES)
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            name, mnemonic = pinyin.name([surname, given])
            title, department, role = rng.choice(TITLES)
            created = customer["created_at"] + datetime.timedelta(days=rng.randrange(60))
            created = min(created, EPOCH)
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


@dataclass(frozen=True)
class TypeSpec:
    """One generated object type: its model, its rows, how many at a scale."""

    key: str  # registry key and model name
    model: str  # "app_label.ModelName"
    count: Callable[[Scale], int]
    rows: Callable[[Context], Iterator[dict]] | None
    keep: tuple[str, ...] = ()  # columns later types read back (ctx.loaded[key][id])


# The one place to add a type: its row function, its count per scale, its model.
TYPES = [
    TypeSpec(
        "customer",
        "customers.Customer",
        lambda s: s.customers,
        customer_rows,
        keep=("owner_id", "created_at", "name"),
    ),
    TypeSpec(
        "contact",
        "customers.Contact",
        lambda s: s.customers * s.contacts_per_customer,
        contact_rows,
    ),
    TypeSpec("opportunity", "sales.Opportunity", lambda s: s.opportunities, None),
    TypeSpec("activity", "activities.Activity", lambda s: s.activities, None),
]


# --------------------------------------------------------------------------- writers


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


class Writer:
    """Writes row dicts into a model's table: every concrete column, defaults for the
    columns a row function does not know (so a new nullable or defaulted column does not
    break the generator)."""

    BATCH = 20_000

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor

    def columns(self, model, row: dict) -> list:
        fields = []
        for f in model._meta.concrete_fields:
            if f.primary_key and f.attname not in row:
                continue
            fields.append(f)
        return fields

    @staticmethod
    def _default(f) -> Any:
        """The field's default: "" for text that is not nullable, else None."""
        return f.get_default()

    def write(self, model, rows: Iterator[dict]) -> int:
        first = next(rows, None)
        if first is None:
            return 0
        fields = self.columns(model, first)
        names = [f.attname for f in fields]
        defaults = {f.attname: self._default(f) for f in fields}
        table = model._meta.db_table
        rows = itertools.chain([first], rows)
        if self.vendor == "postgresql":
            return self._copy(table, names, defaults, rows)
        return self._insert(table, names, defaults, rows)

    def _copy(self, table: str, names: list[str], defaults: dict, rows) -> int:
        raw = self.connection.connection
        cols = ", ".join(f'"{n}"' for n in names)
        count = 0
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            buffer: list[str] = []
            for row in rows:
                buffer.append("\t".join(_pg_text(row.get(n, defaults[n])) for n in names) + "\n")
                count += 1
                if len(buffer) >= self.BATCH:
                    copy.write("".join(buffer).encode())
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer).encode())
        return count

    def _insert(self, table: str, names: list[str], defaults: dict, rows) -> int:
        raw = self.connection.connection
        cols = ", ".join(f'"{n}"' for n in names)
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" for _ in names)})'
        count = 0
        batch: list[tuple] = []
        for row in rows:
            batch.append(tuple(_sqlite_value(row.get(n, defaults[n])) for n in names))
            count += 1
            if len(batch) >= self.BATCH:
                raw.executemany(sql, batch)
                batch.clear()
        if batch:
            raw.executemany(sql, batch)
        return count


# ---------------------------------------------------------------------------- setup


def _setup_rows(scale: Scale, rng: random.Random) -> dict:
    """Users (one admin, skewed owners), custom fields, numbering: few rows, via the ORM."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType

    from crm.core.models import Collaborator  # noqa: F401  (exists: the access rule reads it)
    from crm.customers.models import Customer
    from crm.customization.models import (
        CustomField,
        Dictionary,
        DictionaryItem,
        NumberingRule,
        NumberSequence,
    )
    from crm.org.models import User

    password = make_password(PASSWORD)
    admin = User.objects.create(
        username="admin",
        full_name="系统管理员",
        is_superuser=True,
        is_staff=True,
        password=password,
        language="zh-hans",
    )
    owners = [
        User(
            username=f"sales{n:04d}",
            full_name=rng.choice(SURNAMES) + rng.choice(MALE_GIVEN + FEMALE_GIVEN),
            password=password,
            language="zh-hans",
        )
        for n in range(1, scale.owners + 1)
    ]
    owners = User.objects.bulk_create(owners)
    if hasattr(User, "roles"):
        # Data scopes are in the app: salespeople hold the preset role (own records).
        from django.apps import apps

        role = apps.get_model("org", "Role").objects.filter(code="salesperson").first()
        if role is not None:
            through = User.roles.through
            through.objects.bulk_create([through(user_id=u.pk, role_id=role.pk) for u in owners])

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
    NumberSequence.objects.create(rule=rule, period="", last_value=scale.customers)

    items: dict[str, dict[str, int]] = {}
    for item in DictionaryItem.objects.values("dictionary__code", "code", "id"):
        items.setdefault(item["dictionary__code"], {})[item["code"]] = item["id"]
    return {"admin": admin, "owners": owners, "items": items}


def _collaborators(ctx: Context, customer_type_id: int) -> int:
    """1 % of customers get a collaborator (so the access rule's subquery has rows)."""
    from crm.core.models import Collaborator

    rows = [
        Collaborator(
            content_type_id=customer_type_id, object_id=pk, user_id=ctx.rng.choice(ctx.owner_ids)
        )
        for pk in range(len(ANCHORS) + 1, ctx.scale.customers + 1, 100)
    ]
    Collaborator.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ------------------------------------------------------------------ PostgreSQL tuning


def _pg_secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of indexes on `tables` that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [tables],
    )
    return list(cursor.fetchall())


# ------------------------------------------------------------------------------ main


@dataclass
class Result:
    scale: str
    counts: dict[str, int]
    skipped: dict[str, str]
    seconds: float
    sales_username: str
    admin_username: str


def _log(message: str) -> None:
    print(f"[generate] {message}", file=sys.stderr, flush=True)


def generate(scale_name: str) -> Result:
    """Fill the (freshly migrated, empty) database of the current settings."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from crm.core import registry
    from crm.core.models import SearchEntry
    from crm.core.search import tokens_for

    started = time.perf_counter()
    scale = SCALES[scale_name]
    rng = random.Random(SEED)
    setup = _setup_rows(scale, rng)
    owners = setup["owners"]
    weights = owner_weights(len(owners))
    ctx = Context(
        scale=scale,
        rng=rng,
        pinyin=PinyinCache(),
        items=setup["items"],
        owner_ids=[u.pk for u in owners],
        owner_cum_weights=list(itertools.accumulate(weights)),
        sales_id=owners[0].pk,
        admin_id=setup["admin"].pk,
    )
    writer = Writer(connection)
    counts: dict[str, int] = {"user": len(owners) + 1}
    skipped: dict[str, str] = {}

    plan = []
    for spec in TYPES:
        try:
            model = apps.get_model(spec.model)
        except LookupError:
            skipped[spec.key] = "model does not exist yet"
            continue
        if spec.rows is None:
            skipped[spec.key] = "no row function yet"
            continue
        plan.append((spec, model))

    tables = [m._meta.db_table for _, m in plan] + [SearchEntry._meta.db_table]
    indexes: list[tuple[str, str]] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # Generated rows are consistent: skip the per-row foreign-key triggers.
                cursor.execute("SET session_replication_role = replica")
            indexes = _pg_secondary_indexes(cursor, tables)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    else:
        connection.connection.execute("PRAGMA synchronous = OFF")

    restore = ctx.pinyin.patched()
    try:
        for spec, model in plan:
            t0 = time.perf_counter()
            object_type = registry.for_model(model)
            content_type_id = ContentType.objects.get_for_model(model).pk
            kept = ctx.loaded.setdefault(spec.key, {}) if spec.keep else None
            entries: list[dict] = []
            rows = _rows(ctx, spec, object_type, content_type_id, kept, entries, tokens_for)
            with _atomic(connection):
                counts[spec.key] = writer.write(model, rows)
                if entries:
                    counts[f"{spec.key} search entries"] = writer.write(SearchEntry, iter(entries))
            _log(f"{spec.key}: {counts[spec.key]:,} rows in {time.perf_counter() - t0:.1f} s")
        with _atomic(connection):
            customer_type = ContentType.objects.get_for_model(apps.get_model("customers.Customer"))
            counts["collaborator"] = _collaborators(ctx, customer_type.pk)
    finally:
        restore()

    _finish(connection, plan, tables, indexes)
    _verify_tokens(plan)
    for key, reason in skipped.items():
        _log(f"{key}: skipped ({reason})")
    seconds = time.perf_counter() - started
    _log(f"done in {seconds:.1f} s")
    return Result(
        scale=scale_name,
        counts=counts,
        skipped=skipped,
        seconds=seconds,
        sales_username=owners[0].username,
        admin_username=setup["admin"].username,
    )


def _rows(ctx, spec, object_type, content_type_id, kept, entries, tokens_for) -> Iterator[dict]:
    """The type's rows; on the way, keep what later types read and build search entries."""
    for row in spec.rows(ctx):
        if kept is not None:
            kept[row["id"]] = {k: row[k] for k in spec.keep}
        if object_type is not None and row.get("deleted_at") is None:
            entries.append(_search_row(ctx, object_type, content_type_id, row, tokens_for))
        ctx.pinyin.hints.clear()
        yield row


class _atomic:
    """One transaction around a bulk write (COPY or executemany)."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        from django.db import transaction

        self.block = transaction.atomic(using=self.connection.alias)
        self.block.__enter__()

    def __exit__(self, *exc):
        return self.block.__exit__(*exc)


def _search_row(ctx: Context, object_type, content_type_id: int, row: dict, tokens_for) -> dict:
    """The search entry of one generated row, with the platform's own token builder."""
    obj = SimpleNamespace(**row)
    spec = object_type.search
    for path in (spec.title, spec.subtitle, *spec.text, *spec.phones, *spec.emails):
        if "__" in path:
            relation = path.split("__", 1)[0]
            parent_key = object_type.model._meta.get_field(relation).related_model._meta.model_name
            parent = ctx.loaded.get(parent_key, {}).get(row.get(f"{relation}_id"))
            setattr(obj, relation, SimpleNamespace(**(parent or {})))
    return {
        "content_type_id": content_type_id,
        "object_id": row["id"],
        "owner_id": row.get("owner_id"),
        "title": _path(obj, spec.title)[:200],
        "subtitle": _path(obj, spec.subtitle)[:200] if spec.subtitle else "",
        "tokens": tokens_for(obj, object_type, content_type_id),
    }


def _verify_tokens(plan, sample: int = 300) -> None:
    """Compare a sample of generated search tokens with what the write path would store."""
    from django.contrib.contenttypes.models import ContentType

    from crm.core import registry
    from crm.core.models import SearchEntry
    from crm.core.search import tokens_for

    for spec, model in plan:
        object_type = registry.for_model(model)
        if object_type is None:
            continue
        content_type = ContentType.objects.get_for_model(model)
        entries = dict(
            SearchEntry.objects.filter(content_type=content_type)
            .order_by("object_id")
            .values_list("object_id", "tokens")[:sample]
        )
        objects = model.all_objects.filter(pk__in=entries)
        if "__" in object_type.search.subtitle:
            objects = objects.select_related(object_type.search.subtitle.split("__")[0])
        wrong = [
            o.pk for o in objects if tokens_for(o, object_type, content_type.pk) != entries[o.pk]
        ]
        if wrong:
            _log(
                f"WARNING {spec.key}: {len(wrong)} of {len(entries)} token sets differ: {wrong[:5]}"
            )


def _path(obj: Any, path: str) -> str:
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def _finish(connection, plan, tables: list[str], indexes: list[tuple[str, str]]) -> None:
    """Indexes back, sequences past the generated ids, statistics fresh."""
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET session_replication_role = DEFAULT")
            for _spec, model in plan:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)',
                    [table],
                )
            for table in [*tables, "org_user", "core_collaborator"]:
                cursor.execute(f'VACUUM ANALYZE "{table}"')
    else:
        raw = connection.connection
        raw.execute("ANALYZE")
        raw.execute("PRAGMA optimize")
        raw.commit()
    _log(f"indexes and statistics in {time.perf_counter() - t0:.1f} s")


# ------------------------------------------------------------------- import files


def import_rows(count: int, seed: int = SEED + 1) -> Iterator[list[str]]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    result = generate(args.scale)
    print(json.dumps(result.__dict__, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
