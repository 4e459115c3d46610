"""Pages of approvals: the approval processes administrators set up, the approval panel of
a record with its approve / reject / transfer / withdraw forms, and the approvals lists."""

from __future__ import annotations

from decimal import Decimal
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from crm.core import changes, masking, money, registry
from crm.core.errors import DomainError, ValidationFailed
from crm.core.forms import show_domain_error
from crm.core.views.editing import expected_version, go_to, posted, special_required
from crm.workflow import conditions, processes, services
from crm.workflow.forms import (
    STEP_BLANK,
    ApproveForm,
    ProcessForm,
    RejectForm,
    TransferForm,
    condition_formset,
    rearranged,
    step_formset,
    stored_condition_rows,
    stored_step_rows,
)
from crm.workflow.models import (
    ApprovalProcess,
    ApprovalRequest,
    ApproverKind,
    RequestState,
    StepMode,
)

manages_settings = special_required("manage_settings")


# ---------------------------------------------------------------------- approval processes


def step_summary(step) -> str:
    """A step in a few words: "Role in the company: Sales director (countersign)"."""
    kind = step.approver_kind
    who = ""
    if kind in processes.ROLE_KINDS:
        who = str(step.role)
    elif kind == ApproverKind.USERS:
        who = ", ".join(str(user) for user in step.users.all())
    if kind == ApproverKind.SUPERIOR_LEVEL:
        text = _("Superior %(levels)d levels up") % {"levels": step.levels}
    elif who:
        text = _("%(approver)s: %(who)s") % {
            "approver": step.get_approver_kind_display(),
            "who": who,
        }
    else:
        text = str(step.get_approver_kind_display())
    if step.name:
        text = f"{step.name} · {text}"
    if step.mode == StepMode.ALL:
        text = _("%(step)s (countersign)") % {"step": text}
    return text


def _process_row(process: ApprovalProcess) -> dict:
    return {
        "process": process,
        "conditions": conditions.describe(process.type_key, process.conditions),
        "steps": [step_summary(step) for step in process.steps.all()],
    }


def _group_title(type_key: str, approvable_key: str) -> str:
    approvable = services.approvable_of(type_key, approvable_key)
    try:
        type_label = str(registry.get(type_key).label_plural)
    except KeyError:
        type_label = type_key
    return f"{type_label} · {approvable.label if approvable else approvable_key}"


@manages_settings
def process_list(request):
    """The approval processes by type and what they approve, in the order they are tried."""
    found = (
        ApprovalProcess.objects.visible_to(request.user)
        .prefetch_related("steps__role", "steps__users")
        .order_by("type_key", "approvable", "sort_order", "id")
    )
    groups = []
    for (type_key, approvable), members in groupby(found, lambda p: (p.type_key, p.approvable)):
        rows = [_process_row(process) for process in members]
        groups.append({"title": _group_title(type_key, approvable), "rows": rows})
    return render(request, "workflow/process_list.html", {"groups": groups})


def _visible_process(request, pk) -> ApprovalProcess:
    return get_object_or_404(ApprovalProcess.objects.visible_to(request.user), pk=pk)


def _redrawn(request, process: ApprovalProcess, data):
    """The form as posted, redrawn after a choice or a row button, nothing saved or
    checked yet (no errors shown for what is still being typed)."""
    url = request.path
    posted_form = ProcessForm(data, instance=process)
    form = ProcessForm(
        initial={name: posted_form[name].data for name in posted_form.fields},
        instance=process,
        refresh_url=url,
    )
    condition_op, step_op = data.get("conditions-op", ""), data.get("steps-op", "")
    condition_rows = condition_formset(form.chosen_type, data).posted_rows()
    if condition_op:
        condition_rows = rearranged(condition_rows, condition_op, {})
    step_rows = step_formset(data).posted_rows()
    if step_op:
        step_rows = rearranged(step_rows, step_op, STEP_BLANK)
    conditions_shown = condition_formset(form.chosen_type, rows=condition_rows, refresh_url=url)
    conditions_shown.focus_added(condition_op, "field")
    steps_shown = step_formset(rows=step_rows, refresh_url=url)
    steps_shown.focus_added(step_op, "name")
    context = {
        "form": form,
        "process": process,
        "conditions": conditions_shown,
        "steps": steps_shown,
        "refresh_url": url,
    }
    return render(request, "workflow/process_form.html#body", context)


