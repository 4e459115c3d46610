"""The duplicate check (查重) of a lead: leads, customers and contacts with the same company
name, mobile or email. A match the user may see is named and linked; one they may not see
only says which department holds it, never its name, number, owner or numbers.

Candidates come from the search index (one indexed lookup per term, however many records
there are), then each is compared exactly: company names once normalised
(`normalize_company`: 北京金蝶软件有限公司 and 金蝶软件(中国)有限公司 are both 金蝶软件),
mobiles by their digits, emails case-insensitively.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, reduce
from operator import or_
from typing import Any

from django.contrib.staticfiles import finders
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import masking, registry, search
from crm.core.models import SearchEntry

MATCHES = 10  # matches listed at most
CANDIDATES = 50  # index entries compared per field checked

# Words a company name carries that say nothing about which company it is, longest first.
COMPANY_WORDS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "股份",
    "集团",
    "公司",
    "中国",
)
# The same at the end of a Latin name (Kingdee Software Co., Ltd.).
LATIN_ENDINGS = frozenset(
    ("co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc")
)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_PIECE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_REGION_SUFFIX = re.compile(r"(省|市|特别行政区|(壮族|回族|维吾尔)?自治区)$")
_DIGITS = re.compile(r"[0-9]")

SAME_COMPANY = gettext_lazy("same company name")
SAME_MOBILE = gettext_lazy("same mobile")
SAME_EMAIL = gettext_lazy("same email")


@dataclass(frozen=True)
class Check:
    """A type's fields compared: its company name, its mobile, its email ("" when none)."""

    type_key: str
    company: str = ""
    mobile: str = ""
    email: str = ""


CHECKS = (
    Check("lead", company="company_name", mobile="mobile", email="email"),
    Check("customer", company="name"),
    Check("contact", mobile="mobile", email="email"),
)


@dataclass(frozen=True)
class Similar:
    """A record like the one being entered, and why. `record` (with its title and link) is
    there only when the user may see it; otherwise `held_by` names its owner's department."""

    type_key: str
    type_label: str
    reasons: tuple[str, ...]
    record: Any = None
    title: str = ""
    url: str = ""
    held_by: str = ""

    @property
    def notice(self) -> str:
        """What a user who may not see the record is told about it."""
        kind = registry.get(self.type_key).model._meta.verbose_name
        if self.held_by:
            return _("A similar %(type)s is held by %(department)s.") % {
                "type": kind,
                "department": self.held_by,
            }
        return _("A similar %(type)s exists that you may not see.") % {"type": kind}


# --------------------------------------------------------------------------- normalising


@cache
def _regions() -> tuple[frozenset[str], tuple[int, ...]]:
    """Province and city names (GB/T 2260, as the address fields offer them), in full and
    without 省/市: what a company name may start with; and their lengths, longest first."""
    path = finders.find("crm/divisions.json")
    with open(str(path), encoding="utf-8") as source:
        provinces = json.load(source)["provinces"]
    names = {*provinces, *(city for cities in provinces.values() for city in cities)}
    short = {_REGION_SUFFIX.sub("", name) for name in names}
    found = frozenset(name for name in names | short if len(name) >= 2)
    return found, tuple(sorted({len(name) for name in found}, reverse=True))


def _without_region(piece: str) -> str:
    """A run of Chinese characters without the province or city it starts with (twice at
    most: 广东深圳), when at least two characters are left."""
    names, lengths = _regions()
    for _round in range(2):
        cut = next(
            (n for n in lengths if len(piece) - n >= 2 and piece[:n] in names),
            0,
        )
        if not cut:
            break
        piece = piece[cut:]
    return piece


