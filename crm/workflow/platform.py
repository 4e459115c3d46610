"""What the approval engine hands the platform (crm.core.extensions.Approvals)."""

from crm.workflow.services import hold, lock_reason, route, submitted, transition_refusal

__all__ = [
    "describe_changes",
    "hold",
    "lock_reason",
    "route",
    "submitted",
    "transition_refusal",
]


def describe_changes() -> None:
    """The record's change log reads an approval step by its label."""
    from django.db import models
    from django.utils.translation import gettext_lazy as _

    from crm.core import changes
    from crm.workflow.models import HistoryAction

    changes.describe_key("approval", models.CharField(_("approval"), choices=HistoryAction.choices))
