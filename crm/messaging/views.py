"""Pages of the messaging app: the inbox and its badge, the @mention type-ahead, the
choice of what comes by email, announcements and the email log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from crm.core import paging
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.views.editing import go_to, paginate, posted, special_required
from crm.messaging import inbox, services
from crm.messaging.forms import AnnouncementForm, EmailFilterForm, EmailKindsForm
from crm.messaging.models import Announcement, EmailMessage, EmailStatus, Kind, Notification
from crm.org.models import OrgUnit

INBOX_CHANGED = "inbox-changed"

EMAIL_LOG_PAGE = 50
EMAIL_LOG_FIELDS = [
    "id",
    "created_at",
    "to",
    "subject",
    "status",
    "attempts",
    "last_error",
    "sent_at",
]


def _tabs():
    """The inbox's tabs: (kind, label), "" for every kind."""
    return [("", _("All")), *Kind.choices]


def _own(request, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)


@login_required
def inbox_page(request):
    """The inbox: a tab per kind, newest or unread first, 50 items a page."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    unread_first = request.GET.get("order") == "unread"
    page = inbox.page(
        request.user, kind=kind, unread_first=unread_first, cursor=request.GET.get("cursor")
    )
    context = {
        "page": page,
        "kind": kind,
        "unread_first": unread_first,
        "tabs": _tabs(),
        "actions": {k: services.actions_template(k) for k in Kind.values},
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "messaging/inbox.html#items", context)
    return render(request, "messaging/inbox.html", context)


@login_required
def open_item(request, pk: int):
    """Open an item: it is read now; it leads to its record (or link) when it has one and
    its reader may see it, else it shows on its own page."""
    item = services.mark_read(_own(request, pk), actor=request.user)
    (shown,) = inbox.items_for(request.user, [item])
    if shown.link:
        return redirect(shown.link)
    return render(
        request,
        "messaging/item.html",
        {"item": shown, "actions": {item.kind: services.actions_template(item.kind)}},
    )


@login_required
@require_POST
def read_item(request, pk: int):
    """Mark one item read; answers the item again, and the badge is fetched anew."""
    item = services.mark_read(_own(request, pk), actor=request.user)
    if not request.htmx:
        return redirect("messaging:inbox")
    (shown,) = inbox.items_for(request.user, [item])
    actions = {item.kind: services.actions_template(item.kind)}
    response = render(request, "messaging/inbox.html#item", {"item": shown, "actions": actions})
    trigger_client_event(response, INBOX_CHANGED)
    return response


@login_required
@require_POST
def read_all(request):
    kind = request.POST.get("kind", "")
    kind = kind if kind in Kind.values else ""
    count = services.mark_all_read(actor=request.user, kind=kind)
    messages.success(request, _("%(count)d messages marked read.") % {"count": count})
    url = reverse("messaging:inbox") + (f"?kind={kind}" if kind else "")
    return go_to(request, url)


@login_required
def badge(request):
    """The bell's badge alone: polled, and fetched again after marking read."""
    count, more = services.unread_count(request.user)
    return render(request, "messaging/_badge.html", {"count": count, "more": more})


@login_required
def email_settings(request):
    """Which kinds of items also reach the user by email."""
    form = EmailKindsForm(posted(request), initial={"kinds": services.email_kinds(request.user)})
    if request.method == "POST" and form.is_valid():
        services.set_email_kinds(form.cleaned_data["kinds"], actor=request.user)
        messages.success(request, _("Notification settings saved."))
        return go_to(request, reverse("messaging:settings"))
    address = services.email_address(request.user)
    return render(request, "messaging/settings.html", {"form": form, "address": address})


manages_announcements = special_required(Announcement.manage_permission)


@manages_announcements
def announcement_list(request):
    page = paginate(
        request, Announcement.objects.visible_to(request.user).select_related("created_by")
    )
    units = {
        unit.pk: unit.name
        for unit in OrgUnit.objects.filter(pk__in={pk for a in page for pk in a.department_ids})
    }
    rows = [(a, [units[pk] for pk in a.department_ids if pk in units]) for a in page]
    return render(request, "messaging/announcement_list.html", {"page": page, "rows": rows})


@manages_announcements
def announcement_create(request):
    form = AnnouncementForm(posted(request), instance=Announcement())
    if request.method == "POST" and form.is_valid():
        try:
            published = services.publish_announcement(form.instance, actor=request.user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Announcement published to %(count)d people.") % {"count": published.reached},
            )
            return go_to(request, reverse("messaging:announcement_list"))
    return render(request, "messaging/announcement_form.html", {"form": form})


@manages_announcements
@require_POST
def announcement_withdraw(request, pk: int):
    announcement = get_object_or_404(Announcement.objects.visible_to(request.user), pk=pk)
    services.withdraw_announcement(announcement, actor=request.user)
    messages.success(request, _("Announcement “%(title)s” withdrawn.") % {"title": announcement})
    return go_to(request, reverse("messaging:announcement_list"))


views_logs = special_required("view_logs")


@views_logs
def email_log(request):
    """The email outbox for administrators: status, recipients, attempts, last error."""
    filters = EmailFilterForm(request.GET or None)
    emails = EmailMessage.objects.all()
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    if status:
        emails = emails.filter(status=status)
    page = paging.paginate(
        emails,
        "-created_at",
        fields=EMAIL_LOG_FIELDS,
        limit=EMAIL_LOG_PAGE,
        cursor=request.GET.get("cursor"),
    )
    labels = dict(EmailStatus.choices)
    for row in page.rows:
        row["status_label"] = labels.get(row["status"], row["status"])
    return render(
        request,
        "messaging/email_log.html",
        {"page": page, "filters": filters, "status": status},
    )


@views_logs
@require_POST
def email_retry(request, pk: int):
    email = get_object_or_404(EmailMessage, pk=pk)
    try:
        services.retry_email(email, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The email is queued to be sent again."))
    return go_to(request, reverse("messaging:email_log"))