def company_words(name: str) -> list[str]:
    """The words that tell a company apart: the name in half-width lower case, without what
    is in brackets, legal-form words (有限公司, 股份, 集团, 中国; Co., Ltd., Inc. at the end)
    and a leading province or city; Chinese characters in runs, Latin words apart."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _BRACKETED.sub(" ", text)
    for word in COMPANY_WORDS:
        text = text.replace(word, " ")
    pieces = _PIECE.findall(text)
    while len(pieces) > 1 and pieces[-1] in LATIN_ENDINGS:
        pieces.pop()
    if len(pieces) > 1 and _CJK.match(pieces[0]) and pieces[0] in _regions()[0]:
        pieces.pop(0)
    if pieces and _CJK.match(pieces[0]):
        pieces[0] = _without_region(pieces[0])
    return pieces


def normalize_company(name: str) -> str:
    """The key two names of the same company share: 北京金蝶软件有限公司, 金蝶软件 and
    金蝶软件(中国)有限公司 are all 金蝶软件; "Kingdee Software Co., Ltd." is kingdeesoftware."""
    return "".join(company_words(name))


def normalize_mobile(number: str) -> str:
    """The digits of a mobile, without China's +86; "" when too short to tell anyone apart
    or masked (138****5678 tells nothing)."""
    if masking.MASK in (number or ""):
        return ""
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", number or "")))
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) == len(country) + 11:
            digits = digits[len(country) :]
    return digits if len(digits) >= 7 else ""


def normalize_email(address: str) -> str:
    """An email as compared: trimmed, lower-cased; "" when it is not one."""
    address = unicodedata.normalize("NFKC", address or "").strip().lower()
    return address if "@" in address else ""


# --------------------------------------------------------------------------- finding


def similar(
    user,
    *,
    company_name: str = "",
    mobile: str = "",
    email: str = "",
    exclude: Sequence[models.Model | None] = (),
) -> list[Similar]:
    """Leads, customers and contacts with the company name, the mobile or the email given
    (`exclude`: the records themselves, not their duplicates), at most `MATCHES`, those
    `user` may see first. Reads the search index, then the candidates; nothing when no
    value is given."""
    wanted = {
        "company": normalize_company(company_name),
        "mobile": normalize_mobile(mobile),
        "email": normalize_email(email),
    }
    queries = {
        "company": " ".join(company_words(company_name)),
        "mobile": wanted["mobile"],
        "email": wanted["email"],
    }
    lookups = [
        (check, kind)
        for check in CHECKS
        for kind in ("company", "mobile", "email")
        if getattr(check, kind) and wanted[kind]
    ]
    if not lookups:
        return []
    candidates = _candidates(user, [(check.type_key, queries[kind]) for check, kind in lookups])
    skipped = {(type(obj), obj.pk) for obj in exclude if obj is not None}
    found: list[Similar] = []
    for check in CHECKS:
        ids = candidates.get(check.type_key)
        if ids:
            found += _compared(user, check, ids, wanted, skipped)
    found.sort(key=lambda match: match.record is None)
    return found[:MATCHES]


def _candidates(user, lookups: list[tuple[str, str]]) -> dict[str, set[int]]:
    """The ids of the records whose search entries match each (type, query), the first
    `CANDIDATES` of each, read in one query."""
    models_by_type = {key: registry.get(key).model for key, _query in lookups}
    matches = [
        Q(
            pk__in_subquery=search.matching_entries(query, models_by_type[key], user).values("pk")[
                :CANDIDATES
            ]
        )
        for key, query in lookups
    ]
    rows = SearchEntry.objects.filter(reduce(or_, matches)).values_list(
        "content_type__model", "object_id"
    )
    found: dict[str, set[int]] = {}
    for key, object_id in rows:
        found.setdefault(key, set()).add(object_id)
    return found


def _holder_path(model: type[models.Model]) -> str:
    """The record whose owner holds records of `model` (a contact's customer), as a path."""
    parent = getattr(model, "access_parent", None)
    return f"{parent}__owner" if parent else "owner"


def _compared(
    user, check: Check, ids: set[int], wanted: dict[str, str], skipped: set
) -> list[Similar]:
    """The candidates of one type that match a value exactly, as `Similar`s."""
    object_type = registry.get(check.type_key)
    model = object_type.model
    holder = _holder_path(model)
    records = model.objects.filter(pk__in=ids).select_related(f"{holder}__employee__department")
    seen = set(model.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    found = []
    for record in records:
        if (model, record.pk) in skipped:
            continue
        reasons = _reasons(check, record, wanted)
        if not reasons:
            continue
        if record.pk in seen:
            found.append(
                Similar(
                    check.type_key,
                    object_type.label,
                    reasons,
                    record=record,
                    title=str(record),
                    url=reverse(object_type.url_name("detail"), args=[record.pk]),
                )
            )
        else:
            found.append(
                Similar(check.type_key, object_type.label, reasons, held_by=_department(record))
            )
    return _merged_hidden(found)


def _reasons(check: Check, record, wanted: dict[str, str]) -> tuple[str, ...]:
    """Why `record` is like what was entered: each of its values equal to the one given."""
    reasons = []
    for kind, normal, reason in (
        ("company", normalize_company, SAME_COMPANY),
        ("mobile", normalize_mobile, SAME_MOBILE),
        ("email", normalize_email, SAME_EMAIL),
    ):
        name = getattr(check, kind)
        if name and wanted[kind] and normal(getattr(record, name)) == wanted[kind]:
            reasons.append(str(reason))
    return tuple(reasons)


def _department(record) -> str:
    """The department of the person who holds `record` ("" when they have none)."""
    holder = record
    for part in _holder_path(type(record)).split("__"):
        holder = getattr(holder, part)
    employee = getattr(holder, "employee", None)  # a user without an employee record has none
    return employee.department.name if employee is not None else ""


def _merged_hidden(found: list[Similar]) -> list[Similar]:
    """Hidden matches of one type held by one department told once, with every reason they
    were found for (`found` holds one type's matches)."""
    merged: list[Similar] = []
    by_holder: dict[str, int] = {}
    for match in found:
        if match.record is not None:
            merged.append(match)
        elif match.held_by in by_holder:
            at = by_holder[match.held_by]
            reasons = tuple(dict.fromkeys((*merged[at].reasons, *match.reasons)))
            merged[at] = Similar(match.type_key, match.type_label, reasons, held_by=match.held_by)
        else:
            by_holder[match.held_by] = len(merged)
            merged.append(match)
    return merged


def customers_among(matches: list[Similar]) -> list:
    """The customers a conversion might use instead of a new one: those found, and those of
    the contacts found, that the user sees (each once)."""
    customers: dict[int, Any] = {}
    for match in matches:
        if match.record is None:
            continue
        if match.type_key == "customer":
            customers.setdefault(match.record.pk, match.record)
        elif match.type_key == "contact":
            customers.setdefault(match.record.customer_id, match.record.customer)
    return list(customers.values())
