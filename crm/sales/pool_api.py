"""Lead assignment and the lead pool through the API.

GET  /api/v1/lead-pool/                the leads waiting in the pool (holders of "claim");
                                       ?source= ?region= ?industry= (ids), limit, cursor
POST /api/v1/leads/{id}/claim/         the lead becomes the caller's
POST /api/v1/leads/{id}/release/       {"reason": optional}: back into the pool
POST /api/v1/leads/assign/             {"leads": [ids], "owner": user id}
POST /api/v1/leads/route/              {"leads": [ids]}: by the assignment rules
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel, Field

from crm.core import access, masking, paging, registry
from crm.core.api import MAX_LIMIT, errors
from crm.core.errors import AccessDenied, ValidationFailed
from crm.core.params import MAX_ID
from crm.org.models import User
from crm.sales import assignment
from crm.sales.assignment_forms import PoolFilter
from crm.sales.models import Lead

router = Router(tags=["Lead pool"])
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
POOL_FIELDS = [
    "id",
    "number",
    "name",
    "company_name",
    "mobile",
    "phone",
    "source",
    "region",
    "industry",
    "rating",
    "created_at",
]


class PoolLeadOut(BaseModel):
    id: int
    number: str
    name: str
    company_name: str
    mobile: str
    phone: str
    source: int | None
    region: int | None
    industry: int | None
    rating: str
    created_at: datetime.datetime


class PoolPage(BaseModel):
    items: list[PoolLeadOut]
    next_cursor: str | None


class HolderOut(BaseModel):
    """Who holds a lead after an assignment, and whether it waits in the pool."""

    id: int
    owner: int
    in_pool: bool
    assigned_at: datetime.datetime | None
    version: int


class ReleaseIn(BaseModel):
    reason: str = Field("", max_length=assignment.REASON_LENGTH)


class AssignIn(BaseModel):
    leads: list[RecordId] = Field(min_length=1, max_length=MAX_LIMIT)
    owner: RecordId


class AssignOut(BaseModel):
    items: list[HolderOut] = Field(description="The leads that changed hands.")


class RouteIn(BaseModel):
    leads: list[RecordId] = Field(min_length=1, max_length=MAX_LIMIT)


class RoutedOut(HolderOut):
    rule: int | None = Field(description="The rule that applied; none when no rule matched.")


class RouteOut(BaseModel):
    items: list[RoutedOut]
    assigned: int
    pooled: int


def _holder(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "owner": lead.owner_id,
        "in_pool": lead.in_pool,
        "assigned_at": lead.assigned_at,
        "version": lead.version,
    }


def _lead(request: HttpRequest, pk: int) -> Lead:
    """A lead the caller sees, or one in the pool for those who may claim or assign."""
    found = assignment.reachable(request.auth).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _leads(request: HttpRequest, ids: list[int]) -> list[Lead]:
    """The leads named, each one the caller may reach; else 404."""
    found = list(assignment.reachable(request.auth).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404
    return found


@router.get(
    "/lead-pool/",
    response={200: PoolPage, **errors(400, 401, 403, 422)},
    operation_id="list_lead_pool",
)
def list_lead_pool(request: HttpRequest, limit: int = 50, cursor: str | None = None):
    """The leads waiting in the pool, newest first; personal numbers masked unless the
    caller holds "unmask"."""
    if not access.can(request.auth, "claim", Lead):
        raise AccessDenied(_("You may not claim leads."))
    found = PoolFilter(request.GET, queryset=assignment.pool_leads())
    if not found.is_valid():
        raise ValidationFailed({k: list(v) for k, v in found.errors.items()})
    page = paging.paginate(
        found.qs,
        "-created_at",
        fields=POOL_FIELDS,
        limit=max(1, min(limit, MAX_LIMIT)),
        cursor=cursor,
    )
    hidden = masking.for_data(registry.get("lead"), request.auth)
    items = [masking.mask_row(row, hidden) for row in page.rows]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/leads/{int:pk}/claim/",
    response={200: HolderOut, **errors(401, 403, 404, 409)},
    operation_id="claim_lead",
)
def claim_lead(request: HttpRequest, pk: int):
    """Take a lead from the pool; 409 when someone claimed it first."""
    return _holder(assignment.claim(_lead(request, pk), actor=request.auth))


@router.post(
    "/leads/{int:pk}/release/",
    response={200: HolderOut, **errors(400, 401, 403, 404, 409, 422)},
    operation_id="release_lead",
)
def release_lead(request: HttpRequest, pk: int, payload: ReleaseIn | None = None):
    """Put a lead back into the pool (its owner, or a holder of "transfer")."""
    reason = payload.reason if payload else ""
    return _holder(assignment.release(_lead(request, pk), actor=request.auth, reason=reason))


@router.post(
    "/leads/assign/",
    response={200: AssignOut, **errors(400, 401, 403, 404, 409, 422)},
    operation_id="assign_leads",
)
def assign_leads(request: HttpRequest, payload: AssignIn):
    """Give leads to a user (holders of "transfer"); all or none."""
    if not access.can(request.auth, "transfer", Lead):
        raise AccessDenied(_("You may not assign leads."))
    owner = User.objects.filter(pk=payload.owner, is_active=True).first()
    if owner is None:
        raise ValidationFailed({"owner": [_("No active user has this id.")]})
    moved = assignment.assign(_leads(request, payload.leads), owner, actor=request.auth)
    return {"items": [_holder(lead) for lead in moved]}


@router.post(
    "/leads/route/",
    response={200: RouteOut, **errors(400, 401, 403, 404, 409, 422)},
    operation_id="route_leads",
)
def route_leads(request: HttpRequest, payload: RouteIn):
    """Distribute leads by the assignment rules (holders of "transfer"); all or none."""
    if not access.can(request.auth, "transfer", Lead):
        raise AccessDenied(_("You may not assign leads."))
    result = assignment.route(_leads(request, payload.leads), actor=request.auth)
    items = [
        {**_holder(each.lead), "rule": each.rule.pk if each.rule else None}
        for each in result.routed
    ]
    return {"items": items, "assigned": result.assigned, "pooled": result.pooled}
