"""One list query for the HTML list, the API and exports: filters, search, sort, columns.

Rows are read with `values()` and formatted once into display strings; dictionary labels
come from the per-process copy of the items, users' names from one query, whatever the
page size.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Q, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import QueryDict
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crm.core import extensions, masking, money, search
from crm.core.forms import style_widgets
from crm.core.params import record_ids
from crm.core.registry import Column, ObjectType


@dataclass
class ListQuery:
    """What the user asked the list for."""

    object_type: ObjectType
    params: QueryDict
    user: Any = None
    filterset: Any = None
    q: str = ""
    ordering: str = ""
    columns: list[Column] = field(default_factory=list)
    custom_fields: list = field(default_factory=list)
    parts: list | None = None  # the same rows, part by part (paging.paginate)


def custom_columns(custom_fields) -> list[Column]:
    kinds = {
        "money": "money",
        "decimal": "number",
        "integer": "number",
        "date": "date",
        "datetime": "datetime",
        "boolean": "bool",
        "choice": "cfchoice",
        "multichoice": "cfchoice",
        "user": "cfuser",
    }
    return [
        Column(f"cf.{f.name}", f.label, kinds.get(f.field_type, "text"))
        for f in custom_fields
        if f.show_in_list
    ]


def available_columns(object_type: ObjectType, custom_fields) -> list[Column]:
    return [*object_type.columns, *custom_columns(custom_fields)]


def build(object_type: ObjectType, user, params: QueryDict) -> tuple:
    """The filtered, searched queryset of what `user` sees, and the ListQuery describing
    it (with the same rows as parts where reading them so is faster)."""
    fields_for = extensions.customization().fields_for

    model = object_type.model
    query = ListQuery(object_type, params, user)
    query.custom_fields = fields_for(model)
    query.filterset = object_type.filterset(params, queryset=model.objects.all(), request=None)
    style_widgets(query.filterset.form)
    qs = query.filterset.qs if query.filterset.is_valid() else model.objects.none()
    ids = record_ids(params.getlist("ids"), "ids")
    if ids:
        qs = qs.filter(pk__in=ids)
    # What the user may not see in full, they may neither filter by a fragment of nor sort by.
    hidden = masking.for_data(object_type, user)
    for definition in query.custom_fields:
        if definition.field_type in RANGE_KINDS:
            qs = custom_range(qs, definition, params)
            continue
        value = params.get(f"cf_{definition.name}", "").strip()
        if not value:
            continue
        key = f"custom_field_data__{definition.name}"
        if masking.CUSTOM + definition.name in hidden:
            qs = qs.filter(**{key: value})
        elif definition.field_type in ("text", "longtext", "email", "url", "phone"):
            qs = qs.filter(**{f"{key}__icontains": value})
        elif definition.field_type == "multichoice":
            qs = qs.filter(**{f"{key}__contains": [value]})
        else:
            qs = qs.filter(Q(**{key: value}))
    query.q = params.get("q", "").strip()[:100]
    if query.q:
        qs = search.filter_queryset(qs, query.q, user)
    query.parts = qs.visible_parts(user)
    qs = qs.visible_to(user)
    ordering = params.get("ordering", "")
    allowed = ordering in object_type.orderings and ordering.lstrip("-") not in hidden
    query.ordering = ordering if allowed else object_type.default_ordering
    available = {c.name: c for c in available_columns(object_type, query.custom_fields)}
    chosen = [name for name in params.getlist("col") if name in available]
    if not chosen:
        chosen = [n for n in object_type.default_columns if n in available]
    query.columns = [available[n] for n in chosen]
    return qs, query


def narrowed(query: ListQuery) -> bool:
    """Whether the list keeps only some of what its user sees: a filter (a custom field's
    too), a quick search or chosen ids."""
    params = query.params
    if query.q or params.getlist("ids"):
        return True
    if any(key.startswith("cf_") and value.strip() for key, value in params.items()):
        return True
    form = query.filterset.form
    if not form.is_valid():
        return True
    return any(_chosen(value) for value in form.cleaned_data.values())


def _chosen(value: Any) -> bool:
    if isinstance(value, slice):  # a range filter: from / to
        return value.start is not None or value.stop is not None
    if isinstance(value, QuerySet):  # several choices: none chosen is an empty one
        return not value.query.is_empty()
    return value not in (None, "", [], (), {})


# Custom field kinds filtered by a range (from / to), and the names of its two ends.
RANGE_KINDS = {
    "money": ("min", "max"),
    "decimal": ("min", "max"),
    "integer": ("min", "max"),
    "date": ("after", "before"),
    "datetime": ("after", "before"),
}


def custom_range(qs: QuerySet, definition, params: QueryDict) -> QuerySet:
    """Rows whose custom amount, number or date lies within `cf_<name>_min` / `_max`
    (amounts typed as people write them: 2,800,000 or 280万) or `_after` / `_before`
    (days, both included); a bound that is not one matches nothing."""
    low_name, high_name = RANGE_KINDS[definition.field_type]
    low = params.get(f"cf_{definition.name}_{low_name}", "").strip()
    high = params.get(f"cf_{definition.name}_{high_name}", "").strip()
    if not low and not high:
        return qs
    stored = KT(f"custom_field_data__{definition.name}")
    alias = f"_range_{definition.name}"
    try:
        if low_name == "min":  # amounts and numbers, held as decimal strings
            qs = qs.alias(**{alias: Cast(stored, DecimalField(max_digits=30, decimal_places=6))})
            bounds = {
                "gte": low and money.parse_amount(low),
                "lte": high and money.parse_amount(high),
            }
        else:  # dates and times, held as ISO text, which sorts as the moments do
            qs = qs.alias(**{alias: Cast(stored, TextField())})
            day_after = high and datetime.date.fromisoformat(high) + datetime.timedelta(days=1)
            bounds = {
                "gte": low and datetime.date.fromisoformat(low).isoformat(),
                "lt": day_after and day_after.isoformat(),
            }
    except (ValidationError, ValueError, OverflowError):
        return qs.none()
    # A value cleared is stored as JSON null, which SQLite's text of the key reads as "null".
    qs = qs.exclude(**{f"custom_field_data__{definition.name}": None})
    return qs.filter(**{f"{alias}__{lookup}": v for lookup, v in bounds.items() if v != ""})


@dataclass(frozen=True)
class CustomFilter:
    """A custom field offered as a list filter: a text box, a select for choices, or two
    boxes (from / to) for amounts, numbers and dates."""

    name: str
    label: str
    value: str
    choices: list[tuple[str, str]] | None
    ends: tuple[tuple[str, str], tuple[str, str]] | None = None  # (param, value) of each
    input_type: str = "text"


def custom_filters(query: ListQuery) -> list[CustomFilter]:
    dictionary_items = extensions.customization().dictionary_items

    items: dict[int, list[tuple[str, str]]] = {}
    for item in dictionary_items().values():
        if item.is_active:
            items.setdefault(item.dictionary_id, []).append((item.code, item.label))
    return [
        CustomFilter(
            f"cf_{f.name}",
            f.label,
            query.params.get(f"cf_{f.name}", ""),
            items.get(f.dictionary_id, []) if f.dictionary_id else None,
            _range_ends(query.params, f.name, f.field_type),
            "date" if f.field_type in ("date", "datetime") else "text",
        )
        for f in query.custom_fields
        if f.field_type not in ("longtext", "boolean", "user")
    ]


def _range_ends(params: QueryDict, name: str, kind: str):
    if kind not in RANGE_KINDS:
        return None
    low, high = (f"cf_{name}_{end}" for end in RANGE_KINDS[kind])
    return (low, params.get(low, "")), (high, params.get(high, ""))


def filters_active(query: ListQuery) -> bool:
    """Whether the user has set a visible filter (the filter panel then opens at once)."""
    names = [name for b in query.filterset.form.visible_fields() for name in _params_of(b)]
    for definition in query.custom_fields:
        ends = RANGE_KINDS.get(definition.field_type, ("",))
        names += [f"cf_{definition.name}_{end}".rstrip("_") for end in ends]
    return any(query.params.get(name) for name in names)


def _params_of(bound) -> list[str]:
    """The query parameters a filter's form field reads (a range reads two)."""
    suffixes = getattr(bound.field.widget, "suffixes", None)
    if not suffixes:
        return [bound.html_name]
    return [f"{bound.html_name}_{suffix}" if suffix else bound.html_name for suffix in suffixes]