def _process_page(request, process: ApprovalProcess):
    data = posted(request)
    if data is not None and "refresh" in data:
        return _redrawn(request, process, data)
    url = request.path
    form = ProcessForm(data, instance=process, refresh_url=url)
    stored = stored_condition_rows(process.conditions)
    conditions_rows = condition_formset(form.chosen_type, data, rows=stored, refresh_url=url)
    steps = step_formset(
        data, rows=stored_step_rows(process) if process.pk else None, refresh_url=url
    )
    if data is not None:
        checked = [form.is_valid(), conditions_rows.is_valid(), steps.is_valid()]
        if all(checked):
            try:
                processes.save_process(
                    form.instance,
                    conditions=conditions_rows.rows(),
                    steps=steps.rows(),
                    actor=request.user,
                    expected_version=expected_version(form),
                )
            except DomainError as error:
                rest = conditions_rows.place(steps.place(error.fields))
                on_form = {"target" if k == "approvable" else k: v for k, v in rest.items()}
                show_domain_error(form, DomainError(error.code, error.message, on_form))
            else:
                messages.success(
                    request, _("Approval process “%(name)s” saved.") % {"name": form.instance}
                )
                return go_to(request, reverse("workflow:process_list"))
    context = {
        "form": form,
        "process": process,
        "conditions": conditions_rows,
        "steps": steps,
        "refresh_url": url,
    }
    return render(request, "workflow/process_form.html", context)


@manages_settings
def process_create(request):
    return _process_page(request, ApprovalProcess())


@manages_settings
def process_edit(request, pk):
    return _process_page(request, _visible_process(request, pk))


@require_POST
@manages_settings
def process_move(request, pk, direction):
    """Try a process earlier or later (the list's up and down buttons)."""
    if direction not in {"up", "down"}:
        raise Http404
    process = _visible_process(request, pk)
    try:
        processes.move_process(process, actor=request.user, offset=-1 if direction == "up" else 1)
    except DomainError as error:
        messages.error(request, error.message)
    return go_to(request, reverse("workflow:process_list"))


