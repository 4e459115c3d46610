"""Pages of lead assignment and the lead pool (线索池): the pool that salespeople claim
leads from, distributing leads by hand or by the rules, and a lead's buttons to claim,
release or assign it. Each view reads, parses a form and calls one service of
`crm.sales.assignment`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from crm.core import access, lists, masking, paging, params
from crm.core.context_processors import add_admin_entry, add_work_entry
from crm.core.errors import BadParameter, DomainError
from crm.core.forms import show_domain_error, style_widgets
from crm.core.registry import Action, TypeView
from crm.core.views.editing import go_to, posted, same_site
from crm.core.views.generic import render_page
from crm.sales import assignment
from crm.sales.assignment_forms import AssignForm, PoolFilter, ReleaseForm
from crm.sales.models import Lead

# What a salesperson needs to choose a lead in the pool, and no more.
POOL_COLUMNS = (
    "name",
    "company_name",
    "mobile",
    "phone",
    "source",
    "region",
    "industry",
    "rating",
    "created_at",
)
POOL_ORDER = "-created_at"
POOL_PAGE_SIZE = 50
_LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING}


def _without_cursor(query: QueryDict) -> str:
    query = query.copy()
    query.pop("cursor", None)
    return query.urlencode()


def _pool_context(request, object_type) -> dict:
    """The page of pool leads the filters and the cursor ask for, as display rows;
    personal numbers masked unless the user holds "unmask"."""
    found = PoolFilter(request.GET, queryset=assignment.pool_leads())
    style_widgets(found.form)
    leads = found.qs if found.is_valid() else Lead.objects.none()
    columns = [object_type.column(name) for name in POOL_COLUMNS]
    page = paging.paginate(
        leads,
        POOL_ORDER,
        fields=lists.value_fields(columns),
        limit=POOL_PAGE_SIZE,
        cursor=request.GET.get("cursor"),
    )
    count, more = paging.capped_count(leads, settings.CRM_COUNT_CAP)
    hidden = masking.for_data(object_type, request.user)
    formatter = lists.Formatter(object_type, columns, page.rows, hidden=hidden, links=False)
    can_transfer = access.can(request.user, "transfer", Lead)
    return {
        "object_type": object_type,
        "filters": found.form,
        "columns": columns,
        "rows": formatter.rows(page.rows),
        "page": page,
        "count": count,
        "count_more": more,
        "query": _without_cursor(request.GET),
        "can_transfer": can_transfer,
        "assign_form": AssignForm(auto_id="pool-%s") if can_transfer else None,
    }


def pool(request, object_type):
    """The lead pool: the leads waiting to be claimed, newest first, filtered by source,
    region and industry; a row's button claims it (POST `claim`, the lead's id)."""
    if request.method == "POST":
        return _claim_from_pool(request, object_type)
    context = _pool_context(request, object_type)
    return render_page(request, "sales/pool.html", context, partial="results")


def _claim_from_pool(request, object_type):
    """Claim one lead of the pool; htmx gets the pool's rows again with a toast saying
    whether the lead is now the user's."""
    lead_id = params.record_id(request.POST.get("claim"), "claim")
    lead = assignment.pool_leads().filter(pk=lead_id).first()
    level, message = "warning", str(assignment.NOT_IN_POOL)
    if lead is not None:
        try:
            assignment.claim(lead, actor=request.user)
        except DomainError as error:
            message = error.message
        else:
            level, message = "success", _("“%(name)s” is yours now.") % {"name": lead}
    if not request.htmx:
        messages.add_message(request, _LEVELS[level], message)
        return go_to(request, request.get_full_path())
    response = render(request, "sales/pool.html#results", _pool_context(request, object_type))
    trigger_client_event(response, "toast", {"level": level, "message": message})
    return response


@require_POST
def distribute(request, object_type):
    """Assign the chosen leads (`ids`) to a user (`action=assign`, `owner`), distribute
    them by the rules (`action=route`), or every pool lead the posted filters match
    (`action=route_all`); back to `back` with what became of them."""
    back = same_site(request, request.POST.get("back"), reverse(object_type.url_name("pool")))
    action = request.POST.get("action", "")
    if action not in ("assign", "route", "route_all"):
        raise BadParameter("action", _("There is no such action."))
    if action == "route_all":
        found = PoolFilter(request.POST, queryset=assignment.pool_leads())
        leads = list(found.qs) if found.is_valid() else []
    else:
        ids = params.record_ids(request.POST.getlist("ids"), "ids")
        leads = list(assignment.reachable(request.user).filter(pk__in=ids))
    form = AssignForm(request.POST) if action == "assign" else None
    if not leads:
        messages.warning(request, _("Choose the leads first."))
    elif form is not None and not form.is_valid():
        messages.error(request, _("Choose whom to assign the leads to."))
    else:
        try:
            messages.success(request, _distributed(leads, form, request.user))
        except DomainError as error:
            messages.error(request, error.message)
    return go_to(request, back)


