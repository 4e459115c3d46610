"""Approvals through the API.

GET  /api/v1/approvals/?state=pending         what the caller may act on now (box "todo");
                                              ?box=submitted|decided, ?state= any state
GET  /api/v1/approvals/{id}/                  one request, with its path and history
POST /api/v1/approvals/{id}/approve/          {"comment": optional}
POST /api/v1/approvals/{id}/reject/           {"comment": required, "to_step": optional 1-based}
POST /api/v1/approvals/{id}/transfer/         {"to": user id, "comment": optional}
POST /api/v1/approvals/{id}/withdraw/         the submitter only
POST /api/v1/<plural>/{id}/submit/            a document into its approval
POST /api/v1/<plural>/{id}/withdraw/          the request pending on the record
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel, Field

from crm.core import registry
from crm.core.api import errors
from crm.core.errors import ValidationFailed
from crm.workflow import services
from crm.workflow.models import ApprovalRequest, ApprovalTask, RequestState

router = Router(tags=["Approvals"])
MAX_LIMIT = 200
User = get_user_model()


class PersonOut(BaseModel):
    id: int
    name: str


class TaskOut(BaseModel):
    step: int
    approver: PersonOut
    state: str
    comment: str
    decided_at: datetime.datetime | None
    due_at: datetime.datetime | None


class ApprovalOut(BaseModel):
    id: int
    type: str
    record_id: int
    title: str
    approval: str
    process: str
    state: str
    step: int
    step_name: str
    steps: int
    submitter: PersonOut
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    proposed: dict[str, Any]
    previous: dict[str, Any]
    approvers: list[PersonOut]
    tasks: list[TaskOut]


class ApprovalList(BaseModel):
    items: list[ApprovalOut]
    next_cursor: str | None


class CommentIn(BaseModel):
    comment: str = Field("", max_length=2000)


class RejectIn(BaseModel):
    comment: str = Field("", max_length=2000)
    to_step: int | None = Field(None, description="Return to this earlier step (1-based).")


class TransferIn(BaseModel):
    to: int
    comment: str = Field("", max_length=2000)


class SubmitOut(BaseModel):
    status: str
    approval: ApprovalOut | None


def _person(user) -> dict:
    return {"id": user.pk, "name": str(user)}


def _out(request: ApprovalRequest) -> dict:
    model = request.content_type.model_class()
    object_type = registry.for_model(model) if model else None
    approvable = (
        services.approvable_of(object_type.key, request.approvable) if object_type else None
    )
    tasks = list(request.tasks.select_related("approver"))
    current = [t for t in tasks if t.step == request.step and t.state == "pending"]
    step = request.steps[request.step] if request.step < len(request.steps) else {}
    return {
        "id": request.pk,
        "type": object_type.slug if object_type else "",
        "record_id": request.object_id,
        "title": request.title,
        "approval": str(approvable.label) if approvable else request.approvable,
        "process": request.process.name,
        "state": request.state,
        "step": request.step + 1,
        "step_name": services.step_label(step) if step else "",
        "steps": len(request.steps),
        "submitter": _person(request.submitter),
        "submitted_at": request.submitted_at,
        "decided_at": request.decided_at,
        "proposed": request.proposed,
        "previous": request.previous,
        "approvers": [_person(t.approver) for t in current],
        "tasks": [
            {
                "step": t.step + 1,
                "approver": _person(t.approver),
                "state": t.state,
                "comment": t.comment,
                "decided_at": t.decided_at,
                "due_at": t.due_at,
            }
            for t in tasks
        ],
    }


def _involved(user) -> Q:
    """Requests the user submitted or holds a task of."""
    tasks = ApprovalTask.objects.filter(approver=user).values("request_id")
    return Q(submitter=user) | Q(pk__in=tasks)


def _request(request: HttpRequest, pk: int) -> ApprovalRequest:
    """A request the caller takes part in, or whose record they see; else 404."""
    user = request.auth
    found = get_object_or_404(ApprovalRequest.objects.select_related("process"), pk=pk)
    involved = ApprovalRequest.objects.filter(_involved(user), pk=pk).exists()
    if not involved and not ApprovalRequest.objects.on_visible_records(user).filter(pk=pk).exists():
        raise Http404
    return found


@router.get("/approvals/", response={200: ApprovalList, **errors(400, 401, 422)})
def list_approvals(
    request: HttpRequest,
    state: Literal["pending", "approved", "rejected", "withdrawn"] | None = None,
    box: Literal["todo", "submitted", "decided"] | None = None,
    limit: int = 50,
    cursor: int | None = None,
):
    """The caller's approvals: by default what they may act on now."""
    box = box or ("todo" if state in (None, RequestState.PENDING) else "submitted")
    rows = services.requests_for(request.auth, box)
    if state:
        rows = rows.filter(state=state)
    rows = rows.order_by("-pk")
    if cursor is not None:
        rows = rows.filter(pk__lt=cursor)
    limit = max(1, min(limit, MAX_LIMIT))
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [_out(r) for r in page],
        "next_cursor": str(page[-1].pk) if more and page else None,
    }


