"""Import mapping: headers from other systems, loosely matched, and the duplicate policy
a file without a match key gets."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.core import registry
from crm.core.imports import services as imports
from crm.core.imports.engine import CREATE, SKIP, match_choices
from crm.core.imports.fields import Schema
from crm.customers.models import Customer
from crm.customization.models import CustomField, FieldType

pytestmark = pytest.mark.django_db

# The customer export of another Chinese CRM, as a user brought it: 27 columns.
OTHER_CRM_HEADERS = [
    "客户代号",
    "客户名称",
    "助记码",
    "客户类型",
    "客户分类",
    "客户等级",
    "所属行业",
    "区域划分",
    "客户来源",
    "省份",
    "城市",
    "区县",
    "详细地址",
    "固话",
    "传真",
    "QQ/E-mail",
    "网址",
    "主营产品",
    "业务员",
    "联系人",
    "手机",
    "职务",
    "开票信息",
    "信用额度",
    "最后跟进时间",
    "创建日期",
    "备注",
]


@pytest.fixture
def main_products():
    return CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="main_products",
        label_zh="主营产品",
        label_en="Main products",
        field_type=FieldType.TEXT,
    )


def mapping_of(headers: list[str], type_key: str = "customer") -> dict[str, str]:
    schema = Schema(registry.get(type_key))
    return dict(zip(headers, schema.auto_map(headers), strict=True))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_obvious_columns_of_another_crm_map_themselves(main_products, language):
    with translation.override(language):
        mapping = mapping_of(OTHER_CRM_HEADERS)
    expected = {
        "客户代号": "number",
        "客户名称": "name",
        "助记码": "mnemonic_code",
        "客户类型": "customer_type",
        "客户分类": "category",
        "客户等级": "level",
        "所属行业": "industry",
        "区域划分": "region",
        "客户来源": "source",
        "省份": "province",
        "城市": "city",
        "区县": "district",
        "详细地址": "address",
        "固话": "phone",
        "QQ/E-mail": "email",
        "网址": "website",
        "主营产品": "cf.main_products",
        "业务员": "owner",
        "联系人": "contact.name",
        "手机": "contact.mobile",
        "职务": "contact.title",
        "备注": "notes",
        "信用额度": "credit_limit",
    }
    assert {h: mapping[h] for h in expected} == expected
    # What the customer has no field for stays unmapped rather than guessed.
    assert [mapping[h] for h in ("传真", "开票信息", "创建日期")] == [""] * 3


def test_english_headers_and_synonyms_map_loosely():
    mapping = mapping_of(
        ["Company Name", "Customer Code", "Sales Rep", "Landline", "E-mail", "Area", "Remarks"]
    )
    assert list(mapping.values()) == [
        "name",
        "number",
        "owner",
        "phone",
        "email",
        "region",
        "notes",
    ]


def test_a_field_is_taken_by_one_column_only_and_labels_win_over_synonyms():
    mapping = mapping_of(["客户名称", "公司名称", "电话", "公司电话"])
    assert list(mapping.values()) == ["name", "", "phone", ""]


def test_contact_headers_map_by_their_synonyms():
    mapping = mapping_of(["姓名", "所属客户", "职位", "手机号码", "微信号"], "contact")
    assert list(mapping.values()) == ["name", "customer", "title", "mobile", "wechat"]


@pytest.mark.parametrize(
    ("columns", "asked", "expected"),
    [
        (["phone", "email"], ("skip", ""), (CREATE, "")),  # no key: every row is new
        (["name", "email"], ("skip", ""), (SKIP, "name")),  # the name is what is there
        (["name", "phone"], ("update", ""), ("update", "name+phone")),
        (["number", "name"], ("skip", "name"), (SKIP, "name")),  # as asked
        (["number", "name"], ("create", "number"), (CREATE, "")),
    ],
)
def test_the_command_line_import_takes_the_key_the_columns_allow(columns, asked, expected):
    policy = imports.duplicate_policy(registry.get("customer"), columns, *asked)
    assert policy == expected


def csv_upload(rows: list[list[str]]) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile("clients.csv", text.getvalue().encode(), content_type="text/csv")


def test_each_users_confirmed_mapping_is_offered_first_next_time(alice, bob, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    customer = registry.get("customer")
    rows = [["抬头", "总部热线", "传真", "城市"], ["华东精密", "021-55501234", "021-5550", "上海"]]
    first = imports.upload(alice, customer, csv_upload(rows))
    assert first.params["columns"] == ["", "", "", "city"]  # nothing tells what 抬头 is
    imports.configure(first, alice, ["name", "phone", "notes", ""], CREATE, "")
    imports.start(first, alice)

    # The same columns, spaced and ordered otherwise, in a later file.
    later = [["城市", "总部 热线", "抬头", "传真"], ["北京", "010-5550", "Acme", ""]]
    again = imports.upload(alice, customer, csv_upload(later))
    assert again.params["columns"] == ["", "phone", "name", "notes"]
    # Another user's files are mapped as before: the memory is alice's own.
    other = imports.upload(bob, customer, csv_upload(later))
    assert other.params["columns"] == ["city", "", "", ""]


def test_the_match_keys_are_offered_by_their_capitalised_labels():
    with translation.override("en"):
        offered = match_choices(registry.get("customer"), ["name", "phone", "number"])
    assert offered[0] == ("number", "Number")
    assert ("name+phone", "Customer name + Phone") in offered
