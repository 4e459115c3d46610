"""Pages of alerts: the alert rules administrators set up, and each rule's hits for the
people it alerts (only the records they may see)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core import registry
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.views.editing import expected_version, go_to, posted, special_required
from crm.workflow import alerts, conditions
from crm.workflow.alert_forms import AlertRuleForm
from crm.workflow.forms import condition_formset, rearranged, stored_condition_rows
from crm.workflow.models import AlertHit, AlertRule

manages_settings = special_required("manage_settings")
SHOWN_HITS = 200
SHOWN_PERIODS = 14
# The form's input that a rule's error about its recipients or channels is shown under.
ON_FORM = {"recipients": "to_owner", "channels": "by_inbox"}


@manages_settings
def alert_rule_list(request):
    """The alert rules with what they look for, whom they tell and when."""
    rules = AlertRule.objects.visible_to(request.user).select_related("role")
    rows = [
        {"rule": rule, "conditions": conditions.describe(rule.type_key, rule.conditions)}
        for rule in rules.prefetch_related("users")
        if rule.type_key in {t.key for t in registry.all_types()}
    ]
    return render(request, "workflow/alert_rule_list.html", {"rows": rows})


def _visible_rule(request, pk) -> AlertRule:
    return get_object_or_404(AlertRule.objects.visible_to(request.user), pk=pk)


def _redrawn(request, rule: AlertRule, data):
    """The form as posted, redrawn after a choice or a row button (nothing checked)."""
    url = request.path
    posted_form = AlertRuleForm(data, instance=rule)
    form = AlertRuleForm(
        initial={name: posted_form[name].data for name in posted_form.fields},
        instance=rule,
        refresh_url=url,
    )
    rows = condition_formset(form.chosen_type, data).posted_rows()
    if data.get("conditions-op"):
        rows = rearranged(rows, data["conditions-op"], {})
    context = {
        "form": form,
        "rule": rule,
        "conditions": condition_formset(form.chosen_type, rows=rows, refresh_url=url),
        "refresh_url": url,
    }
    return render(request, "workflow/alert_rule_form.html#body", context)


def _rule_page(request, rule: AlertRule):
    data = posted(request)
    if data is not None and "refresh" in data:
        return _redrawn(request, rule, data)
    url = request.path
    form = AlertRuleForm(data, instance=rule, refresh_url=url)
    rows = condition_formset(
        form.chosen_type, data, rows=stored_condition_rows(rule.conditions), refresh_url=url
    )
    if data is not None and all([form.is_valid(), rows.is_valid()]):
        try:
            alerts.save_rule(
                form.instance,
                actor=request.user,
                conditions=rows.rows(),
                users=list(form.cleaned_data["users"]),
                expected_version=expected_version(form),
            )
        except DomainError as error:
            rest = rows.place(error.fields)
            on_form = {ON_FORM.get(key, key): texts for key, texts in rest.items()}
            show_domain_error(form, DomainError(error.code, error.message, on_form))
        else:
            messages.success(request, _("Alert rule “%(name)s” saved.") % {"name": form.instance})
            return go_to(request, reverse("workflow:alert_rule_list"))
    context = {"form": form, "rule": rule, "conditions": rows, "refresh_url": url}
    return render(request, "workflow/alert_rule_form.html", context)


@manages_settings
def alert_rule_create(request):
    return _rule_page(request, AlertRule())


@manages_settings
def alert_rule_edit(request, pk):
    return _rule_page(request, _visible_rule(request, pk))


@require_POST
@manages_settings
def alert_rule_deactivate(request, pk):
    """Stop a rule from running (its past alerts stay)."""
    rule = _visible_rule(request, pk)
    try:
        alerts.deactivate_rule(rule, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alert rule “%(name)s” deactivated.") % {"name": rule})
    return go_to(request, reverse("workflow:alert_rule_list"))


@login_required
def alert_hits(request, pk):
    """A rule's hits in one period (its latest by default) among the records the user may
    see, most recently changed first; the rule's recent periods to choose from."""
    rule = _visible_rule(request, pk)
    if rule.type_key not in {t.key for t in registry.all_types()}:
        return render(request, "workflow/alert_hits.html", {"rule": rule, "rows": []})
    object_type = registry.get(rule.type_key)
    period, records = alerts.hits_for(rule, request.user, request.GET.get("period", ""))
    found = list(records.select_related("owner")[: SHOWN_HITS + 1])
    periods = (
        AlertHit.objects.filter(rule=rule)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:SHOWN_PERIODS]
    )
    detail = object_type.url_name("detail")
    context = {
        "rule": rule,
        "object_type": object_type,
        "period": period,
        "periods": list(periods),
        "rows": [(record, reverse(detail, args=[record.pk])) for record in found[:SHOWN_HITS]],
        "more": len(found) > SHOWN_HITS,
        "conditions": conditions.describe(rule.type_key, rule.conditions),
    }
    return render(request, "workflow/alert_hits.html", context)
