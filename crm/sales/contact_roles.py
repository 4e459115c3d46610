"""The contacts' parts in an opportunity's purchase (联系人角色): who decides, who holds the
budget, who evaluates, and where each stands. Whoever may change the opportunity sets them;
each change is a row of the opportunity's change log."""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import changes, registry
from crm.core.errors import AccessDenied, RecordLocked, ValidationFailed
from crm.core.models import ChangeAction
from crm.core.services import lock_reason, log_change
from crm.customization.models import DictionaryItem
from crm.sales.models import Attitude, ContactRole, Opportunity

LOG_KEY = "contact_role"


def describe_changes() -> None:
    """The change log reads a contact role in the reader's language."""
    changes.describe_key(LOG_KEY, models.CharField(gettext_lazy("contact role")), _logged_text)


def roles_of(opportunity: Opportunity) -> models.QuerySet[ContactRole]:
    return ContactRole.objects.filter(opportunity=opportunity).select_related("contact", "role")


def contacts_to_choose(opportunity: Opportunity, user) -> models.QuerySet:
    """The contacts of the opportunity's customer that `user` sees, by name."""
    contacts = registry.get("contact").model.objects.visible_to(user)
    return contacts.filter(customer_id=opportunity.customer_id).order_by("name_sort", "id")


def buying_roles() -> models.QuerySet[DictionaryItem]:
    """The roles to choose from: the active items of the contact role dictionary (联系人
    角色), the one a contact's own role comes from."""
    return DictionaryItem.objects.filter(dictionary__code="contact_role", is_active=True)


def may_change(opportunity: Opportunity, user) -> bool:
    return (
        Opportunity.objects.editable_by(user).filter(pk=opportunity.pk).exists()
        and lock_reason(opportunity) is None
    )


def _logged(role: ContactRole) -> dict:
    """A role as the change log keeps it: the contact's name, the role's id, the attitude's
    and the note, read out in the reader's language by `_logged_text`."""
    return {
        "contact": str(role.contact),
        "role": role.role_id,
        "attitude": role.attitude,
        "note": role.note,
    }


def _logged_text(value) -> str:
    """王芳 · 决策者 · 支持我方 · 只看价格 (or Decision maker, Supports us in English)."""
    if not isinstance(value, dict):
        return str(value)
    role = DictionaryItem.objects.filter(pk=value.get("role")).first()
    attitude = value.get("attitude")
    parts = [
        value.get("contact", ""),
        str(role) if role else "",
        str(Attitude(attitude).label) if attitude in Attitude.values else "",
        value.get("note", ""),
    ]
    return " · ".join(part for part in parts if part)


def _require_changeable(opportunity: Opportunity, actor) -> Opportunity:
    current = Opportunity._base_manager.select_for_update().get(pk=opportunity.pk)
    if not Opportunity.objects.editable_by(actor).filter(pk=current.pk).exists():
        raise AccessDenied(_("You may not change this record."))
    reason = lock_reason(current)
    if reason:
        raise RecordLocked(reason)
    return current


@transaction.atomic
def set_role(
    opportunity: Opportunity, contact, role, *, actor, attitude: str = "", note: str = ""
) -> ContactRole:
    """Give `contact` (one of the opportunity's customer's, seen by `actor`) its `role` (an
    active buying role) in the opportunity, replacing the one it had; logged.

    Raises AccessDenied, RecordLocked (a closed opportunity) and ValidationFailed naming
    `contact`, `role`, `attitude` or `note`; nothing is written then."""
    current = _require_changeable(opportunity, actor)
    errors: dict[str, list[str]] = {}
    if contact is None or not contacts_to_choose(current, actor).filter(pk=contact.pk).exists():
        errors["contact"] = [_("Choose a contact of this opportunity's customer.")]
    if role is None or not buying_roles().filter(pk=role.pk).exists():
        errors["role"] = [_("Choose an active buying role.")]
    if attitude not in ("", *Attitude.values):
        errors["attitude"] = [_("Choose one of the attitudes offered.")]
    if len(note) > ContactRole._meta.get_field("note").max_length:
        errors["note"] = [_("Keep the note under 200 characters.")]
    if errors:
        raise ValidationFailed(errors)
    kept = ContactRole.objects.filter(opportunity=current, contact=contact).first()
    if kept is None:
        kept, before = ContactRole(opportunity=current, contact=contact), None
    elif (kept.role_id, kept.attitude, kept.note) == (role.pk, attitude, note.strip()):
        return kept  # nothing changes
    else:
        before = _logged(kept)
    kept.role, kept.attitude, kept.note = role, attitude, note.strip()
    kept.save()
    log_change(current, ChangeAction.UPDATE, {LOG_KEY: [before, _logged(kept)]}, actor=actor)
    return kept


@transaction.atomic
def remove_role(opportunity: Opportunity, contact_role: ContactRole, *, actor) -> None:
    """Take a contact's role in the opportunity away; logged."""
    current = _require_changeable(opportunity, actor)
    if contact_role.opportunity_id != current.pk:
        raise ValidationFailed({"contact": [_("This contact has no role in this opportunity.")]})
    log_change(current, ChangeAction.UPDATE, {LOG_KEY: [_logged(contact_role), None]}, actor=actor)
    contact_role.delete()
