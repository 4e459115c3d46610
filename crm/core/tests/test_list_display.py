"""How list cells and exports write values."""

import datetime

import pytest
from django.utils import formats, timezone, translation

from crm.core.lists import DateTexts, _strftime, display

MOMENTS = [
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
    datetime.datetime(1999, 7, 9, 16, 0, tzinfo=datetime.UTC),
]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_read_as_djangos_formatter_writes_them(language, zone):
    with translation.override(language), timezone.override(zone):
        dates = DateTexts()  # what a list page or an export looks up once
        for moment in MOMENTS:
            local = timezone.localtime(moment)
            expected = formats.date_format(local, "SHORT_DATETIME_FORMAT")
            assert display("datetime", moment) == expected
            assert display("datetime", moment, dates) == expected
            day = formats.date_format(moment.date(), "SHORT_DATE_FORMAT")
            assert display("date", moment.date()) == day
            assert display("date", moment.date(), dates) == day


def test_only_letters_strftime_writes_alike_take_the_fast_way():
    assert _strftime("Y-m-d H:i") == "%Y-%m-%d %H:%M"
    assert _strftime("Y年m月d日 100%") == "%Y年%m月%d日 100%%"
    for pattern in ("m/d/Y P", "N j, Y", "Y年n月j日", r"\Y-m"):
        assert _strftime(pattern) is None, pattern


@pytest.mark.django_db
def test_every_kind_of_cell_is_written_as_the_user_reads_it(alice, bob):
    from django.contrib.contenttypes.models import ContentType

    from crm.core import registry, services
    from crm.core.lists import Formatter, custom_columns
    from crm.customers.models import Contact, Customer
    from crm.customization.custom_fields import fields_for
    from crm.customization.models import CustomField, Dictionary, DictionaryItem

    grades = Dictionary.objects.create(code="grade", name_zh="等级", name_en="Grade")
    for code, zh in (("gold", "金牌"), ("silver", "银牌")):
        DictionaryItem.objects.create(dictionary=grades, code=code, label_zh=zh, label_en=zh)
    level = DictionaryItem.objects.filter(dictionary__code="customer_level").first()
    content_type = ContentType.objects.get_for_model(Customer)
    for name, kind, extra in (
        ("grade", "choice", {"dictionary": grades}),
        ("grades", "multichoice", {"dictionary": grades}),
        ("manager", "user", {}),
        ("limit", "money", {}),
    ):
        CustomField.objects.create(
            content_type=content_type,
            name=name,
            label_zh=name,
            label_en=name,
            field_type=kind,
            show_in_list=True,
            **extra,
        )
    customer = services.save(
        Customer(
            name="金蝶软件",
            status="formal",
            level=level,
            phone="0755-86072000",
            custom_field_data={
                "grade": "gold",
                "grades": ["gold", "silver"],
                "manager": bob.pk,
                "limit": "1234.5",
            },
        ),
        actor=alice,
    )
    contact = services.save(Contact(name="张三", customer=customer), actor=alice)
    object_type = registry.for_model(Customer)
    definitions = fields_for(Customer)
    columns = [
        c
        for c in object_type.columns
        if c.name in ("name", "status", "level", "phone", "owner", "created_at")
    ] + custom_columns(definitions)
    rows = list(
        Customer.objects.filter(pk=customer.pk).values(
            "id",
            "name",
            "status",
            "level_id",
            "phone",
            "owner_id",
            "created_at",
            "custom_field_data",
        )
    )
    with translation.override("zh-hans"):
        cells = Formatter(object_type, columns, rows, definitions, hidden={"phone"}).rows(rows)
        plain = Formatter(object_type, columns, rows, definitions, links=False).rows(rows)
    written = dict(zip([c.name for c in columns], cells[0]["cells"], strict=True))
    assert written["name"] == ("金蝶软件", f"/customers/{customer.pk}/")
    assert written["status"] == ("正式", "")
    assert written["level"] == (level.label_zh, "")
    assert written["phone"] == ("075****2000", "")
    assert written["owner"] == ("Alice", "")
    assert written["created_at"][0] == display("datetime", customer.created_at)
    assert written["cf.grade"] == ("金牌", "")
    assert written["cf.grades"] == ("金牌, 银牌", "")
    assert written["cf.manager"] == ("Bob", "")
    assert written["cf.limit"] == ("¥1,234.50", "")
    assert plain[0]["cells"][0] == ("金蝶软件", "")
    assert plain[0]["cells"][3][0] == "0755-86072000"

    contact_type = registry.for_model(Contact)
    link = [c for c in contact_type.columns if c.kind == "link"]
    contact_rows = list(
        Contact.objects.filter(pk=contact.pk).values("id", "customer_id", "customer__name")
    )
    linked = Formatter(contact_type, link, contact_rows).rows(contact_rows)
    assert linked[0]["cells"] == [("金蝶软件", f"/customers/{customer.pk}/")]
