"""`crm import` on a spreadsheet from another system: mapped as the wizard would, no match
key needed, values outside the dictionaries added when asked."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
from django.db import connection

from crm.core.models import Job
from crm.customers.models import Contact, Customer
from crm.customization.models import DictionaryItem

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_CRM = [
    ["客户代号", "客户名称", "区域划分", "客户来源", "固话", "联系人", "手机", "传真"],
    ["K001", "华东精密", "华东", "网络", "021-55501234", "张伟", "13800138000", "021-5550"],
    ["K002", "北方重工", "", "老客户介绍", "", "", "", ""],
]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def crm_import(tmp_path, *args: str, rows=OTHER_CRM) -> subprocess.CompletedProcess:
    path = tmp_path / "客户.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    env = {
        **os.environ,
        "CRM_TESTING": "1",
        "CRM_DATABASE_URL": _database_url(),
        "CRM_MEDIA_ROOT": str(tmp_path / "media"),
    }
    command = "import sys; from crm.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", command, "import", "customers", str(path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_file_without_a_match_key_is_imported_and_new_values_are_added(admin, tmp_path):
    items_before = DictionaryItem.objects.count()
    done = crm_import(tmp_path, "--add-missing-choices", "--user", admin.username)

    assert done.returncode == 0, done.stderr + done.stdout
    assert "客户名称 -> name" in done.stdout and "联系人 -> contact.name" in done.stdout
    assert Job.objects.get().params["match"] == "number"  # 客户代号 found the key
    customers = dict(Customer.objects.values_list("number", "source__label_zh"))
    assert customers == {"K001": "网络", "K002": "老客户介绍"}
    assert DictionaryItem.objects.count() == items_before + 2
    assert list(Contact.objects.values_list("customer__number", "name", "mobile")) == [
        ("K001", "张伟", "13800138000")
    ]


def test_without_a_key_column_rows_are_created_and_unknown_values_fail_their_rows(admin, tmp_path):
    rows = [row[1:] for row in OTHER_CRM]  # no 客户代号: match on what there is
    done = crm_import(tmp_path, "--user", admin.username, rows=rows)

    assert done.returncode == 0, done.stderr + done.stdout
    assert "--match must be one of" not in done.stderr
    assert "Not dictionary items" in done.stdout and "网络, 老客户介绍" in done.stdout
    assert "created=0" in done.stdout and "failed=2" in done.stdout
    assert Job.objects.get().params["match"] == "name+phone"
