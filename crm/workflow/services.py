"""The approval engine: which process applies, who approves each step, and every
operation on a request (submit, approve, reject, return, transfer, withdraw, remind,
escalate). A request copies its process's steps when it starts; each step's approvers are
found from the submitter when the step begins."""

from __future__ import annotations

import contextlib
import datetime
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core import registry
from crm.core import services as core
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import ChangeAction
from crm.core.registry import Approvable, ObjectType
from crm.messaging import services as messaging
from crm.org.models import Employee, OrgUnit, OrgUnitKind
from crm.workflow import conditions
from crm.workflow.models import (
    ApprovalAction,
    ApprovalProcess,
    ApprovalRequest,
    ApprovalTask,
    ApproverKind,
    HistoryAction,
    RequestState,
    StepMode,
    TaskState,
)

User = get_user_model()


# ------------------------------------------------------------------------------ what applies


def approvables() -> list[tuple[ObjectType, Approvable]]:
    """Every registered type's approvables, in registry order."""
    return [(t, a) for t in registry.all_types() for a in t.approvals]


def approvable_of(type_key: str, key: str) -> Approvable | None:
    """The approvable `key` of the type registered as `type_key`, or None."""
    for object_type, approvable in approvables():
        if object_type.key == type_key and approvable.key == key:
            return approvable
    return None


def route(obj, approvable: Approvable, actor=None) -> ApprovalProcess | None:
    """The first active process of `approvable` whose conditions hold for `obj` as it
    stands (with the values proposed), or None: no approval needed."""
    object_type = registry.for_model(type(obj))
    assert object_type is not None
    processes = ApprovalProcess.objects.filter(
        type_key=object_type.key, approvable=approvable.key, is_active=True
    ).order_by("sort_order", "id")
    for process in processes:
        if conditions.holds(obj, process.conditions):
            return process
    return None


def pending_request(obj) -> ApprovalRequest | None:
    """The request pending on `obj`, or None."""
    return _on_record(obj).filter(state=RequestState.PENDING).first()


def latest_request(obj) -> ApprovalRequest | None:
    """The request on `obj` that started last, or None."""
    return _on_record(obj).order_by("-submitted_at", "-id").first()


def _on_record(obj) -> models.QuerySet[ApprovalRequest]:
    content_type = ContentType.objects.get_for_model(obj)
    return ApprovalRequest.objects.filter(content_type=content_type, object_id=obj.pk)


def record_of(request: ApprovalRequest):
    """The record a request is about (also from the recycle bin)."""
    model = request.content_type.model_class()
    assert model is not None
    return model._base_manager.get(pk=request.object_id)


def _approvable(request: ApprovalRequest) -> Approvable:
    model = request.content_type.model_class()
    object_type = registry.for_model(model) if model else None
    found = approvable_of(object_type.key, request.approvable) if object_type else None
    if found is None:
        raise DomainError("unknown_approval", _("This approval no longer applies to its record."))
    return found


# --------------------------------------------------------------------------- the platform's


def lock_reason(obj) -> str | None:
    """Why `obj` may not change now: an approval pending on it."""
    request = pending_request(obj)
    if request is None:
        return None
    return _("It awaits approval (%(process)s) and cannot be changed until that is decided.") % {
        "process": request.process.name
    }


def transition_refusal(obj, approvable: Approvable, step) -> str | None:
    """Why `step`, which the process runs, may not be started by hand on `obj`."""
    request = pending_request(obj)
    if request is None or request.approvable != approvable.key:
        return None
    return _("“%(action)s” is decided in the approval “%(process)s”.") % {
        "action": step.label,
        "process": request.process.name,
    }


@transaction.atomic
def hold(obj, approvable: Approvable, proposed: dict, process, actor) -> ApprovalRequest:
    """Start the approval of a change the write path held back: `obj` keeps the stored
    values, `proposed` (by attribute name) waits for the last step."""
    previous = {name: getattr(obj, name) for name in proposed}
    return _start(obj, approvable, process, actor, _json(proposed), _json(previous))