@router.get("/approvals/{int:pk}/", response={200: ApprovalOut, **errors(400, 401, 404)})
def get_approval(request: HttpRequest, pk: int):
    return _out(_request(request, pk))


@router.post(
    "/approvals/{int:pk}/approve/",
    response={200: ApprovalOut, **errors(400, 401, 403, 404, 409, 422)},
)
def approve(request: HttpRequest, pk: int, payload: CommentIn):
    """Approve the caller's part of the current step."""
    found = services.approve(_request(request, pk), actor=request.auth, comment=payload.comment)
    return _out(found)


@router.post(
    "/approvals/{int:pk}/reject/",
    response={200: ApprovalOut, **errors(400, 401, 403, 404, 409, 422)},
)
def reject(request: HttpRequest, pk: int, payload: RejectIn):
    """Reject with a reason: back to the submitter, or to an earlier step (`to_step`)."""
    to_step = payload.to_step - 1 if payload.to_step is not None else None
    found = services.reject(
        _request(request, pk), actor=request.auth, comment=payload.comment, to_step=to_step
    )
    return _out(found)


@router.post(
    "/approvals/{int:pk}/transfer/",
    response={200: ApprovalOut, **errors(400, 401, 403, 404, 409, 422)},
)
def transfer(request: HttpRequest, pk: int, payload: TransferIn):
    """Hand the caller's part of the current step to another user."""
    found = _request(request, pk)
    to = User.objects.filter(pk=payload.to, is_active=True).first()
    if to is None:
        raise ValidationFailed({"to": [_("No active user has this id.")]})
    return _out(services.transfer(found, actor=request.auth, to=to, comment=payload.comment))


@router.post(
    "/approvals/{int:pk}/withdraw/", response={200: ApprovalOut, **errors(400, 401, 403, 404, 409)}
)
def withdraw(request: HttpRequest, pk: int):
    """The submitter takes the request back."""
    return _out(services.withdraw(_request(request, pk), actor=request.auth))


def _add_record_actions(object_type) -> None:
    """`/submit/` and `/withdraw/` on each record of a type with approvals."""
    model = object_type.model
    slug = object_type.slug

    def record(request: HttpRequest, pk: int):
        return get_object_or_404(model.objects.visible_to(request.auth), pk=pk)

    @router.post(
        f"/{slug}/{{int:pk}}/submit/",
        response={200: SubmitOut, **errors(400, 401, 403, 404, 409, 422)},
        operation_id=f"submit_{object_type.key}",
        summary=f"Submit one of the {slug} for approval",
    )
    def submit(request: HttpRequest, pk: int):
        obj = services.submit(record(request, pk), actor=request.auth)
        pending = services.pending_request(obj)
        machine = object_type.state_machine
        status = getattr(obj, machine.field) if machine else ""
        return {"status": status, "approval": _out(pending) if pending else None}

    @router.post(
        f"/{slug}/{{int:pk}}/withdraw/",
        response={200: ApprovalOut, **errors(400, 401, 403, 404, 409)},
        operation_id=f"withdraw_{object_type.key}",
        summary=f"Withdraw the approval pending on one of the {slug}",
    )
    def withdraw_record(request: HttpRequest, pk: int):
        return _out(services.withdraw_record(record(request, pk), actor=request.auth))


for _object_type in registry.all_types():
    if _object_type.approvals:
        _add_record_actions(_object_type)
