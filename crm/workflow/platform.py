"""What the approval engine hands the platform (crm.core.extensions.Approvals)."""

from crm.workflow.services import hold, lock_reason, route, submitted, transition_refusal

__all__ = [
    "approvable_label",
    "conditions_text",
    "describe_changes",
    "hold",
    "lock_reason",
    "route",
    "submitted",
    "transition_refusal",
    "type_label",
]


def describe_changes() -> None:
    """The change log reads an approval step by its label, and the type and conditions
    of approval processes and alert rules in words."""
    from django.db import models
    from django.utils.translation import gettext_lazy as _

    from crm.core import changes
    from crm.workflow.models import AlertRule, ApprovalProcess, HistoryAction

    changes.describe_key("approval", models.CharField(_("approval"), choices=HistoryAction.choices))
    for model in (ApprovalProcess, AlertRule):
        changes.describe_values(model, "conditions", conditions_text)
        changes.describe_values(model, "type_key", type_label)
    changes.describe_values(ApprovalProcess, "approvable", approvable_label)


def type_label(key) -> str:
    """A registered type's name, as the key stored for it reads."""
    from crm.core import registry

    found = next((t for t in registry.all_types() if t.key == key), None)
    return str(found.label) if found else str(key)


def approvable_label(key) -> str:
    """What an approvable key stands for, on whichever type declares it."""
    from crm.core import registry

    for object_type in registry.all_types():
        for approvable in object_type.approvals:
            if approvable.key == key:
                return str(approvable.label)
    return str(key)


def conditions_text(rows) -> str:
    """Condition rows read out, for the type whose fields they name."""
    from crm.core import registry
    from crm.workflow import conditions

    if not isinstance(rows, list) or not rows:
        return ""
    names = {row.get("field") for row in rows if isinstance(row, dict)}
    keys = [t.key for t in registry.all_types()]
    for key in keys:
        if names <= {field.name for field in conditions.fields_for(key)}:
            return "; ".join(conditions.describe(key, rows))
    return "; ".join(conditions.describe(keys[0], rows))
