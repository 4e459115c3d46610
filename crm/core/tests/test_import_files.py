"""Reading import files: encodings, separators, workbooks, limits and damaged files."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.core import registry
from crm.core.errors import ValidationFailed
from crm.core.imports import services as imports
from crm.core.imports.files import MAX_COLUMNS, _unique_headers, open_sheet, write_error_workbook
from crm.core.models import Job

HEADER = "客户名称,电话,城市\r\n"
ROWS = "华东精密机械有限公司,021-55501234,上海\r\n北京云帆科技,13800138000,北京\r\n"
EXPECTED = [
    (2, ["华东精密机械有限公司", "021-55501234", "上海"]),
    (3, ["北京云帆科技", "13800138000", "北京"]),
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(tmp_path, data: bytes, name: str = "file.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    sheet = open_sheet(path)
    return sheet.headers, list(sheet.rows())


def file_message(excinfo) -> str:
    assert list(excinfo.value.fields) == ["file"]
    return excinfo.value.fields["file"][0]


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "data",
    [
        (HEADER + ROWS).encode("utf-8"),
        codecs.BOM_UTF8 + (HEADER + ROWS).encode("utf-8"),
        (HEADER + ROWS).encode("gbk"),
        (HEADER + ROWS).encode("gb18030"),
        (HEADER + ROWS).encode("utf-16"),  # with its byte order mark
        codecs.BOM_UTF16_BE + (HEADER + ROWS).encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_csv_in_each_encoding_reads_the_same(tmp_path, data):
    headers, rows = read(write(tmp_path, data))

    assert headers == ["客户名称", "电话", "城市"]
    assert rows == EXPECTED


def test_gb18030_characters_outside_gbk_are_read(tmp_path):
    text = "客户名称\r\n𠀀记商行\r\n"  # a CJK extension B character, only in GB18030

    _headers, rows = read(write(tmp_path, text.encode("gb18030")))

    assert rows == [(2, ["𠀀记商行"])]


@pytest.mark.parametrize("delimiter", ["\t", ";"], ids=["tab", "semicolon"])
def test_tab_and_semicolon_separated_files(tmp_path, delimiter):
    text = (HEADER + ROWS).replace(",", delimiter)

    headers, rows = read(write(tmp_path, text.encode("utf-8")))

    assert headers == ["客户名称", "电话", "城市"]
    assert rows == EXPECTED


def test_quoted_cells_keep_separators_and_line_breaks(tmp_path):
    text = '客户名称,备注\r\n"Acme, Inc.","line one\nline two"\r\n'

    _headers, rows = read(write(tmp_path, text.encode("utf-8")))

    assert rows == [(2, ["Acme, Inc.", "line one\nline two"])]


def test_blank_rows_keep_their_spreadsheet_numbers_and_short_rows_are_padded(tmp_path):
    text = "名称,电话,城市\r\nA,1\r\n\r\n,,\r\nB,2,上海,extra\r\n"

    _headers, rows = read(write(tmp_path, text.encode("utf-8")))

    assert rows == [
        (2, ["A", "1", ""]),
        (3, ["", "", ""]),
        (4, ["", "", ""]),
        (5, ["B", "2", "上海"]),
    ]
    assert open_sheet(tmp_path / "file.csv").count() == 4


def test_blank_and_repeated_headers_get_distinct_names(tmp_path):
    headers, _rows = read(write(tmp_path, "名称,,名称,\r\na,b,c\r\n".encode()))

    assert headers == ["名称", "Column 2", "名称 (2)"]


def test_a_name_repeated_thousands_of_times_gets_numbered_names():
    headers = _unique_headers(["a"] * 3000)

    assert headers == ["a", *(f"a ({n})" for n in range(2, 3001))]


def test_numbered_names_pass_over_names_the_file_already_has():
    headers = _unique_headers(["a", "a (2)", "a", "a", "a (3)", "", "Column 2"])

    assert headers == ["a", "a (2)", "a (3)", "a (4)", "a (3) (2)", "Column 6", "Column 2"]


def test_rows_after_a_checkpoint_are_skipped(tmp_path):
    path = write(tmp_path, (HEADER + ROWS).encode("utf-8"))

    assert list(open_sheet(path).rows(skip=1)) == EXPECTED[1:]


def test_text_that_is_not_valid_in_its_encoding_is_a_file_error(tmp_path):
    data = "名称\r\n好\r\n".encode("gb18030") + b"\x81\x20\r\n"  # a lead byte, then a space

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, data))

    assert file_message(excinfo) == "Line 3 of the file is not valid GB18030 text."


def test_gbk_text_after_a_long_ascii_start_is_read_as_gb18030(tmp_path):
    data = b"name,city\r\n" + b"Acme,Shanghai\r\n" * 100_000 + "华东精密,上海\r\n".encode("gbk")

    rows = list(open_sheet(write(tmp_path, data)).rows())

    assert rows[-1] == (100_002, ["华东精密", "上海"])


def test_a_bad_byte_at_the_very_end_is_refused_before_any_row_is_read(tmp_path):
    data = "名称\r\n好\r\n".encode("gb18030") + b"\x81"  # a lead byte without its pair

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, data))

    assert file_message(excinfo) == "Line 3 of the file is not valid GB18030 text."


def test_a_bad_byte_after_the_sampled_start_names_its_line(tmp_path):
    data = "名称\r\n".encode() + "好\r\n".encode() * 400_000 + b"\xff\r\n"

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, data))

    assert file_message(excinfo) == "Line 400002 of the file is not valid UTF-8 text."


# ---------------------------------------------------------------------- workbooks


@pytest.fixture(params=["whole", "streamed"])
def excel_reader(request, settings):
    """Both ways of reading a workbook: whole (calamine), or streamed (openpyxl) as one
    larger than CRM_IMPORT_STREAM_BYTES is."""
    if request.param == "streamed":
        settings.CRM_IMPORT_STREAM_BYTES = 0
    return request.param


def test_xlsx_numbers_come_back_without_decimals_and_dates_as_dates(tmp_path, excel_reader):
    data = workbook_bytes(
        [
            ["客户名称", "电话", "生日", "拜访时间", "金额", "主要"],
            [
                "华东精密",
                13800138000,
                datetime.date(1990, 5, 17),
                datetime.datetime(2026, 1, 2, 9, 30),
                1234.5,
                True,
            ],
            ["Acme", 2.0, datetime.datetime(2026, 3, 4), None, 7, False],
        ]
    )

    headers, rows = read(write(tmp_path, data, "customers.xlsx"))

    assert headers == ["客户名称", "电话", "生日", "拜访时间", "金额", "主要"]
    assert rows == [
        (2, ["华东精密", "13800138000", "1990-05-17", "2026-01-02 09:30:00", "1234.5", "true"]),
        (3, ["Acme", "2", "2026-03-04", "", "7", "false"]),
    ]


def test_xlsx_reads_the_first_sheet_only(tmp_path, excel_reader):
    workbook = openpyxl.Workbook()
    workbook.active.append(["名称"])
    workbook.active.append(["first"])
    other = workbook.create_sheet("other")
    other.append(["名称"])
    other.append(["second"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)

    assert read(path) == (["名称"], [(2, ["first"])])


def test_xlsx_rows_are_numbered_and_counted_from_the_first_non_blank_row(tmp_path, excel_reader):
    data = workbook_bytes([[None], ["名称", "城市"], ["甲", "苏州"], [None, None], ["乙", None]])
    sheet = open_sheet(write(tmp_path, data, "gap.xlsx"))

    assert sheet.streamed == (excel_reader == "streamed")
    assert sheet.headers == ["名称", "城市"]
    assert list(sheet.rows()) == [(3, ["甲", "苏州"]), (4, ["", ""]), (5, ["乙", ""])]
    assert list(sheet.rows(skip=2)) == [(5, ["乙", ""])]
    assert sheet.count() == 3


def test_a_workbook_unpacking_beyond_the_limit_is_refused_before_parsing(tmp_path, settings):
    settings.CRM_IMPORT_MAX_UNZIPPED_BYTES = 50_000
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 200_000 + b">")

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(path)

    assert "unpacks to more data" in file_message(excinfo)


def test_a_workbook_compressed_a_thousandfold_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for n in range(4):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", bytes(20 * 2**20))

    assert path.stat().st_size * 1000 < 4 * 20 * 2**20

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(path)

    assert "unpacks to more data" in file_message(excinfo)


def test_a_zip_that_is_not_a_workbook_is_a_file_error(tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(path)

    assert "cannot be read" in file_message(excinfo)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_workbook_is_a_file_error(tmp_path, keep):
    data = workbook_bytes([["名称"], ["a"]])

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, data[: int(len(data) * keep)], "cut.xlsx"))

    assert "damaged" in file_message(excinfo)


# ---------------------------------------------------------------------- limits and junk


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.CRM_IMPORT_MAX_BYTES = 2**20
    path = write(tmp_path, b"name\r\n" + b"x" * 2**20)

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(path)

    assert file_message(excinfo) == "The file is larger than 1 MB."


@pytest.mark.parametrize("kind", ["csv", "whole", "streamed"])
def test_a_file_with_more_columns_than_the_limit_is_refused(tmp_path, settings, kind):
    header = ["a"] * 3000
    if kind == "csv":
        path = write(tmp_path, (",".join(header) + "\r\n1\r\n").encode())
    else:
        settings.CRM_IMPORT_STREAM_BYTES = 0 if kind == "streamed" else 2**30
        path = write(tmp_path, workbook_bytes([header, [1]]), "wide.xlsx")

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(path)

    assert file_message(excinfo) == "The file has 3000 columns; an import takes at most 500."


def test_a_file_with_as_many_columns_as_the_limit_is_read(tmp_path):
    header = [f"c{n}" for n in range(1, MAX_COLUMNS + 1)] + [""] * 10  # blank ones not counted
    header[1] = ""

    headers, rows = read(write(tmp_path, (",".join(header) + "\r\n1\r\n").encode()))

    assert headers == ["c1", "Column 2", *header[2:MAX_COLUMNS]]
    assert rows == [(2, ["1"] + [""] * (MAX_COLUMNS - 1))]


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, b""))

    assert file_message(excinfo) == "The file is empty."


@pytest.mark.parametrize("data", [codecs.BOM_UTF8, b"\r\n\r\n", b" , ,\r\n,\r\n"])
def test_a_file_without_headers_is_refused(tmp_path, data):
    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, data))

    assert file_message(excinfo) == "The file has no header row."


def test_blank_lines_above_the_headers_are_passed_over(tmp_path):
    sheet = open_sheet(write(tmp_path, " , ,\r\n名称,城市\r\n甲,苏州\r\n".encode()))

    assert sheet.headers == ["名称", "城市"]
    assert list(sheet.rows()) == [(3, ["甲", "苏州"])]


def test_a_binary_file_is_neither_csv_nor_workbook(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))

    with pytest.raises(ValidationFailed) as excinfo:
        open_sheet(write(tmp_path, png, "photo.csv"))

    assert file_message(excinfo) == "This is neither a CSV file nor an Excel workbook."


@pytest.mark.django_db
def test_a_refused_upload_keeps_no_job_and_no_file(alice, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CRM_IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.csv", b"name\r\n" + b"x" * 100)

    with pytest.raises(ValidationFailed) as excinfo:
        imports.upload(alice, registry.get("customer"), upload)

    assert "larger than" in file_message(excinfo)
    assert Job.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------------- the error workbook


def test_error_workbook_has_the_original_cells_and_the_messages(tmp_path):
    text = "名称,电话\r\nok,1\r\n=cmd|' /C calc'!A0,2\r\nbad\x01name,3\r\n"
    sheet = open_sheet(write(tmp_path, text.encode("utf-8")))
    target = tmp_path / "errors.xlsx"

    written = write_error_workbook(sheet, iter([(3, "电话: wrong"), (4, "名称: bad")]), target)

    assert written == 2
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("名称", "电话", "Errors", "Row"),
        ("=cmd|' /C calc'!A0", "2", "电话: wrong", 3),
        ("bad\ufffdname", "3", "名称: bad", 4),
    ]
    # The cell as typed, held as text: never run, not even once edited.
    assert (sheet["A2"].data_type, sheet["A2"].quotePrefix) == ("s", True)
    assert sheet.freeze_panes == "A2"


def test_nul_characters_are_dropped(tmp_path):
    text = "名\x00称,电话\r\nA\x00cme,1\x00\r\n"

    assert read(write(tmp_path, text.encode("utf-16"))) == (["名称", "电话"], [(2, ["Acme", "1"])])