def value_fields(columns: list[Column]) -> list[str]:
    """The `values()` paths the columns read."""
    paths: list[str] = []
    for column in columns:
        if column.name.startswith("cf."):
            paths.append("custom_field_data")
        elif column.kind in ("dict", "user"):
            paths.append(f"{column.name}_id")
        elif column.kind == "link":
            paths += [f"{column.name}_id", f"{column.name}__name"]
        elif column.kind == "name":
            paths.append(f"{column.name}__name")
        elif column.kind == "money":
            paths += column.money_fields
        else:
            paths.append(column.name)
    return list(dict.fromkeys(paths))


class Formatter:
    """Turns `values()` rows into display strings, with one lookup per label source."""

    def __init__(
        self,
        object_type: ObjectType,
        columns: list[Column],
        rows: list[dict],
        custom_fields=(),
        *,
        hidden=frozenset(),
        links: bool = True,
    ):
        dictionary_items = extensions.customization().dictionary_items
        item_labels = extensions.customization().item_labels

        self.object_type = object_type
        self.columns = columns
        self.hidden = hidden  # fields shown masked
        self.links = links
        self.dates = DateTexts()
        self._urls: dict[str, tuple[str, str]] = {}
        self.cf = {f.name: f for f in custom_fields}
        model = object_type.model
        self.choices = {  # labels translated once, not once a row
            c.name: {k: str(v) for k, v in model._meta.get_field(c.name).flatchoices}
            for c in columns
            if c.kind == "choice"
        }
        item_ids = {r.get(f"{c.name}_id") for c in columns if c.kind == "dict" for r in rows}
        user_ids = {r.get(f"{c.name}_id") for c in columns if c.kind == "user" for r in rows}
        cf_codes = any(c.kind == "cfchoice" for c in columns)
        user_ids |= {
            (r.get("custom_field_data") or {}).get(c.name[3:])
            for c in columns
            if c.kind == "cfuser"
            for r in rows
        }
        items = dictionary_items()
        self.items = {pk: items[pk].label for pk in item_ids if pk in items}
        self.codes = (
            item_labels(f.dictionary_id for f in custom_fields if f.dictionary_id)
            if cf_codes
            else {}
        )
        ids = {i for i in user_ids if isinstance(i, int)}
        self.users = (
            {u.pk: u.get_full_name() for u in get_user_model().objects.filter(pk__in=ids)}
            if ids
            else {}
        )

    def _writer(self, column: Column):
        """How one column's cells are written, chosen once for all rows: row -> (text, link)."""
        kind, name = column.kind, column.name
        if name.startswith("cf."):
            key = name[3:]
            definition = self.cf.get(key)
            if kind == "cfchoice" and definition is not None:
                labels, dictionary = self.codes, definition.dictionary_id

                def choice_codes(row):
                    value = (row.get("custom_field_data") or {}).get(key)
                    codes = value if isinstance(value, list) else [value]
                    return ", ".join(labels.get((dictionary, c), str(c)) for c in codes if c), ""

                return choice_codes
            if kind == "cfuser":
                return lambda row: (
                    self.users.get((row.get("custom_field_data") or {}).get(key), ""),
                    "",
                )
            return lambda row: (
                display(kind, (row.get("custom_field_data") or {}).get(key), self.dates),
                "",
            )
        if kind in ("dict", "user"):
            labels = self.items if kind == "dict" else self.users
            return lambda row: (labels.get(row.get(f"{name}_id"), ""), "")
        if kind == "choice":
            choices = self.choices[name]
            return lambda row: (str(choices.get(row.get(name), row.get(name) or "")), "")
        if kind == "name":
            return lambda row: (row.get(f"{name}__name") or "", "")
        if kind == "link":
            target = self.object_type.model._meta.get_field(name).related_model
            url_name = f"{target._meta.app_label}:{target._meta.model_name}_detail"
            return lambda row: (
                row.get(f"{name}__name") or "",
                self._url(url_name, row.get(f"{name}_id")),
            )
        if kind == "money":  # a pair of columns (crm.core.money.MoneyField)
            amount, currency = column.money_fields
            return lambda row: (
                money.to_text(money.Money(row[amount], row[currency]))
                if row.get(amount) is not None
                else "",
                "",
            )
        if kind == "title":
            url_name = self.object_type.url_name("detail")
            return lambda row: (
                display("text", row.get(name)) or f"#{row['id']}",
                self._url(url_name, row["id"]),
            )
        return lambda row: (display(kind, row.get(name), self.dates), "")

    def _url(self, name: str, pk) -> str:
        """A detail URL, reversed once per formatter (exports ask for none)."""
        if not self.links or not pk:
            return ""
        if name not in self._urls:
            head, _, tail = reverse(name, args=[0]).rpartition("0")
            self._urls[name] = (head, tail)
        head, tail = self._urls[name]
        return f"{head}{pk}{tail}"

    def rows(self, rows: list[dict]) -> list[dict]:
        writers = [self._shown(c) for c in self.columns]
        return [{"id": r["id"], "cells": [write(r) for write in writers]} for r in rows]

    def _shown(self, column: Column):
        write = self._writer(column)
        if column.name not in self.hidden:
            return write

        def masked(row):
            text, url = write(row)
            return masking.mask(text), url

        return masked