@transaction.atomic
def submitted(obj, approvable: Approvable, actor) -> ApprovalRequest | None:
    """Take a document its submit transition has just moved into the process that
    matches it; with none, approve it at once (no approval needed)."""
    process = route(obj, approvable, actor)
    if process is None:
        core.transition(obj, approvable.approve, actor=actor, by_process=True)
        return None
    return _start(obj, approvable, process, actor, {}, {})


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _start(obj, approvable, process, actor, proposed, previous) -> ApprovalRequest:
    if pending_request(obj) is not None:
        raise DomainError("approval_pending", _("An approval is already pending on this record."))
    request = ApprovalRequest.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        process=process,
        approvable=approvable.key,
        title=str(obj)[:255],
        proposed=proposed,
        previous=previous,
        steps=_copy_steps(process),
        submitter=actor,
    )
    _record(request, HistoryAction.SUBMITTED, actor, obj=obj)
    _enter_step(request, 0, actor, obj)
    return request


def _copy_steps(process: ApprovalProcess) -> list[dict[str, Any]]:
    steps = [
        {
            "name": step.name,
            "kind": step.approver_kind,
            "levels": step.levels,
            "role": step.role_id,
            "users": sorted(u.pk for u in step.users.all()),
            "mode": step.mode,
            "skip_submitter": step.skip_submitter,
            "time_limit_hours": step.time_limit_hours,
        }
        for step in process.steps.order_by("position", "id").prefetch_related("users")
    ]
    if not steps:
        raise DomainError(
            "process_without_steps",
            _("The approval process “%(process)s” has no steps.") % {"process": process.name},
        )
    return steps


def step_label(step: dict[str, Any]) -> str:
    """A request's step as people call it: its name, else its kind of approver in the
    reader's language."""
    kind = step.get("kind", "")
    kind_label = ApproverKind(kind).label if kind in ApproverKind.values else kind
    return step.get("name") or str(kind_label)


# ------------------------------------------------------------------------------- approvers


def _employee(user) -> Employee | None:
    return (
        Employee.objects.filter(user=user)
        .select_related("department", "superior__user", "department__head__user")
        .first()
    )


def _active(users) -> list:
    return [u for u in users if u is not None and u.is_active]


def _superior(user, levels: int = 1):
    employee = _employee(user)
    for _level in range(levels):
        if employee is None or employee.superior is None:
            return None
        employee = _employee(employee.superior.user) if employee.superior.user else None
    return employee.user if employee else None