def _distributed(leads: list[Lead], form: AssignForm | None, actor) -> str:
    """Assign or route the leads; what became of them, for a toast."""
    if form is not None:
        owner = form.cleaned_data["owner"]
        moved = assignment.assign(leads, owner, actor=actor)
        return ngettext(
            "%(count)d lead assigned to %(name)s.",
            "%(count)d leads assigned to %(name)s.",
            len(moved),
        ) % {"count": len(moved), "name": owner}
    result = assignment.route(leads, actor=actor)
    return _("Leads assigned: %(assigned)d; put in the pool: %(pooled)d.") % {
        "assigned": result.assigned,
        "pooled": result.pooled,
    }


@require_POST
def claim(request, object_type, lead: Lead):
    """The lead page's "Claim": the lead becomes the user's."""
    try:
        assignment.claim(lead, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("pool")))
    messages.success(request, _("“%(name)s” is yours now.") % {"name": lead})
    return go_to(request, reverse(object_type.url_name("detail"), args=[lead.pk]))


def release(request, object_type, lead: Lead):
    """Release a lead to the pool, with an optional reason (GET asks, POST releases)."""
    detail = reverse(object_type.url_name("detail"), args=[lead.pk])
    if not assignment.may_release(lead, request.user):
        messages.error(
            request,
            _(
                "“%(name)s” cannot be released to the pool: it is there already, closed, "
                "or not yours to release."
            )
            % {"name": lead},
        )
        return go_to(request, detail)
    form = ReleaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            assignment.release(lead, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("“%(name)s” released to the lead pool.") % {"name": lead})
            return go_to(request, detail)
    context = {"object_type": object_type, "object": lead, "form": form, "cancel_url": detail}
    return render(request, "sales/pool_release.html", context)


def assign(request, object_type, lead: Lead):
    """Assign a lead to a user (GET asks whom, POST assigns); back to its page, or to the
    list when the user no longer sees it."""
    detail = reverse(object_type.url_name("detail"), args=[lead.pk])
    if not assignment.may_assign(lead, request.user):
        messages.error(request, _("“%(name)s” cannot be assigned.") % {"name": lead})
        return go_to(request, detail)
    form = AssignForm(posted(request), initial={"owner": lead.owner_id})
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            assignment.assign([lead], owner, actor=request.user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            text = _("“%(name)s” assigned to %(owner)s.") % {"name": lead, "owner": owner}
            messages.success(request, text)
            seen = Lead.objects.visible_to(request.user).filter(pk=lead.pk).exists()
            return go_to(request, detail if seen else reverse(object_type.url_name("list")))
    context = {"object_type": object_type, "object": lead, "form": form, "cancel_url": detail}
    return render(request, "sales/assign.html", context)


# The lead type's pages and buttons of assignment (crm/sales/registry.py lists them).
VIEWS = (
    TypeView("pool", pool, label=gettext_lazy("Lead pool"), permission="claim"),
    TypeView("distribute", distribute, permission="transfer"),
    TypeView("claim", claim, record=True, permission="claim"),
    TypeView("release", release, record=True, permission="edit"),
    TypeView("assign", assign, record=True, permission="transfer"),
)
ACTIONS = (
    Action(
        gettext_lazy("Claim"),
        view="claim",
        permission="claim",
        confirm=gettext_lazy("Claim this lead? It becomes yours to work."),
        when=assignment.may_claim,
    ),
    Action(
        gettext_lazy("Release to pool"),
        view="release",
        permission="edit",
        method="GET",
        when=assignment.may_release,
    ),
    Action(
        gettext_lazy("Assign…"),
        view="assign",
        permission="transfer",
        method="GET",
        when=assignment.may_assign,
    ),
)


def register_menu() -> None:
    """The lead pool under the workbench, the assignment rules among the settings (from
    the app's `ready()`)."""
    add_work_entry(
        gettext_lazy("Lead pool"),
        "sales:lead_pool",
        "users",
        shown=lambda user: access.can(user, "claim", Lead),
    )
    add_admin_entry(
        gettext_lazy("Lead assignment"),
        "sales:assignment_rule_list",
        "settings",
        "manage_settings",
    )
