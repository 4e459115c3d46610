"""How list cells and exports write values."""

import datetime

import pytest
from django.utils import formats, timezone, translation

from crm.core.lists import _strftime, display

MOMENTS = [
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
    datetime.datetime(1999, 7, 9, 16, 0, tzinfo=datetime.UTC),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_read_as_djangos_formatter_writes_them(language):
    with translation.override(language):
        for moment in MOMENTS:
            local = timezone.localtime(moment)
            assert display("datetime", moment) == formats.date_format(
                local, "SHORT_DATETIME_FORMAT"
            )
            assert display("date", moment.date()) == formats.date_format(
                moment.date(), "SHORT_DATE_FORMAT"
            )


def test_only_letters_strftime_writes_alike_take_the_fast_way():
    assert _strftime("Y-m-d H:i") == "%Y-%m-%d %H:%M"
    assert _strftime("Y年m月d日 100%") == "%Y年%m月%d日 100%%"
    for pattern in ("m/d/Y P", "N j, Y", "Y年n月j日", r"\Y-m"):
        assert _strftime(pattern) is None, pattern
