"""Imports through the API: upload a file and start it in one call, then follow it.

POST /api/v1/imports/ (multipart: type, file, on_duplicate, match, mapping, columns,
                      add_missing_choices)
GET  /api/v1/imports/            the caller's recent imports
GET  /api/v1/imports/{id}/       progress and counts
GET  /api/v1/imports/{id}/errors/?after=ROW   rows not imported, with the reasons
POST /api/v1/imports/{id}/cancel/
"""

from __future__ import annotations

import datetime
import json

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel

from crm.core import registry
from crm.core.api import errors
from crm.core.errors import ValidationFailed
from crm.core.imports import services
from crm.core.models import Job

router = Router(tags=["Imports"])
ERRORS_PAGE = 500


class ImportOut(BaseModel):
    id: int
    type: str
    status: str
    file_name: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    rows: int
    rows_done: int
    percent: int
    summary: dict[str, int]
    message: str
    columns: dict[str, str]
    on_duplicate: str
    match: str
    unknown_values: dict[str, list[str]]
    error_workbook: str | None


class RowErrorOut(BaseModel):
    row: int
    message: str


def _out(job: Job) -> dict:
    params = job.params
    return {
        "id": job.pk,
        "type": registry.get(job.type_key).slug,
        "status": job.status,
        "file_name": job.file_name,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "rows": job.total,
        "rows_done": job.checkpoint,
        "percent": job.percent,
        "summary": job.summary,
        "message": job.message,
        "columns": dict(zip(params.get("headers", []), params.get("columns", []), strict=False)),
        "on_duplicate": params.get("on_duplicate", ""),
        "match": params.get("match", ""),
        "unknown_values": params.get("unknown", {}),
        "error_workbook": reverse("import_errors", args=[job.pk]) if job.result_file else None,
    }


def _type_by_slug(slug: str) -> registry.ObjectType:
    for object_type in registry.all_types():
        if slug in (object_type.slug, object_type.key):
            return object_type
    raise ValidationFailed({"type": [_("There is no type “%(type)s”.") % {"type": slug}]})


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        message = _("Give the columns as a JSON object of headers and fields.")
        raise ValidationFailed({"columns": [message]})
    return value


def _job(request, pk: int) -> Job:
    return get_object_or_404(services.visible_imports(request.user), pk=pk)


@router.post("/", response={201: ImportOut, **errors(400, 401, 403, 409, 413, 422)})
def create_import(
    request,
    type: Form[str],
    file: File[UploadedFile],
    on_duplicate: Form[str] = "skip",
    match: Form[str] = "",
    mapping: Form[str] = "",
    columns: Form[str] = "",
    add_missing_choices: Form[bool] = False,
):
    """Upload and start an import. Columns are matched to fields automatically (or by the
    saved template `mapping`); `columns` (JSON {header: field, "": to ignore}) overrides
    single columns; `match` defaults to the first key the columns allow (with none, every
    row creates a record). Values that are no dictionary item (`unknown_values`) fail
    their rows, or are added to their dictionaries with `add_missing_choices`."""
    object_type = _type_by_slug(type)
    template = services.template_named(object_type, request.user, mapping) if mapping else None
    overrides = _json_object(columns) if columns else {}
    job = services.upload(request.user, object_type, file, template=template)
    chosen = list(job.params["columns"])
    if overrides:
        headers = job.params["headers"]
        chosen = [overrides.get(h, c) for h, c in zip(headers, chosen, strict=True)]
    policy, key = services.duplicate_policy(object_type, chosen, on_duplicate, match)
    try:
        values = services.every_unknown_added(job, chosen) if add_missing_choices else {}
        services.configure(job, request.user, chosen, policy, key, values=values)
    except ValidationFailed:
        services.discard(job)  # nothing is kept of an import the API refused
        raise
    services.start(job, request.user)
    job.refresh_from_db()
    return Status(201, _out(job))


@router.get("/", response={200: list[ImportOut], **errors(401, 422)})
def list_imports(request, limit: int = 50):
    """The caller's imports (all imports for administrators), newest first."""
    jobs = services.visible_imports(request.user).order_by("-created_at", "-pk")
    return [_out(job) for job in jobs[: max(1, min(limit, 200))]]


@router.get("/{int:pk}/", response={200: ImportOut, **errors(401, 404)})
def retrieve_import(request, pk: int):
    return _out(_job(request, pk))


@router.get("/{int:pk}/errors/", response={200: list[RowErrorOut], **errors(401, 404, 422)})
def import_errors(request, pk: int, after: int = 0):
    """Rows not imported after row `after`, in row order, 500 at a time."""
    rows = _job(request, pk).row_errors.filter(row__gt=after).order_by("row")
    return list(rows.values("row", "message")[:ERRORS_PAGE])


@router.post("/{int:pk}/cancel/", response={200: ImportOut, **errors(401, 403, 404, 409)})
def cancel_import(request, pk: int):
    job = _job(request, pk)
    services.cancel(job, request.user)
    job.refresh_from_db()
    return _out(job)