def display(kind: str, value: Any, dates: DateTexts | None = None) -> str:
    """A plain value as the user reads it in their language (`dates`: the formats and time
    zone, when many values are written at once)."""
    if value is None or value == "":
        return ""
    if kind == "bool" or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "money":  # a bare amount (a custom field) is in the company currency
        try:
            return money.to_text(money.Money(decimal.Decimal(str(value)), money.company_currency()))
        except decimal.InvalidOperation:
            return str(value)
    if isinstance(value, datetime.date):
        return (dates or DateTexts()).text(value)
    if kind in ("date", "datetime") and isinstance(value, str):
        return value.replace("T", " ")[:16]
    return str(value)


# Django date format letters that strftime writes the same way.
_STRFTIME = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S"}


@functools.lru_cache(maxsize=16)
def _strftime(pattern: str) -> str | None:
    """A Django date `pattern` as a strftime pattern, or None when it uses other letters
    (month names, a.m./p.m. ...). A list or an export formats a date in 2 µs so, 30 µs
    through Django's formatter."""
    out = []
    for char in pattern:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif (char.isascii() and char.isalpha()) or char == "\\":
            return None
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


class DateTexts:
    """Dates and times as the user reads them: their language's short formats and the
    time zone, looked up once (a list or an export writes many)."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.datetime_format = formats.get_format("SHORT_DATETIME_FORMAT")
        self.date_format = formats.get_format("SHORT_DATE_FORMAT")

    def text(self, value: datetime.date) -> str:
        if isinstance(value, datetime.datetime):
            return _written(value.astimezone(self.zone), self.datetime_format)
        return _written(value, self.date_format)


def _written(value: datetime.date, pattern: str) -> str:
    fast = _strftime(pattern)
    return value.strftime(fast) if fast else formats.date_format(value, pattern)
