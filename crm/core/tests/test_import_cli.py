"""`crm import` on a spreadsheet from another system: mapped as the wizard would, no match
key needed, values outside the dictionaries added when asked."""

from __future__ import annotations

import csv

import pytest

from crm import cli
from crm.core.models import Job
from crm.customers.models import Contact, Customer
from crm.customization.models import Dictionary, DictionaryItem

# Transactional: the command runs the import in a thread of its own.
pytestmark = pytest.mark.django_db(transaction=True)

OTHER_CRM = [
    ["客户代号", "客户名称", "区域划分", "客户来源", "固话", "联系人", "手机", "传真"],
    ["K001", "华东精密", "华东", "网络", "021-55501234", "张伟", "13800138000", "021-5550"],
    ["K002", "北方重工", "", "老客户介绍", "", "", "", ""],
]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def dictionaries():
    """The preset dictionaries the file uses (a transactional test before may have emptied
    the tables the data migrations filled)."""
    for code in ("customer_source", "region"):
        Dictionary.objects.get_or_create(code=code, defaults={"name_zh": code, "name_en": code})
    DictionaryItem.objects.get_or_create(
        dictionary=Dictionary.objects.get(code="customer_source"),
        code="referral",
        defaults={"label_zh": "客户介绍", "label_en": "Referral"},
    )


def crm_import(tmp_path, *args: str, rows=OTHER_CRM) -> int:
    path = tmp_path / "客户.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return cli.main(["import", "customers", str(path), *args])


def test_a_file_without_a_match_key_is_imported_and_new_values_are_added(admin, tmp_path, capsys):
    assert crm_import(tmp_path, "--add-missing-choices", "--user", admin.username) == 0

    out = capsys.readouterr().out
    assert "客户名称 -> name" in out and "联系人 -> contact.name" in out
    assert Job.objects.get().params["match"] == "number"  # 客户代号 found the key
    customers = dict(Customer.objects.values_list("number", "source__label_zh"))
    assert customers == {"K001": "网络", "K002": "老客户介绍"}
    added = DictionaryItem.objects.filter(
        dictionary__code="customer_source", code__in=["wl", "lkhjs"]
    )
    assert sorted(added.values_list("label_zh", flat=True)) == ["网络", "老客户介绍"]
    assert Customer.objects.get(number="K001").region.label_zh == "华东"
    assert list(Contact.objects.values_list("customer__number", "name", "mobile")) == [
        ("K001", "张伟", "13800138000")
    ]


def test_without_a_key_column_rows_are_created_and_unknown_values_fail_their_rows(
    admin, tmp_path, capsys
):
    rows = [row[1:] for row in OTHER_CRM]  # no 客户代号: match on what there is

    assert crm_import(tmp_path, "--user", admin.username, rows=rows) == 0

    out = capsys.readouterr().out
    assert "Not dictionary items" in out and "网络, 老客户介绍" in out
    assert out.splitlines()[-1] == "created=0 updated=0 unchanged=0 skipped=0 failed=2"
    assert Job.objects.get().params["match"] == "name+phone"
    assert not Customer.objects.exists()
