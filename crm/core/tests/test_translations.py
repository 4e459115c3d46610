"""The zh-Hans catalogue is complete and current.

One catalogue, crm/locale/zh_Hans/LC_MESSAGES/django.po, holds every string of the CRM
(English msgids, so English needs none). These tests fail when an entry is untranslated
or fuzzy, when the committed .mo is not what msgfmt makes of the .po, or when the code
has a msgid the .po lacks. To fix them:

    cd crm    # so that makemessages and compilemessages see only the crm package
    ../.venv/bin/crm makemessages -l zh_Hans --no-location
    # translate the new entries of locale/zh_Hans/LC_MESSAGES/django.po, drop "#, fuzzy"
    ../.venv/bin/crm compilemessages -l zh_Hans

They need GNU gettext (msgfmt, xgettext, msgmerge ...), not a database.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

import crm

CRM_DIR = Path(crm.__file__).resolve().parent
PO = CRM_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Source files makemessages reads for the "django" domain.
SOURCE_SUFFIXES = (".py", ".html", ".txt")
GETTEXT_TOOLS = ("msgfmt", "xgettext", "msguniq", "msgmerge", "msgattrib")
# Translations that are rightly the same as the English msgid.
SAME_IN_CHINESE = {"CRM"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXr]")


# ------------------------------------------------------------------------ a small .po reader


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        text = self.msgid if self.msgid_plural is None else f"{self.msgid} | {self.msgid_plural}"
        return text if self.msgctxt is None else f"[{self.msgctxt}] {text}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first; obsolete ones marked."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].lstrip()
            if line.startswith("|"):  # previous msgid of an obsolete entry
                continue
        elif line.startswith("#"):
            if entry.msgstr:  # a comment after a msgstr starts the next entry
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}: continuation line without a keyword: {raw!r}")
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        if keyword in ("msgctxt", "msgid") and entry.msgstr:
            finish()
        started = True
        entry.obsolete = entry.obsolete or obsolete
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        elif keyword == "msgstr" or match:
            entry.msgstr.append(_unquote(rest))
            target = ("msgstr", len(entry.msgstr) - 1)
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries


def live_entries(path: Path) -> list[Entry]:
    """The entries that count: neither the header nor obsolete."""
    return [e for e in read_po(path) if not e.obsolete and not (e.msgid == "" and not e.msgctxt)]


def require_gettext(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is not installed: {', '.join(missing)} not found on PATH. "
            "Install it (Debian: apt-get install gettext) to check the translation catalogue."
        )


def read_mo(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


# --------------------------------------------------------------------------------- the tests


def test_the_catalogue_header_is_for_simplified_chinese():
    header = read_po(PO)[0]
    assert header.msgid == "" and header.msgstr, "the .po must start with its header"
    fields = dict(line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    assert fields.get("Language", "").strip() == "zh_Hans"
    assert fields.get("Plural-Forms", "").strip() == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert "fuzzy" not in header.flags, "the header is marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = live_entries(PO)
    assert len(entries) > 100, f"only {len(entries)} entries in {PO}"
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [str(e) for e in entries if not e.msgstr or not all(s.strip() for s in e.msgstr)]
    wrong_plural = [str(e) for e in entries if e.msgid_plural is not None and len(e.msgstr) != 1]
    english = [
        str(e)
        for e in entries
        if e.msgstr and e.msgstr[0] == e.msgid and e.msgid not in SAME_IN_CHINESE
    ]
    problems = {
        "fuzzy entries (check each translation, then drop the flag)": fuzzy,
        "untranslated entries": untranslated,
        "plural entries with more than msgstr[0] (zh has one plural form)": wrong_plural,
        "translations left in English": english,
    }
    report = "\n".join(
        f"{title}:\n  " + "\n  ".join(items) for title, items in problems.items() if items
    )
    assert not report, report


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    broken = []
    for entry in live_entries(PO):
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            wanted |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in entry.msgstr:
            if set(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{entry}  ->  {text}")
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def test_the_committed_mo_is_compiled_from_the_current_po(tmp_path):
    require_gettext("msgfmt")
    assert MO.exists(), f"{MO} is missing: compile the catalogue and commit the .mo"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"msgfmt rejects {PO}:\n{result.stderr}"
    committed, expected = read_mo(MO), read_mo(fresh)
    stale = sorted(
        repr(key)
        for key in committed.keys() | expected.keys()
        if committed.get(key) != expected.get(key)
    )
    assert not stale, (
        f"{MO} is out of date ({len(stale)} messages differ from the .po); recompile it:\n"
        + "\n".join(stale[:40])
    )


def test_the_catalogue_has_every_msgid_of_the_code(tmp_path, monkeypatch, settings):
    require_gettext(*GETTEXT_TOOLS)
    copy = tmp_path / "crm"

    def not_sources(directory: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in ("__pycache__", "locale", "static", "node_modules")
            or name.startswith(".")
            or ((Path(directory) / name).is_file() and not name.endswith(SOURCE_SUFFIXES))
        ]

    shutil.copytree(CRM_DIR, copy, ignore=not_sources)
    copied_po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copied_po.parent.mkdir(parents=True)
    shutil.copyfile(PO, copied_po)

    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [str(copy / "locale")]
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        domain="django",
        no_location=True,
        no_obsolete=True,
        verbosity=0,
    )

    in_code = {e.key: e for e in live_entries(copied_po)}
    assert len(in_code) > 100, f"makemessages found only {len(in_code)} msgids in the copy"
    committed = {e.key for e in live_entries(PO)}
    missing = sorted(str(in_code[key]) for key in in_code.keys() - committed)
    assert not missing, (
        f"{len(missing)} msgid(s) of the code are not in {PO}; "
        "run makemessages, translate them and compile:\n" + "\n".join(missing)
    )


# Chosen translations users see; the msgids are passed as data so that this file adds none.
EXPECTED = {
    "Customers": "客户",
    "Contacts": "联系人",
    "Recycle bin": "回收站",
    "Workbench": "工作台",
    "Dictionaries": "数据字典",
    "Custom fields": "自定义字段",
    "mnemonic code": "助记码",
    "Reseller": "中间客户",
}


def test_django_serves_the_chinese_catalogue():
    from crm.customers.models import Contact, Customer, CustomerStatus, CustomerType

    with translation.override("zh-hans"):
        for msgid, chinese in EXPECTED.items():
            assert translation.gettext(msgid) == chinese, msgid
        assert str(Customer._meta.verbose_name) == "客户"
        assert str(Customer._meta.verbose_name_plural) == "客户"
        assert str(Contact._meta.verbose_name_plural) == "联系人"
        assert str(Customer._meta.get_field("mnemonic_code").verbose_name) == "助记码"
        assert [str(label) for label in CustomerType.labels] == ["终端客户", "中间客户", "公利客户"]
        assert [str(label) for label in CustomerStatus.labels] == ["潜在", "意向", "正式", "相关"]
    with translation.override("en"):
        assert translation.gettext("Customers") == "Customers"
        # Kingdee's statuses and types in the words English CRMs use.
        assert [str(label) for label in CustomerType.labels] == [
            "End customer",
            "Reseller",
            "Public institution",
        ]
        assert [str(label) for label in CustomerStatus.labels] == [
            "Lead",
            "Prospect",
            "Active",
            "Related party",
        ]
        assert str(Customer._meta.verbose_name_plural) == "customers"
