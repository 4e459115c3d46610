"""An opportunity's contact roles through the API.

GET    /api/v1/opportunities/{id}/contacts/               the contacts and their roles
PUT    /api/v1/opportunities/{id}/contacts/{contact id}/  {"role": id, "attitude", "note"}
DELETE /api/v1/opportunities/{id}/contacts/{contact id}/  the contact's role taken away
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Router, Status
from pydantic import BaseModel, Field

from crm.core import registry
from crm.core.api import errors
from crm.core.params import MAX_ID
from crm.customization.models import DictionaryItem
from crm.sales import contact_roles
from crm.sales.models import Attitude, ContactRole, Opportunity

router = Router(tags=["opportunities"])
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
AttitudeValue = Literal[("", *Attitude.values)]  # type: ignore[valid-type]


class ContactRoleOut(BaseModel):
    contact: int
    contact_name: str
    role: int = Field(description="An item of the contact role dictionary.")
    role_label: str
    attitude: AttitudeValue
    note: str


class ContactRoleIn(BaseModel):
    role: RecordId = Field(description="An active item of the contact role dictionary.")
    attitude: AttitudeValue = ""
    note: str = Field("", max_length=200)


def _out(role: ContactRole) -> dict:
    return {
        "contact": role.contact_id,
        "contact_name": str(role.contact),
        "role": role.role_id,
        "role_label": str(role.role),
        "attitude": role.attitude,
        "note": role.note,
    }


def _opportunity(request, pk: int) -> Opportunity:
    return get_object_or_404(Opportunity.objects.visible_to(request.user), pk=pk)


@router.get(
    "/opportunities/{int:pk}/contacts/",
    response={200: list[ContactRoleOut], **errors(401, 403, 404)},
    operation_id="list_opportunity_contact_roles",
    url_name="list_opportunity_contact_roles",
    summary="The contacts of an opportunity and their buying roles",
)
def list_roles(request, pk: int):
    return [_out(role) for role in contact_roles.roles_of(_opportunity(request, pk))]


@router.put(
    "/opportunities/{int:pk}/contacts/{int:contact}/",
    response={200: ContactRoleOut, **errors(400, 401, 403, 404, 409, 422)},
    operation_id="set_opportunity_contact_role",
    url_name="set_opportunity_contact_role",
    summary="Give a contact of the opportunity's customer its role in the purchase",
    description=(
        "Replaces the role the contact had. A contact of another customer or one the caller "
        "may not see, or an inactive role, answers 422; a closed opportunity 409."
    ),
)
def set_role(request, pk: int, contact: int, payload: ContactRoleIn):
    opportunity = _opportunity(request, pk)
    chosen = registry.get("contact").model._base_manager.filter(pk=contact).first()
    role = DictionaryItem.objects.filter(pk=payload.role).first()
    kept = contact_roles.set_role(
        opportunity,
        chosen,
        role,
        actor=request.user,
        attitude=payload.attitude,
        note=payload.note,
    )
    return _out(kept)


@router.delete(
    "/opportunities/{int:pk}/contacts/{int:contact}/",
    response={204: None, **errors(401, 403, 404, 409)},
    operation_id="remove_opportunity_contact_role",
    url_name="remove_opportunity_contact_role",
    summary="Take a contact's role in the opportunity away",
)
def remove_role(request, pk: int, contact: int):
    opportunity = _opportunity(request, pk)
    role = get_object_or_404(ContactRole, opportunity=opportunity, contact_id=contact)
    contact_roles.remove_role(opportunity, role, actor=request.user)
    return Status(204, None)
