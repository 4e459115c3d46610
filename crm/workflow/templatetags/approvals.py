"""Template tags of approvals: the approval an inbox item asks its reader to decide."""

from django import template

from crm.workflow import services
from crm.workflow.models import ApprovalRequest, ApprovalTask

register = template.Library()


@register.simple_tag(takes_context=True)
def approval_to_decide(context, item) -> ApprovalRequest | None:
    """The approval of an inbox item (ref "approval-task:<task>" or "approval:<request>")
    when the signed-in user may approve or reject it now, else None."""
    kind, _colon, number = (getattr(item, "ref", "") or "").partition(":")
    if not number.isdigit():
        return None
    if kind == "approval-task":
        task = ApprovalTask.objects.select_related("request").filter(pk=number).first()
        found = task.request if task else None
    elif kind == "approval":
        found = ApprovalRequest.objects.filter(pk=number).first()
    else:
        found = None
    user = context["request"].user
    return found if found is not None and services.can_act(found, user) else None
