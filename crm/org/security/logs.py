"""The log pages' queries: filters, keyset pages and CSV export of the login log and of the
operation log (`crm.core.models.ObjectChange`).

Personal numbers in logged changes follow crm.core.masking: masked on the page for everyone,
and in the export for users without the "unmask" permission. The fields are those a
registered type declares masked and its custom fields of a masked kind, plus, for any model,
fields named like phone or ID numbers.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.http import StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core import access, changes, masking, paging, registry
from crm.core.exports import safe_cell
from crm.core.forms import StyledFormMixin
from crm.core.models import ChangeAction, ObjectChange, TrackedModel
from crm.org.models import LoginEvent, LoginResult, User

PAGE_SIZE = 50
EXPORT_BATCH = 2000
VALUE_MAX = 200
# Fields masked (138****5678) in any model, registered or not (employees' phones ...).
_SENSITIVE_FIELD = re.compile(r"phone|mobile|tel|fax|id_?no|id_?number|id_?card|identity", re.I)


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _PeriodForm(StyledFormMixin, forms.Form):
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter_period(self, queryset, field: str = "time"):
        data = self.cleaned_data
        if data.get("since"):
            queryset = queryset.filter(**{f"{field}__gte": _day_start(data["since"])})
        if data.get("until"):
            end = _day_start(data["until"] + timedelta(days=1))
            queryset = queryset.filter(**{f"{field}__lt": end})
        return queryset


# ------------------------------------------------------------------------------ login log


class LoginLogFilter(_PeriodForm):
    username = forms.CharField(label=_("user name"), required=False, max_length=150)
    result = forms.ChoiceField(
        label=_("result"),
        required=False,
        choices=[("", _("Any result")), *LoginResult.choices],
    )
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)

    field_order = ["username", "result", "ip", "since", "until"]

    def queryset(self):
        rows = LoginEvent.objects.all()
        if not self.is_valid():
            return rows.none()
        data = self.cleaned_data
        if data.get("username"):
            rows = rows.filter(username=data["username"].strip().lower())
        if data.get("result"):
            rows = rows.filter(result=data["result"])
        if data.get("ip"):
            rows = rows.filter(ip=data["ip"])
        return self.filter_period(rows)


LOGIN_FIELDS = ["time", "username", "user__full_name", "result", "ip", "user_agent"]


def login_rows(rows: list[dict]) -> list[dict]:
    results = dict(LoginResult.choices)
    for row in rows:
        row["result_label"] = results.get(row["result"], row["result"])
        row["browser"] = browser(row["user_agent"])
    return rows


def login_csv(queryset) -> Iterator[list[str]]:
    yield [
        str(_("time")),
        str(_("user name")),
        str(_("name")),
        str(_("result")),
        str(_("IP address")),
        str(_("browser")),
    ]
    for row in _batches(queryset, LOGIN_FIELDS, login_rows):
        yield [
            timezone.localtime(row["time"]).strftime("%Y-%m-%d %H:%M:%S"),
            row["username"],
            row["user__full_name"] or "",
            str(row["result_label"]),
            row["ip"] or "",
            row["user_agent"],
        ]


# -------------------------------------------------------------------------- operation log


def tracked_models() -> list[type]:
    """Every model whose writes go to the change log, by label."""
    models = [m for m in apps.get_models() if issubclass(m, TrackedModel) and not m._meta.abstract]
    return sorted(models, key=lambda m: str(m._meta.verbose_name))


class ChangeLogFilter(_PeriodForm):
    actor = forms.ModelChoiceField(
        User.objects.none(), label=_("user"), required=False, empty_label=_("Anyone")
    )
    type = forms.ChoiceField(label=_("object type"), required=False)
    record = forms.IntegerField(label=_("record id"), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("action"),
        required=False,
        choices=[("", _("Any action")), *ChangeAction.choices],
    )

    field_order = ["actor", "type", "record", "action", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = User.objects.order_by("username")
        self.fields["actor"].widget.attrs["class"] = "form-select tom-select"
        self.fields["type"].choices = [("", _("All types"))] + [
            (m._meta.label_lower, capfirst(m._meta.verbose_name)) for m in tracked_models()
        ]

    def queryset(self):
        rows = ObjectChange.objects.all()
        if not self.is_valid():
            return rows.none()
        data = self.cleaned_data
        if data.get("actor"):
            rows = rows.filter(actor=data["actor"])
        if data.get("type"):
            model = apps.get_model(data["type"])
            rows = rows.filter(content_type=ContentType.objects.get_for_model(model))
        if data.get("record"):
            rows = rows.filter(object_id=data["record"])
        if data.get("action"):
            rows = rows.filter(action=data["action"])
        return self.filter_period(rows)


CHANGE_FIELDS = [
    "time",
    "actor__username",
    "actor__full_name",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "request_id",
]


def _masked_fields(model) -> frozenset[str]:
    """The fields of `model` masked in the log: those its type masks, and any named like a
    phone or ID number."""
    if model is None:
        return frozenset()
    object_type = registry.for_model(model)
    masked = masking.on_pages(object_type) if object_type else frozenset()
    return masked | {f.name for f in model._meta.get_fields() if _SENSITIVE_FIELD.search(f.name)}


def change_rows(user, *, export: bool = False) -> Callable[[list[dict]], list[dict]]:
    """A function that dresses raw `ObjectChange` rows for display (or `export`): values
    as people read them (crm.core.changes.Reader), personal numbers masked."""
    unmasked = export and access.has_special(user, "unmask")
    actions = dict(ChangeAction.choices)
    masked_fields = functools.cache(_masked_fields)  # once per type, not once per row

    def dress(rows: list[dict]) -> list[dict]:
        for row in rows:
            content_type = ContentType.objects.get_for_id(row["content_type_id"])
            row["model"] = content_type.model_class()
        reader = changes.Reader((row["model"], row["changes"]) for row in rows)
        for row in rows:
            model = row["model"]
            row["type_label"] = capfirst(model._meta.verbose_name) if model else ""
            row["action_label"] = actions.get(row["action"], row["action"])
            row["actor_label"] = row["actor__full_name"] or row["actor__username"] or ""
            row["url"] = _detail_url(model, row["object_id"])
            hidden = frozenset() if unmasked else masked_fields(model)
            row["fields"] = [
                changes.ChangedValue(value.label, _short(value.before), _short(value.after))
                for value in reader.rows(model, row["changes"], hidden)
            ]
        return rows

    return dress


def _short(text: str) -> str:
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _detail_url(model, pk: int) -> str:
    object_type = registry.for_model(model) if model else None
    if object_type is None:
        return ""
    try:
        return reverse(object_type.url_name("detail"), args=[pk])
    except NoReverseMatch:
        return ""


def change_csv(queryset, user) -> Iterator[list[str]]:
    yield [
        str(_("time")),
        str(_("user")),
        str(_("action")),
        str(_("object type")),
        str(_("record id")),
        str(_("record")),
        str(_("changes")),
    ]
    for row in _batches(queryset, CHANGE_FIELDS, change_rows(user, export=True)):
        yield [
            timezone.localtime(row["time"]).strftime("%Y-%m-%d %H:%M:%S"),
            row["actor_label"],
            str(row["action_label"]),
            str(row["type_label"]),
            str(row["object_id"]),
            row["object_repr"],
            "; ".join(f"{f.label}: {f.before} → {f.after}" for f in row["fields"]),
        ]


# ------------------------------------------------------------------------------- shared


def page(queryset, fields: list[str], dress, cursor: str | None) -> paging.Page:
    """One keyset page, newest first."""
    result = paging.paginate(queryset, "-time", fields=fields, limit=PAGE_SIZE, cursor=cursor)
    dress(result.rows)
    return result


def _batches(queryset, fields: list[str], dress) -> Iterator[dict]:
    cursor = None
    while True:
        batch = paging.paginate(queryset, "-time", fields=fields, limit=EXPORT_BATCH, cursor=cursor)
        yield from dress(batch.rows)
        if not batch.next_cursor:
            return
        cursor = batch.next_cursor


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(lines: Iterator[list[str]], name: str) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with BOM), formulas neutralised."""
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for line in lines:
            yield writer.writerow([safe_cell(cell) for cell in line])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


# --------------------------------------------------------------------------------- browsers

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("MicroMessenger", "WeChat"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser(user_agent: str) -> str:
    """A short description of a browser from its user agent: "Chrome · Windows"."""
    if not user_agent:
        return ""
    name = next((label for token, label in _BROWSERS if token in user_agent), "")
    system = next((label for token, label in _SYSTEMS if token in user_agent), "")
    short = " · ".join(part for part in (name, system) if part)
    return short or user_agent[:40]
