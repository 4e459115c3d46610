"""Pages where administrators set up the sales processes: the list, each process's stages
read as a path, and the form of a process with its stage rows."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.states import Category
from crm.core.views.editing import expected_version, go_to, posted, special_required
from crm.sales import processes
from crm.sales.models import Opportunity, OpportunityStatus, SalesProcess, SalesStage
from crm.sales.process_forms import (
    STAGE_BLANK,
    ProcessForm,
    new_process_rows,
    stage_formset,
    stored_stage_rows,
)
from crm.workflow.forms import rearranged

manages_settings = special_required("manage_settings")


def _open_opportunities() -> dict[int, int]:
    """The number of open opportunities by process."""
    counted = (
        Opportunity.objects.filter(status=OpportunityStatus.OPEN)
        .order_by()
        .values("process")
        .annotate(count=Count("id"))
    )
    return {row["process"]: row["count"] for row in counted}


@manages_settings
def process_list(request):
    """The sales processes in the order they are offered, each with its active stages."""
    active_stages = SalesStage.objects.filter(is_active=True).order_by("position", "id")
    found = SalesProcess.objects.visible_to(request.user).prefetch_related(
        Prefetch("stages", queryset=active_stages, to_attr="active_stages")
    )
    counts = _open_opportunities()
    rows = [
        {
            "process": process,
            "path": [s for s in process.active_stages if s.category == Category.OPEN],
            "closing": [s for s in process.active_stages if s.category != Category.OPEN],
            "open_count": counts.get(process.pk, 0),
        }
        for process in found
    ]
    return render(request, "sales/process_list.html", {"rows": rows})


def _visible_process(request, pk) -> SalesProcess:
    return get_object_or_404(SalesProcess.objects.visible_to(request.user), pk=pk)


def _redrawn(request, process: SalesProcess, data):
    """The form as posted, redrawn after a row button, nothing saved or checked yet."""
    posted_form = ProcessForm(data, instance=process)
    form = ProcessForm(
        initial={name: posted_form[name].data for name in posted_form.fields}, instance=process
    )
    operation = data.get("stages-op", "")
    rows = stage_formset(data).posted_rows()
    if operation:
        rows = rearranged(rows, operation, STAGE_BLANK)
    stages = stage_formset(rows=rows)
    stages.focus_added(operation, "name")
    context = {"form": form, "process": process, "stages": stages}
    return render(request, "sales/process_form.html#body", context)


def _process_page(request, process: SalesProcess):
    data = posted(request)
    if data is not None and "refresh" in data:
        return _redrawn(request, process, data)
    form = ProcessForm(data, instance=process)
    stored = stored_stage_rows(process) if process.pk else new_process_rows()
    stages = stage_formset(data, rows=stored)
    if data is not None and all([form.is_valid(), stages.is_valid()]):
        try:
            processes.save_process(
                form.instance,
                stages=stages.rows(),
                actor=request.user,
                expected_version=expected_version(form),
            )
        except DomainError as error:
            rest = stages.place(error.fields)
            show_domain_error(form, DomainError(error.code, error.message, rest))
        else:
            messages.success(
                request, _("Sales process “%(name)s” saved.") % {"name": form.instance}
            )
            return go_to(request, reverse("sales:process_list"))
    context = {"form": form, "process": process, "stages": stages}
    return render(request, "sales/process_form.html", context)


@manages_settings
def process_create(request):
    return _process_page(request, SalesProcess())


@manages_settings
def process_edit(request, pk):
    return _process_page(request, _visible_process(request, pk))


@require_POST
@manages_settings
def process_move(request, pk, direction):
    """Offer a process earlier or later (the list's up and down buttons)."""
    if direction not in {"up", "down"}:
        raise Http404
    process = _visible_process(request, pk)
    try:
        processes.move_process(process, actor=request.user, offset=-1 if direction == "up" else 1)
    except DomainError as error:
        messages.error(request, error.message)
    return go_to(request, reverse("sales:process_list"))


@require_POST
@manages_settings
def process_delete(request, pk):
    """Delete a process, or deactivate it when opportunities follow it."""
    process = _visible_process(request, pk)
    try:
        deleted = processes.delete_process(process, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if deleted:
            text = _("Sales process “%(name)s” deleted.")
        else:
            text = _("Sales process “%(name)s” deactivated: opportunities follow it.")
        messages.success(request, text % {"name": process})
    return go_to(request, reverse("sales:process_list"))
