"""The spreadsheet import, walked in a real browser: upload, mapping, preview, run, errors."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import chromium_page
from crm.customers.models import Customer

ROWS = [
    ["客户名称", "电话", "状态"],
    ["华东精密机械有限公司", "021-55501234", "正式"],
    ["金蝶软件", "0755-86072000", "不存在的状态"],
    ["Acme Trading", "13800138000", "Lead"],
    ["", "010-88886666", "正式"],
    ["用友网络", "", ""],
]


def csv_bytes(rows) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


@pytest.mark.django_db(transaction=True)
def test_import_customers_with_preview_progress_and_error_workbook(live_server, make_user):
    make_user("sales1", full_name="张伟", language="zh-hans")
    with chromium_page() as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "sales1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")  # the workbench's icons, before leaving it

        page.goto(f"{live_server.url}/customers/")
        page.click("[data-import]")
        page.set_input_files(
            "input[name=file]",
            files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS)}],
        )
        page.click("#import-upload button[type=submit]")

        mapping = page.locator("[data-mapping]")
        expect(mapping).to_be_visible()
        expect(page.locator("select[name=column_0]")).to_have_value("name")
        expect(page.locator("select[name=column_2]")).to_have_value("status")
        expect(mapping).to_contain_text("华东精密机械有限公司")
        page.check("input[name=on_duplicate][value=create]")
        expect(page.locator("[data-match]")).to_be_hidden()
        page.check("input[name=on_duplicate][value=skip]")
        expect(page.locator("select[name=match]")).to_have_value("name+phone")

        page.click("[data-preview]")
        preview = page.locator("[data-preview-table]")
        expect(preview).to_be_visible()
        expect(preview.locator("[data-invalid]")).to_have_count(2)
        expect(preview.locator("[data-action=created]")).to_have_count(3)
        expect(page).to_have_url(re.compile(r"/imports/\d+/$"))  # swapped in, not a new page
        assert Customer.objects.count() == 0

        page.click("[data-start]")
        status = page.locator("#import-status")
        expect(status.locator("[data-count=created]")).to_have_text("3")
        expect(status.locator("[data-count=failed]")).to_have_text("2")
        assert Customer.objects.count() == 3

        with page.expect_download() as download_info:
            page.click("[data-error-workbook]")
        download = download_info.value
        # Chromium ends the navigation that became a download as "aborted": not a problem.
        problems.remove(f"failed: {download.url} net::ERR_ABORTED")
        assert download.suggested_filename == "客户-errors.xlsx"
        workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        rows = list(workbook.active.iter_rows(values_only=True))
        assert len(rows) == 3  # the headers and the two rows not imported
        assert [row[0] for row in rows[1:]] == ["金蝶软件", None]

        page.wait_for_load_state("networkidle")  # the icons, before leaving the page
        page.click("a[href='/imports/']:visible")
        expect(page.locator("[data-import-row] [data-counts]")).to_contain_text("3")
        assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 360), ("zh-hans", 1280)])
def test_another_systems_file_maps_its_columns_and_values(live_server, make_user, language, width):
    from crm.customization.models import Dictionary, DictionaryItem
    from crm.org.models import Role, RolePermission

    # Made here: an earlier transactional test may have emptied the preset tables.
    head = Role.objects.create(code="head", name_zh="部门经理", name_en="Department head")
    RolePermission.objects.create(
        role=head, type_key="*", actions=["view", "create", "edit", "import"]
    )
    make_user("manager", language=language, roles=[head])
    sources, _ = Dictionary.objects.get_or_create(
        code="customer_source", defaults={"name_zh": "客户来源", "name_en": "Customer source"}
    )
    for code, zh, en in (("website", "网站", "Website"), ("referral", "客户介绍", "Referral")):
        DictionaryItem.objects.get_or_create(
            dictionary=sources, code=code, defaults={"label_zh": zh, "label_en": en}
        )
    rows = [
        ["客户代号", "客户名称", "客户来源", "联系人", "手机"],
        ["K1", "华东精密", "网络", "张伟", "13800138000"],
        ["K2", "北方重工", "老客户介绍", "", ""],
    ]
    with chromium_page(width=width) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/customers/import/")
        page.set_input_files(
            "input[name=file]",
            files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}],
        )
        page.click("#import-upload button[type=submit]")

        chosen = [page.locator(f"select[name=column_{i}]").input_value() for i in range(5)]
        assert chosen == ["number", "name", "source", "contact.name", "contact.mobile"]
        values = page.locator("[data-values]")
        expect(values).to_be_visible()
        expect(page.locator("select[name=value_0]")).to_have_value("-")  # 网络
        expect(page.locator("select[name=value_1]")).to_have_value("referral")  # 老客户介绍
        page.select_option("select[name=value_0]", "website")

        page.click("[data-start]")
        expect(page.locator("#import-status [data-count=created]")).to_have_text("2")
        sources = dict(Customer.objects.values_list("name", "source__code"))
        assert sources == {"华东精密": "website", "北方重工": "referral"}
        assert Customer.objects.get(name="华东精密").contacts.get().mobile == "13800138000"
        page.wait_for_load_state("networkidle")
        assert problems == []