def _ancestors(unit: OrgUnit) -> list[int]:
    """The unit and the units above it, nearest first."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return list(reversed(ids)) or [unit.pk]


def _role_holders(role_id: int, unit_ids: list[int]) -> list:
    return list(
        User.objects.filter(
            is_active=True, roles__id=role_id, employee__department_id__in=unit_ids
        ).distinct()
    )


def approvers_of(step: dict[str, Any], submitter) -> list:
    """Who approves `step` of a request `submitter` made, found now."""
    kind = step["kind"]
    if kind == ApproverKind.USERS:
        return list(User.objects.filter(pk__in=step["users"], is_active=True).order_by("pk"))
    if kind in (ApproverKind.SUPERIOR, ApproverKind.SUPERIOR_LEVEL):
        levels = step["levels"] if kind == ApproverKind.SUPERIOR_LEVEL else 1
        return _active([_superior(submitter, max(levels, 1))])
    employee = _employee(submitter)
    if employee is None:
        return []
    department = employee.department
    if kind == ApproverKind.DEPARTMENT_HEAD:
        head = department.head
        return _active([head.user if head else None])
    units = OrgUnit.objects.in_bulk(_ancestors(department))
    chain = [units[i] for i in _ancestors(department) if i in units]
    if kind == ApproverKind.ROLE_DEPARTMENT:
        # Holders in the submitter's department, else in the nearest department above it.
        for unit in chain:
            if unit.kind != OrgUnitKind.DEPARTMENT:
                break
            found = _role_holders(step["role"], [unit.pk])
            if found:
                return found
        return []
    company = next(
        (u for u in chain if u.kind == OrgUnitKind.COMPANY), chain[-1] if chain else None
    )
    if company is None:
        return []
    subtree = OrgUnit.objects.filter(path__startswith=company.path).values_list("pk", flat=True)
    return _role_holders(step["role"], list(subtree))


# ----------------------------------------------------------------------------------- steps


def _enter_step(request: ApprovalRequest, index: int, actor, obj=None) -> None:
    """Start step `index` (skipping those whose only approver is the submitter), or
    complete the request after the last."""
    while index < len(request.steps):
        step = request.steps[index]
        approvers = approvers_of(step, request.submitter)
        if step["skip_submitter"]:
            others = [u for u in approvers if u.pk != request.submitter_id]
            if approvers and not others:
                _record(request, HistoryAction.SKIPPED, actor, step=index)
                index += 1
                continue
            approvers = others
        if not approvers:
            raise DomainError(
                "no_approver",
                _("No one can approve the step “%(step)s”: check the organisation.")
                % {"step": step_label(step)},
            )
        request.step = index
        request.save(update_fields=["step"])
        for approver in approvers:
            _assign(request, index, approver, obj)
        return
    _complete(request, actor, obj)


def _due(step: dict[str, Any], now: datetime.datetime) -> datetime.datetime | None:
    hours = step.get("time_limit_hours")
    return now + datetime.timedelta(hours=hours) if hours else None


def _assign(request: ApprovalRequest, index: int, approver, obj=None) -> ApprovalTask:
    task = ApprovalTask.objects.create(
        request=request,
        step=index,
        approver=approver,
        due_at=_due(request.steps[index], timezone.now()),
    )
    record = obj if obj is not None else record_of(request)
    _let_see(record, approver, request)
    _notify(
        [approver],
        "approval",
        request,
        record,
        lambda: _("Please approve: %(record)s") % {"record": request.title},
        lambda: (
            _("%(process)s, step %(step)s: %(name)s. Submitted by %(submitter)s.")
            % {
                "process": request.process.name,
                "step": index + 1,
                "name": step_label(request.steps[index]),
                "submitter": request.submitter,
            }
        ),
        ref=_task_ref(task),
    )
    return task


def _task_ref(task: ApprovalTask) -> str:
    return f"approval-task:{task.pk}"


def _let_see(record, user, request: ApprovalRequest) -> None:
    """An approver who may not see the record gets it shared to read."""
    model = type(record)
    if (
        model._base_manager.filter(pk=record.pk)
        .filter(pk__in=model.objects.visible_to(user).values("pk"))
        .exists()
    ):
        return
    # A submitter who may no longer change the record cannot share it: the approver then
    # asks for access rather than the reminders stopping.
    with contextlib.suppress(AccessDenied):
        core.share_record(record, actor=request.submitter, user=user)


def _complete(request: ApprovalRequest, actor, obj=None) -> None:
    request.state = RequestState.APPROVED
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    _record(request, HistoryAction.COMPLETED, actor)
    approvable = _approvable(request)
    record = record_of(request)
    if approvable.fields:
        for name, value in request.proposed.items():
            field = next(f for f in type(record)._meta.concrete_fields if f.attname == name)
            setattr(record, name, field.to_python(value))
        core.save(record, actor=request.submitter, approved=True)
    else:
        core.transition(record, approvable.approve, actor=actor, by_process=True)
    _result(request, record, approved=True)


def _result(request: ApprovalRequest, record, *, approved: bool) -> None:
    def title() -> str:
        if approved:
            return _("Approved: %(record)s") % {"record": request.title}
        return _("Rejected: %(record)s") % {"record": request.title}

    _notify(
        [request.submitter], "approval_result", request, record, title, lambda: request.process.name
    )


# ------------------------------------------------------------------------------ operations


def current_tasks(request: ApprovalRequest) -> list[ApprovalTask]:
    """The pending tasks of the request's current step."""
    return list(
        request.tasks.filter(step=request.step, state=TaskState.PENDING).select_related("approver")
    )


def can_act(request: ApprovalRequest, user) -> bool:
    """Whether `user` holds a pending task of the request now."""
    return request.state == RequestState.PENDING and any(
        t.approver_id == user.pk for t in current_tasks(request)
    )


def _locked(request: ApprovalRequest) -> ApprovalRequest:
    current = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if current.state != RequestState.PENDING:
        raise DomainError(
            "wrong_state",
            _("This approval is already %(state)s.") % {"state": current.get_state_display()},
        )
    return current


def _my_task(request: ApprovalRequest, actor) -> ApprovalTask:
    task = (
        request.tasks.select_for_update()
        .filter(step=request.step, state=TaskState.PENDING, approver=actor)
        .first()
    )
    if task is None:
        raise AccessDenied(_("You are not an approver of this step."))
    return task


