"""The import wizard's pages: upload, mapping with a preview, progress, summary, downloads.
Each view is thin: it finds the import through `visible_imports`, parses a form and calls
one service of crm.core.imports.services."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from crm.core import registry
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.imports import services
from crm.core.imports.engine import CREATED, FAILED, OUTCOMES, ROW, SKIPPED, UNCHANGED, UPDATED
from crm.core.imports.forms import MappingForm, UploadForm
from crm.core.models import JobStatus
from crm.core.views.editing import go_to, paginate, posted
from crm.core.views.generic import render_page

DETAIL = "core/import_detail.html"
OUTCOME_LABELS = {
    CREATED: pgettext_lazy("import outcome", "Created"),
    UPDATED: pgettext_lazy("import outcome", "Updated"),
    UNCHANGED: pgettext_lazy("import outcome", "Unchanged"),
    SKIPPED: pgettext_lazy("import outcome", "Skipped"),
    FAILED: pgettext_lazy("import outcome", "Failed"),
}


def _importable(user, type_key: str):
    """The type, when `user` may import it (else the 403 page, with the reason)."""
    object_type = registry.get(type_key)
    services.require_import(user, object_type)
    return object_type


def _job(request, pk: int):
    return get_object_or_404(services.visible_imports(request.user), pk=pk)


def _detail_url(job) -> str:
    return reverse("import_detail", args=[job.pk])


def _download(field_file, name: str):
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def upload_view(request, type_key: str):
    """Step 1: choose a file (and optionally a saved mapping)."""
    object_type = _importable(request.user, type_key)
    form = UploadForm(
        posted(request),
        request.FILES or None,
        templates=services.templates_for(object_type, request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.upload(
                request.user,
                object_type,
                form.cleaned_data["file"],
                template=form.chosen_template(),
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return go_to(request, _detail_url(job))
    return render(request, "core/import_upload.html", {"object_type": object_type, "form": form})


@login_required
def template_view(request, type_key: str):
    """An empty workbook with the importable fields as headers, in the user's language."""
    object_type = _importable(request.user, type_key)
    workbook = io.BytesIO()
    services.write_template(object_type, workbook)
    workbook.seek(0)
    name = _("%(type)s import template") % {"type": object_type.label_plural}
    return FileResponse(workbook, as_attachment=True, filename=f"{name}.xlsx")


@login_required
def list_view(request):
    """Past imports the user may see, newest first."""
    imports = services.visible_imports(request.user).order_by("-created_at", "-pk")
    context = {
        "page": paginate(request, imports),
        "types": {t.key: t for t in registry.all_types()},
    }
    return render(request, "core/import_list.html", context)


def _detail(request, job, form: MappingForm | None = None, outcomes=None):
    """The import's page for its state; a poll of the progress gets only the status."""
    object_type = registry.get(job.type_key)
    context = {
        "job": job,
        "object_type": object_type,
        "counts": [(key, OUTCOME_LABELS[key], job.summary.get(key, 0)) for key in OUTCOMES],
    }
    if job.status == JobStatus.DRAFT:
        form = form or MappingForm(object_type=object_type, params=job.params, user=request.user)
        context.update(
            form=form,
            columns=list(zip(form.column_fields, services.samples(job), strict=True)),
            preview=_preview_rows(job.params, outcomes) if outcomes is not None else None,
        )
        return render_page(request, DETAIL, context, partial="mapping")
    return render_page(request, DETAIL, context, partial="status")


def _preview_rows(params: dict, outcomes) -> dict:
    """The preview table: the mapped columns, then per row its cells with their errors."""
    shown = [i for i, key in enumerate(params["columns"]) if key]
    return {
        "headers": [params["headers"][i] for i in shown],
        "rows": [
            {
                "number": o.row,
                "action": o.action,
                "cells": [(o.cells[i], o.errors.get(i, ())) for i in shown],
                "errors": o.errors.get(ROW, ()),
            }
            for o in outcomes
        ],
    }


@login_required
def detail_view(request, pk: int):
    """Step 2 (mapping) for a draft; progress while it runs; the summary at the end."""
    return _detail(request, _job(request, pk))


def _mapping(request, job) -> MappingForm:
    return MappingForm(
        request.POST, object_type=registry.get(job.type_key), params=job.params, user=request.user
    )


@login_required
@require_POST
def preview_view(request, pk: int):
    """Keep the mapping and show what the first rows would become (nothing is written)."""
    job = _job(request, pk)
    if job.status != JobStatus.DRAFT:
        return go_to(request, _detail_url(job))
    form = _mapping(request, job)
    outcomes = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.configure(
                job,
                request.user,
                form.columns(),
                data["on_duplicate"],
                data["match"],
                values=form.values(),
            )
            outcomes = services.preview(job, request.user)
        except DomainError as error:
            show_domain_error(form, error)
        else:  # as kept: the values of newly chosen dictionary columns are offered too
            form = MappingForm(
                object_type=registry.get(job.type_key), params=job.params, user=request.user
            )
    return _detail(request, job, form, outcomes)


@login_required
@require_POST
def start_view(request, pk: int):
    """Keep the mapping (and the template, if named) and queue the import."""
    job = _job(request, pk)
    if job.status != JobStatus.DRAFT:
        return go_to(request, _detail_url(job))  # started already (a second click)
    form = _mapping(request, job)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.configure(
                job,
                request.user,
                form.columns(),
                data["on_duplicate"],
                data["match"],
                data["save_as"],
                values=form.values(),
            )
            services.start(job, request.user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return go_to(request, _detail_url(job))
    return _detail(request, job, form)


@login_required
@require_POST
def cancel_view(request, pk: int):
    """Stop the import after its current batch."""
    job = _job(request, pk)
    services.cancel(job, request.user)
    return go_to(request, _detail_url(job))


@login_required
def file_view(request, pk: int):
    """The uploaded file, as it was."""
    job = _job(request, pk)
    if not job.file:
        raise Http404
    return _download(job.file, job.file_name)


@login_required
def errors_view(request, pk: int):
    """The error workbook: the rows not imported, with why."""
    job = _job(request, pk)
    if not job.result_file:
        raise Http404
    return _download(job.result_file, services.error_file_name(job))
