"""Setting up approval processes (审批流程): their conditions, steps and order."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.core import access
from crm.core import services as core_services
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.models import ChangeAction
from crm.workflow import conditions as condition_rules
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind
from crm.workflow.services import approvable_of

ROLE_KINDS = (ApproverKind.ROLE_DEPARTMENT, ApproverKind.ROLE_COMPANY)
# What a step's row holds, in the order the change log keeps it.
STEP_FIELDS = (
    "name",
    "approver_kind",
    "levels",
    "role",
    "users",
    "mode",
    "skip_submitter",
    "time_limit_hours",
)


def _require_manager(actor) -> None:
    if not access.can(actor, "edit", ApprovalProcess):
        raise AccessDenied(_("Only administrators may change the settings."))


def steps_of(process: ApprovalProcess) -> list[dict[str, Any]]:
    """The stored steps of a process as the change log keeps them (ids for the role and
    users), in order."""
    if process.pk is None:
        return []
    return [
        {
            "name": step.name,
            "approver_kind": step.approver_kind,
            "levels": step.levels,
            "role": step.role_id,
            "users": sorted(user.pk for user in step.users.all()),
            "mode": step.mode,
            "skip_submitter": step.skip_submitter,
            "time_limit_hours": step.time_limit_hours,
        }
        for step in process.steps.order_by("position", "id").prefetch_related("users")
    ]


def _built_steps(steps: list[dict[str, Any]]) -> list[tuple[ApprovalStep, list]]:
    """Unsaved steps from the typed rows, with their users; raises ValidationFailed naming
    `steps.<i>.<field>` (or `steps` when there is none)."""
    if not steps:
        raise ValidationFailed({"steps": [_("Add at least one step.")]})
    errors: dict[str, list[str]] = {}
    built = []
    for index, row in enumerate(steps):
        users = list(row.get("users") or [])
        step = ApprovalStep(
            position=index,
            **{name: row[name] for name in STEP_FIELDS if name in row and name != "users"},
        )
        kind = step.approver_kind
        if kind not in ROLE_KINDS:
            step.role = None
        if kind != ApproverKind.SUPERIOR_LEVEL:
            step.levels = 1
        if kind != ApproverKind.USERS:
            users = []
        try:
            step.full_clean(exclude=["process"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"steps.{index}.{name}", []).extend(messages)
        if kind in ROLE_KINDS and step.role is None:
            errors.setdefault(f"steps.{index}.role", []).append(_("Choose the role."))
        if kind == ApproverKind.USERS and not users:
            errors.setdefault(f"steps.{index}.users", []).append(_("Choose at least one user."))
        if any(not user.is_active for user in users):
            errors.setdefault(f"steps.{index}.users", []).append(
                _("Only active users can approve.")
            )
        built.append((step, users))
    if errors:
        raise ValidationFailed(errors)
    return built


def _typed_conditions(type_key: str, rows: list[dict]) -> list[dict]:
    try:
        return condition_rules.validate(type_key, rows)
    except ValidationError as error:
        raise ValidationFailed(
            error.message_dict if hasattr(error, "error_dict") else {"conditions": error.messages}
        ) from None


@transaction.atomic
def save_process(
    process: ApprovalProcess,
    *,
    conditions: list[dict],
    steps: list[dict[str, Any]],
    actor,
    expected_version: int | None = None,
) -> ApprovalProcess:
    """Create or update an approval process with its entry conditions and its steps (the
    set replaced in order: `steps` are rows of ApprovalStep values, the role a Role and
    the users a list of users). A new process is tried after those of its type and
    approvable. The steps' before and after go into one change-log row of their own.
    Requests already running keep the steps they were submitted with.

    Raises ValidationFailed (`approvable`, `conditions.<i>.<part>`, `steps`,
    `steps.<i>.<field>`), AccessDenied and StaleVersion; nothing is written then.
    """
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if approvable_of(process.type_key, process.approvable) is None:
        errors["approvable"] = [_("Choose what is approved.")]
    else:
        try:
            process.conditions = _typed_conditions(process.type_key, conditions)
        except ValidationFailed as error:
            errors.update(error.fields)
    try:
        built = _built_steps(steps)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(errors)
    if process._state.adding:
        last = ApprovalProcess.objects.filter(
            type_key=process.type_key, approvable=process.approvable
        ).aggregate(last=Max("sort_order"))["last"]
        process.sort_order = (last or 0) + 1
    before = steps_of(process)
    core_services.save(process, actor=actor, expected_version=expected_version)
    process.steps.all().delete()
    for step, users in built:
        step.process = process
        step.save()
        step.users.set(users)
    after = steps_of(process)
    if before != after:
        core_services.log_change(
            process, ChangeAction.UPDATE, {"steps": [before, after]}, actor=actor
        )
    return process


@transaction.atomic
def delete_process(process: ApprovalProcess, *, actor) -> bool:
    """Delete a process, or deactivate it when records were already sent through it (their
    requests keep pointing at it); True when it was deleted. Raises AccessDenied."""
    _require_manager(actor)
    if process.requests.exists():
        if process.is_active:
            process.is_active = False
            core_services.save(process, actor=actor)
        return False
    core_services.delete_config(process, actor=actor)
    return True


@transaction.atomic
def move_process(process: ApprovalProcess, *, actor, offset: int) -> None:
    """Try a process `offset` places earlier (negative) or later (positive) among those of
    its type and approvable; they are numbered 1, 2, 3 … again, each moved one logged.
    Raises AccessDenied."""
    _require_manager(actor)
    siblings = list(
        ApprovalProcess.objects.select_for_update()
        .filter(type_key=process.type_key, approvable=process.approvable)
        .order_by("sort_order", "id")
    )
    ids = [p.pk for p in siblings]
    old = ids.index(process.pk)
    siblings.insert(min(max(old + offset, 0), len(ids) - 1), siblings.pop(old))
    for position, sibling in enumerate(siblings, start=1):
        if sibling.sort_order != position:
            sibling.sort_order = position
            core_services.save(sibling, actor=actor)