def _close(task: ApprovalTask, state: str, comment: str = "") -> None:
    task.state = state
    task.comment = comment
    task.decided_at = timezone.now()
    task.save(update_fields=["state", "comment", "decided_at"])
    messaging.resolve(_task_ref(task))


def _cancel_others(request: ApprovalRequest) -> None:
    for task in current_tasks(request):
        _close(task, TaskState.CANCELLED)


@transaction.atomic
def approve(request: ApprovalRequest, *, actor, comment: str = "") -> ApprovalRequest:
    """Approve the actor's part of the current step; the step is done when one approver
    (any) or every approver (countersign) has approved, and the request when its last
    step is."""
    request = _locked(request)
    task = _my_task(request, actor)
    _close(task, TaskState.APPROVED, comment.strip())
    _record(request, HistoryAction.APPROVED, actor, step=request.step, comment=comment)
    if request.steps[request.step]["mode"] == StepMode.ANY:
        _cancel_others(request)
    elif current_tasks(request):
        return request
    _enter_step(request, request.step + 1, actor)
    request.refresh_from_db()
    return request


@transaction.atomic
def reject(
    request: ApprovalRequest, *, actor, comment: str, to_step: int | None = None
) -> ApprovalRequest:
    """Reject with a reason: back to the submitter (the request ends rejected), or back to
    an earlier step, which starts again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed({"comment": [_("Say why you reject it.")]})
    request = _locked(request)
    task = _my_task(request, actor)
    if to_step is not None and not 0 <= to_step < request.step:
        raise ValidationFailed({"to_step": [_("Choose a step before the current one.")]})
    _close(task, TaskState.REJECTED, comment)
    _cancel_others(request)
    if to_step is not None:
        _record(request, HistoryAction.RETURNED, actor, step=request.step, comment=comment)
        _enter_step(request, to_step, actor)
        request.refresh_from_db()
        return request
    request.state = RequestState.REJECTED
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    _record(request, HistoryAction.REJECTED, actor, step=request.step, comment=comment)
    approvable = _approvable(request)
    record = record_of(request)
    if approvable.reject:
        _run(record, approvable.reject, actor, comment)
    _result(request, record, approved=False)
    return request


def _run(record, name: str, actor, comment: str = "") -> None:
    """Run transition `name` for the process; a text field it requires takes the comment."""
    machine = registry.for_model(type(record)).state_machine
    step = machine.transition(name) if machine else None
    data = {}
    for field_name in step.required if step else ():
        field = type(record)._meta.get_field(field_name)
        if isinstance(field, (models.CharField, models.TextField)):
            data[field_name] = comment[: field.max_length] if field.max_length else comment
    core.transition(record, name, actor=actor, by_process=True, **data)


@transaction.atomic
def transfer(request: ApprovalRequest, *, actor, to, comment: str = "") -> ApprovalRequest:
    """Hand the actor's part of the current step to another user (转审)."""
    request = _locked(request)
    task = _my_task(request, actor)
    if to is None or not to.is_active:
        raise ValidationFailed({"to": [_("Choose an active user.")]})
    if to.pk == actor.pk or any(t.approver_id == to.pk for t in current_tasks(request)):
        raise ValidationFailed({"to": [_("This user already approves this step.")]})
    _close(task, TaskState.TRANSFERRED, comment.strip())
    _record(request, HistoryAction.TRANSFERRED, actor, step=request.step, to=to, comment=comment)
    _assign(request, request.step, to)
    return request


@transaction.atomic
def withdraw(request: ApprovalRequest, *, actor) -> ApprovalRequest:
    """The submitter takes a pending request back (撤回); the record is free again."""
    request = _locked(request)
    if request.submitter_id != actor.pk:
        raise AccessDenied(_("Only whoever submitted it may withdraw it."))
    _cancel_others(request)
    request.state = RequestState.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    _record(request, HistoryAction.WITHDRAWN, actor, step=request.step)
    approvable = _approvable(request)
    if approvable.withdraw:
        core.transition(record_of(request), approvable.withdraw, actor=actor, by_process=True)
    return request


@transaction.atomic
def submit(obj, *, actor, expected_version: int | None = None):
    """Submit a document for approval: its type's submit transition (the API's
    `/submit/`)."""
    object_type = registry.for_model(type(obj))
    found = [a for a in (object_type.approvals if object_type else ()) if a.submit]
    if not found:
        raise DomainError(
            "nothing_to_submit",
            _("Changes of this record go to approval when they are saved."),
        )
    return core.transition(obj, found[0].submit, actor=actor, expected_version=expected_version)