@require_POST
@manages_settings
def process_delete(request, pk):
    """Delete a process, or deactivate it when records went through it."""
    process = _visible_process(request, pk)
    try:
        deleted = processes.delete_process(process, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if deleted:
            text = _("Approval process “%(name)s” deleted.")
        else:
            text = _("Approval process “%(name)s” deactivated: records went through it.")
        messages.success(request, text % {"name": process})
    return go_to(request, reverse("workflow:process_list"))


# ------------------------------------------------------------------- a record's approval


def _amount_text(record, field, value) -> str:
    """An amount in its record's currency (the company's when it has none): ¥300,000.00."""
    if value in (None, ""):
        return changes.EMPTY
    prefix = field.name.removesuffix("_amount")
    currency = getattr(record, f"{prefix}_currency", None) or money.company_currency()
    return money.to_text(money.Money(Decimal(str(value)), currency))


def _proposed_change(request_obj, record) -> list[changes.ChangedValue]:
    """The held change as the change log reads it, amounts as the record's page shows
    them: field, stored → proposed."""
    model = type(record)
    fields = model._meta.concrete_fields
    amounts = {f.attname: f for f in fields if isinstance(f, money.AmountField)}
    diff = {
        name: [request_obj.previous.get(name), value]
        for name, value in request_obj.proposed.items()
    }
    others = {name: pair for name, pair in diff.items() if name not in amounts}
    object_type = registry.for_model(model)
    hidden = masking.on_pages(object_type) if object_type else frozenset()
    rows = changes.Reader([(model, others)]).rows(model, others, hidden) if others else []
    for name, (before, after) in diff.items():
        if name in amounts:
            field = amounts[name]
            texts = [_amount_text(record, field, value) for value in (before, after)]
            rows.append(changes.ChangedValue(str(capfirst(field.verbose_name)), *texts))
    return rows


def current_step(request_obj) -> str:
    """The step a pending request is at ("2. Finance"), "" once it is decided."""
    if request_obj.state != RequestState.PENDING or request_obj.step >= len(request_obj.steps):
        return ""
    return f"{request_obj.step + 1}. {services.step_label(request_obj.steps[request_obj.step])}"


def _path(request_obj) -> list[dict]:
    """The steps of a request with each approver's part in them, the current one marked."""
    tasks = list(request_obj.tasks.select_related("approver").order_by("created_at", "id"))
    pending = request_obj.state == RequestState.PENDING
    return [
        {
            "number": index + 1,
            "name": services.step_label(step),
            "countersign": step.get("mode") == StepMode.ALL,
            "current": pending and index == request_obj.step,
            "done": index < request_obj.step or request_obj.state == RequestState.APPROVED,
            "tasks": [task for task in tasks if task.step == index],
        }
        for index, step in enumerate(request_obj.steps)
    ]


def approval_context(record, user, request_obj=None, forms: dict | None = None) -> dict:
    """What the approval panel of `record` shows `user`: the last request on it, the
    change it holds, its path and history, and the forms `user` may use on it now."""
    request_obj = request_obj or services.latest_request(record)
    if request_obj is None:
        return {"record": record, "approval": None}
    may_act = services.can_act(request_obj, user)
    pending = request_obj.state == RequestState.PENDING
    shown = {
        "approve": ApproveForm(),
        "reject": RejectForm(earlier=_earlier(request_obj)),
        "transfer": TransferForm(),
        **(forms or {}),
    }
    return {
        "record": record,
        "approval": request_obj,
        "change": _proposed_change(request_obj, record),
        "path": _path(request_obj),
        "history": request_obj.history.select_related("actor", "to_user").order_by("at", "id"),
        "may_act": may_act,
        "may_withdraw": pending and request_obj.submitter_id == user.pk,
        "forms": shown if may_act else {},
    }


def approval_panel(record, user) -> dict:
    """The approval panel's data (registry.Panel context)."""
    return approval_context(record, user)


def _visible_request(request, pk):
    return get_object_or_404(
        ApprovalRequest.objects.on_visible_records(request.user).select_related(
            "process", "submitter", "content_type"
        ),
        pk=pk,
    )


def _toast(response, level: str, message: str):
    trigger_client_event(response, "toast", {"level": level, "message": str(message)})
    return response


def _answer(request, request_obj, *, message: str, level: str, forms=None, status=200):
    """The refreshed panel (or the list row's buttons) with a toast; without htmx, back
    to the record's page with the message."""
    record = services.record_of(request_obj)
    if not request.htmx:
        getattr(messages, level)(request, message)
        object_type = registry.for_model(type(record))
        return go_to(request, reverse(object_type.url_name("detail"), args=[record.pk]))
    if request.POST.get("shown_in") == "row":
        context = {
            "approval": request_obj,
            "may_act": services.can_act(request_obj, request.user),
            "now_at": current_step(request_obj),
        }
        response = render(request, "workflow/_quick_actions.html", context, status=status)
    else:
        context = approval_context(record, request.user, request_obj, forms)
        response = render(
            request, "workflow/_approval_panel.html", {"data": context}, status=status
        )
    return _toast(response, level, message) if message else response


def _earlier(request_obj) -> list[tuple[int, str]]:
    """The steps before the current one, which a rejection may send the request back to."""
    steps = request_obj.steps[: request_obj.step]
    return [(i, f"{i + 1}. {services.step_label(step)}") for i, step in enumerate(steps)]


def _act(request, request_obj, form, operation, done: str):
    """Run one operation on a request from its posted form; a refusal changes nothing
    and says why, a wrong field shows next to it."""
    if form.is_valid():
        try:
            operation(form.cleaned_data)
        except ValidationFailed as error:
            show_domain_error(form, error)
        except DomainError as error:
            request_obj.refresh_from_db()
            return _answer(request, request_obj, message=error.message, level="error")
        else:
            request_obj.refresh_from_db()
            message = done % {"record": request_obj}
            return _answer(request, request_obj, message=message, level="success")
    message = " ".join(str(m) for ms in form.errors.values() for m in ms)
    return _answer(
        request, request_obj, message=message, level="error", forms={form.key: form}, status=422
    )


@require_POST
@login_required
def approval_approve(request, pk):
    request_obj = _visible_request(request, pk)
    return _act(
        request,
        request_obj,
        ApproveForm(request.POST),
        lambda data: services.approve(request_obj, actor=request.user, comment=data["comment"]),
        _("You approved “%(record)s”."),
    )


@require_POST
@login_required
def approval_reject(request, pk):
    request_obj = _visible_request(request, pk)
    return _act(
        request,
        request_obj,
        RejectForm(request.POST, earlier=_earlier(request_obj)),
        lambda data: services.reject(
            request_obj, actor=request.user, comment=data["comment"], to_step=data["to_step"]
        ),
        _("You rejected “%(record)s”."),
    )


@require_POST
@login_required
def approval_transfer(request, pk):
    request_obj = _visible_request(request, pk)
    return _act(
        request,
        request_obj,
        TransferForm(request.POST),
        lambda data: services.transfer(
            request_obj, actor=request.user, to=data["to"], comment=data["comment"]
        ),
        _("You handed “%(record)s” on to another approver."),
    )


@require_POST
@login_required
def approval_withdraw(request, pk):
    request_obj = _visible_request(request, pk)
    try:
        services.withdraw(request_obj, actor=request.user)
    except DomainError as error:
        request_obj.refresh_from_db()
        return _answer(request, request_obj, message=error.message, level="error")
    request_obj.refresh_from_db()
    message = _("You withdrew “%(record)s”.") % {"record": request_obj}
    return _answer(request, request_obj, message=message, level="success")


APPROVAL_PANEL = registry.Panel(
    "approval",
    _lazy("Approval"),
    "workflow/_approval_panel.html",
    context=approval_panel,
    order=10,
    sidebar=True,
)


def add_approval_panel(object_type) -> None:
    """Give a type that sends something for approval the approval panel on its records'
    pages (crm.core.registry.extend calls it for every type)."""
    if object_type.approvals and APPROVAL_PANEL not in object_type.panels:
        object_type.panels = (*object_type.panels, APPROVAL_PANEL)


# ------------------------------------------------------------------------ approvals lists

BOXES = {
    "todo": _lazy("To approve"),
    "submitted": _lazy("Submitted by me"),
    "decided": _lazy("Decided by me"),
}
PAGE_SIZE = 50
BADGE_CAP = 99


def todo_count(user) -> int:
    """How many approvals wait for `user`, counted up to one more than the badge shows."""
    return services.requests_for(user, "todo")[: BADGE_CAP + 1].count()


def _list_row(request_obj) -> dict:
    model = request_obj.content_type.model_class()
    object_type = registry.for_model(model) if model else None
    approvable = (
        services.approvable_of(object_type.key, request_obj.approvable) if object_type else None
    )
    return {
        "approval": request_obj,
        "url": reverse(object_type.url_name("detail"), args=[request_obj.object_id])
        if object_type
        else "",
        "type": object_type.label if object_type else "",
        "what": approvable.label if approvable else request_obj.approvable,
        "step": current_step(request_obj),
    }


@login_required
def approval_list(request):
    """A user's approvals: to approve (approved or rejected right from the row), submitted
    by them, decided by them; in bounded pages."""
    box = request.GET.get("box", "todo")
    if box not in BOXES:
        box = "todo"
    page = request.GET.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    start = (number - 1) * PAGE_SIZE
    found = list(services.requests_for(request.user, box)[start : start + PAGE_SIZE + 1])
    context = {
        "box": box,
        "boxes": BOXES,
        "rows": [_list_row(r) for r in found[:PAGE_SIZE]],
        "page": number,
        "more": len(found) > PAGE_SIZE,
        "todo_count": todo_count(request.user),
        "badge_cap": BADGE_CAP,
    }
    return render(request, "workflow/approval_list.html", context)
