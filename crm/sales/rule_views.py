"""The settings page of the lead assignment rules (线索分配规则): administrators list them in
the order they are tried, create, change, reorder and delete them; every change goes
through the write path and its change log."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.views.editing import expected_version, go_to, posted, special_required
from crm.sales import assignment
from crm.sales.assignment_forms import AssignmentRuleForm
from crm.sales.models import LeadAssignmentRule

manages_settings = special_required("manage_settings")
LIST = "sales:assignment_rule_list"


@manages_settings
def rule_list(request):
    """The rules in the order they are tried, with what each matches and where it sends."""
    rules = (
        LeadAssignmentRule.objects.visible_to(request.user)
        .select_related("region", "industry", "source", "assignee", "team")
        .order_by("sort_order", "id")
    )
    return render(request, "sales/rules.html", {"rules": rules})


def _rule_page(request, rule: LeadAssignmentRule):
    form = AssignmentRuleForm(posted(request), instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            assignment.save_rule(
                form.instance, actor=request.user, expected_version=expected_version(form)
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            text = _("Assignment rule “%(name)s” saved.") % {"name": form.instance}
            messages.success(request, text)
            return go_to(request, reverse(LIST))
    return render(request, "sales/rules_form.html", {"form": form, "rule": rule})


def _visible_rule(request, pk: int) -> LeadAssignmentRule:
    return get_object_or_404(LeadAssignmentRule.objects.visible_to(request.user), pk=pk)


@manages_settings
def rule_create(request):
    return _rule_page(request, LeadAssignmentRule())


@manages_settings
def rule_edit(request, pk: int):
    return _rule_page(request, _visible_rule(request, pk))


@require_POST
@manages_settings
def rule_move(request, pk: int, direction: str):
    """Try a rule earlier or later (the list's up and down buttons)."""
    if direction not in {"up", "down"}:
        raise Http404
    rule = _visible_rule(request, pk)
    try:
        assignment.move_rule(rule, actor=request.user, offset=-1 if direction == "up" else 1)
    except DomainError as error:
        messages.error(request, error.message)
    return go_to(request, reverse(LIST))


@require_POST
@manages_settings
def rule_delete(request, pk: int):
    rule = _visible_rule(request, pk)
    try:
        assignment.delete_rule(rule, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Assignment rule “%(name)s” deleted.") % {"name": rule})
    return go_to(request, reverse(LIST))