def withdraw_record(obj, *, actor) -> ApprovalRequest:
    """Withdraw the request pending on `obj` (the API's `/withdraw/`)."""
    request = pending_request(obj)
    if request is None:
        raise DomainError("not_pending", _("No approval is pending on this record."))
    return withdraw(request, actor=actor)


# ------------------------------------------------------------------------ time limits


def remind_due(now: datetime.datetime | None = None) -> int:
    """Remind approvers whose time limit has passed; once it passes again, hand the task
    to their superior. Answers how many tasks it handled."""
    now = now or timezone.now()
    due = ApprovalTask.objects.filter(state=TaskState.PENDING, due_at__lte=now)
    handled = 0
    for task_id in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            task = (
                ApprovalTask.objects.select_for_update()
                .select_related("request", "approver")
                .filter(pk=task_id, state=TaskState.PENDING, due_at__lte=now)
                .first()
            )
            if task is not None:
                _remind_or_escalate(task, now)
                handled += 1
    return handled


def _remind_or_escalate(task: ApprovalTask, now: datetime.datetime) -> None:
    request = task.request
    step = request.steps[task.step]
    superior = _superior(task.approver) if task.reminded_at else None
    if superior is None or not superior.is_active:
        task.reminded_at = now
        task.due_at = _due(step, now)
        task.save(update_fields=["reminded_at", "due_at"])
        _record(request, HistoryAction.REMINDED, None, step=task.step, to=task.approver)
        _notify(
            [task.approver],
            "approval",
            request,
            record_of(request),
            lambda: _("Reminder: please approve %(record)s") % {"record": request.title},
            lambda: (
                _("The time limit of the step “%(step)s” has passed.") % {"step": step_label(step)}
            ),
            ref=_task_ref(task),
        )
        return
    _close(task, TaskState.ESCALATED)
    _record(request, HistoryAction.ESCALATED, None, step=task.step, to=superior)
    if not any(t.approver_id == superior.pk for t in current_tasks(request)):
        _assign(request, task.step, superior)


# ------------------------------------------------------------------------------------ lists


def requests_for(user, box: str) -> models.QuerySet[ApprovalRequest]:
    """The requests of one of a user's boxes: "todo" (a task of theirs is pending),
    "submitted" (theirs), "decided" (they approved or rejected a step)."""
    requests = ApprovalRequest.objects.select_related("process", "submitter", "content_type")
    if box == "todo":
        mine = ApprovalTask.objects.filter(approver=user, state=TaskState.PENDING)
        return requests.filter(
            state=RequestState.PENDING, pk__in=mine.values("request_id")
        ).order_by("submitted_at", "id")
    if box == "submitted":
        return requests.filter(submitter=user).order_by("-submitted_at", "-id")
    decided = ApprovalTask.objects.filter(
        approver=user, state__in=[TaskState.APPROVED, TaskState.REJECTED]
    )
    return requests.filter(pk__in=decided.values("request_id")).order_by("-submitted_at", "-id")


# ------------------------------------------------------------------------- records and news


def _record(
    request: ApprovalRequest,
    action: str,
    actor,
    *,
    step: int | None = None,
    to=None,
    comment: str = "",
    obj=None,
) -> None:
    """Keep what happened in the request's history and the record's change log."""
    ApprovalAction.objects.create(
        request=request, action=action, step=step, actor=actor, to_user=to, comment=comment.strip()
    )
    record = obj if obj is not None else record_of(request)
    core.log_change(record, ChangeAction.APPROVAL, {"approval": [None, action]}, actor=actor)


def _url(record) -> str:
    object_type = registry.for_model(type(record))
    try:
        return reverse(object_type.url_name("detail"), args=[record.pk]) if object_type else ""
    except NoReverseMatch:
        return ""


def _notify(recipients, kind, request, record, title, body, ref: str = "") -> None:
    """Tell each recipient in their own language."""
    for user in recipients:
        with translation.override(getattr(user, "language", None) or "zh-hans"):
            messaging.notify(
                [user],
                kind=kind,
                title=str(title()),
                body=str(body()),
                target=record,
                url=_url(record),
                ref=ref or f"approval:{request.pk}",
            )
