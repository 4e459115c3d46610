"""Business actions of the messaging app: notify people in their inbox (and by email when
they chose it), resolve, mark read, mention people in comments, publish announcements,
and the email outbox (queued in the sender's transaction, sent by a consumer)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from crm.core import access
from crm.core import services as core_services
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import Comment, Record
from crm.messaging.models import (
    EMAIL_BY_DEFAULT,
    Announcement,
    EmailAttachment,
    EmailMessage,
    EmailStatus,
    Kind,
    Mention,
    Notification,
    NotificationSettings,
)
from crm.messaging.outbox import send_email_task
from crm.org.models import OrgUnit

BADGE_CAP = 99
MENTION_EXCERPT = 300


# Inbox ------------------------------------------------------------------------------------

# kind -> the template each inbox item of that kind includes (its buttons).
_actions: dict[str, str] = {}


def register_actions(kind: str, template_name: str) -> None:
    """Show `template_name` (given `item`, the notification) on each inbox item of `kind`:
    the workflow app puts its approve and reject buttons there."""
    _actions[kind] = template_name


def actions_template(kind: str) -> str:
    """The template registered for the items of `kind`, or ""."""
    return _actions.get(kind, "")


def _people(recipients: Iterable) -> list:
    """The active users among `recipients` (users or ids), each once, in their order."""
    users, ids = {}, []
    for recipient in recipients:
        if recipient is None:
            continue
        pk = getattr(recipient, "pk", recipient)
        if pk not in users:
            users[pk] = recipient if hasattr(recipient, "pk") else None
            ids.append(pk)
    missing = [pk for pk in ids if users[pk] is None]
    if missing:
        users.update(get_user_model().objects.in_bulk(missing))
    return [users[pk] for pk in ids if users.get(pk) is not None and users[pk].is_active]


def notify_each(
    recipients: Iterable,
    *,
    kind: str,
    render: Callable[[object], tuple[str, str]],
    target: Record | None = None,
    url: str = "",
    actor=None,
    ref: str = "",
    announcement: Announcement | None = None,
) -> list[Notification]:
    """Put a message in each recipient's inbox, its title and text written by
    `render(user)` in that user's language, and queue the email for those who chose email
    for `kind`. Inactive users are skipped and duplicates collapse. Called inside the
    caller's transaction: a rollback leaves no item and sends nothing. An unknown `kind`
    raises ValueError."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown kind of notification: {kind!r}")
    people = _people(recipients)
    if not people:
        return []
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    now = timezone.now()
    items = []
    for user in people:
        with override(user.language):
            title, body = render(user)
        items.append(
            Notification(
                user=user,
                kind=kind,
                title=str(title)[:300],
                body=str(body),
                content_type=content_type,
                object_id=target.pk if target is not None else None,
                url=url,
                actor=actor if getattr(actor, "pk", None) else None,
                ref=ref,
                announcement=announcement,
                created_at=now,
            )
        )
    created = Notification.objects.bulk_create(items)
    _email_notifications(created, kind)
    return created


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    target: Record | None = None,
    url: str = "",
    actor=None,
    ref: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox (and queue the email for those who chose
    email for this kind); called inside the caller's transaction, so a rollback sends
    nothing. `title` and `body` are stored as given (rendered already)."""
    return notify_each(
        recipients,
        kind=kind,
        render=lambda user: (title, body),
        target=target,
        url=url,
        actor=actor,
        ref=ref,
    )


def resolve(ref: str) -> int:
    """Mark every inbox item carrying `ref` as done/read (an approval task decided
    elsewhere); answers how many items were still open."""
    if not ref:
        return 0
    now = timezone.now()
    items = Notification.objects.filter(ref=ref, done_at__isnull=True)
    Notification.objects.filter(ref=ref, read_at__isnull=True).update(read_at=now)
    return items.update(done_at=now)


def mark_read(item: Notification, *, actor) -> Notification:
    """Mark one of the actor's own inbox items read (someone else's answers AccessDenied)."""
    if item.user_id != actor.pk:
        raise AccessDenied(_("This is not your message."))
    if item.read_at is None:
        item.read_at = timezone.now()
        Notification.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=item.read_at)
    return item


def mark_all_read(*, actor, kind: str = "") -> int:
    """Mark the actor's unread items (of `kind`, else all) read; answers how many."""
    items = Notification.objects.filter(user=actor).unread()
    if kind:
        items = items.filter(kind=kind)
    return items.update(read_at=timezone.now())


def unread_count(user) -> tuple[int, bool]:
    """How many unread items `user` has, up to BADGE_CAP, and whether there are more:
    one count over the (user, read_at) index."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True).values("pk")
    n = rows[: BADGE_CAP + 1].count()
    return min(n, BADGE_CAP), n > BADGE_CAP


# Email choices ----------------------------------------------------------------------------


def email_kinds(user) -> list[str]:
    """The kinds of inbox items that also reach `user` by email."""
    chosen = NotificationSettings.objects.filter(user=user).values_list("email_kinds", flat=True)
    return next(iter(chosen), [str(k) for k in EMAIL_BY_DEFAULT])


def set_email_kinds(kinds: Sequence[str], *, actor) -> list[str]:
    """Choose which kinds of inbox items also reach the actor by email."""
    chosen = [k for k in Kind.values if k in set(kinds)]
    NotificationSettings.objects.update_or_create(user=actor, defaults={"email_kinds": chosen})
    return chosen


def email_address(user) -> str:
    """Where `user`'s email goes: their own address, else their employee record's."""
    if user.email:
        return user.email
    employee = getattr(user, "employee", None)
    return employee.email if employee is not None else ""


def _email_notifications(items: list[Notification], kind: str) -> None:
    users = [n.user for n in items]
    chosen = dict(
        NotificationSettings.objects.filter(user__in=users).values_list("user_id", "email_kinds")
    )
    default = [str(k) for k in EMAIL_BY_DEFAULT]
    emails = []
    for item in items:
        if kind not in chosen.get(item.user_id, default):
            continue
        address = email_address(item.user)
        if not address:
            continue
        link = settings.CRM_SITE_URL + reverse("messaging:open", args=[item.pk])
        with override(item.user.language):
            footer = _("Open it in the CRM: %(link)s") % {"link": link}
        body = f"{item.body}\n\n{footer}" if item.body else footer
        emails.append(_email([address], item.title, body, ref=item.ref, actor=item.actor))
    if emails:
        EmailMessage.objects.bulk_create(emails)
        transaction.on_commit(partial(send_email_task, None))


# Mentions ---------------------------------------------------------------------------------

# "@" then a name: up to two words (an English full name), or a username.
_MENTION = re.compile(r"@([^\s@]+)(?:[ \u00a0]([^\s@]+))?")


def _named(body: str) -> set[int]:
    """The active users `body` names with "@username" or "@Full Name" (a full name only
    when it is one user's)."""
    words, names = set(), set()
    for first, second in _MENTION.findall(body):
        first = first.rstrip(".,;:!?，。；：！？、")
        words.add(first)
        names.add(first)
        if second:
            names.add(f"{first} {second.rstrip('.,;:!?，。；：！？、')}")
    if not words:
        return set()
    active = get_user_model().objects.filter(is_active=True)
    found = set(active.filter(username__in=words).values_list("pk", flat=True))
    by_name: dict[str, list[int]] = {}
    for pk, name in active.filter(full_name__in=names).values_list("pk", "full_name"):
        by_name.setdefault(name, []).append(pk)
    found.update(pks[0] for pks in by_name.values() if len(pks) == 1)
    return found


def mention_people(
    comment: Comment, target: Record, user_ids: Sequence[int], *, actor
) -> list[str]:
    """Keep whom `comment` on `target` mentions (`user_ids` and the people its body names
    with @) and send each who may see `target` a `mention` item linking to it; answers the
    names of those who were not told because they may not see it. The author is not told
    of their own mention."""
    wanted = {int(pk) for pk in user_ids} | _named(comment.body)
    wanted.discard(actor.pk)
    people = get_user_model().objects.filter(pk__in=wanted, is_active=True).order_by("pk")
    model = type(target)
    told, untold = [], []
    for user in people:
        sees = model.objects.visible_to(user).filter(pk=target.pk).exists()
        (told if sees else untold).append(user)
    Mention.objects.bulk_create(
        [Mention(comment=comment, user=u, notified=True) for u in told]
        + [Mention(comment=comment, user=u, notified=False) for u in untold]
    )
    author = actor.get_full_name()
    notify_each(
        told,
        kind=Kind.MENTION,
        render=lambda user: (
            _("%(author)s mentioned you") % {"author": author},
            comment.body[:MENTION_EXCERPT],
        ),
        target=target,
        actor=actor,
        ref=f"comment:{comment.pk}",
    )
    return [u.get_full_name() for u in untold]


def mentioned_names(comments: list[Comment]) -> dict[int, list[str]]:
    """{comment id: the names of the people it mentions}, for the timeline to highlight."""
    names: dict[int, list[str]] = {}
    rows = Mention.objects.filter(comment__in=comments).select_related("user")
    for mention in rows:
        names.setdefault(mention.comment_id, []).append(mention.user.get_full_name())
        names[mention.comment_id].append(mention.user.username)
    return names


# Announcements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """An announcement and how many inboxes it reached."""

    announcement: Announcement
    reached: int


def _audience(announcement: Announcement):
    """The active users an announcement is for: everyone, or the people of its
    departments and their sub-departments."""
    users = get_user_model().objects.filter(is_active=True)
    if not announcement.department_ids:
        return users
    paths = OrgUnit.objects.filter(pk__in=announcement.department_ids).values_list(
        "path", flat=True
    )
    within = Q(pk__in=[])
    for path in paths:
        within |= Q(employee__department__path__startswith=path)
    return users.filter(within)


def _require_manager(actor) -> None:
    if not access.has_special(actor, Announcement.manage_permission):
        raise AccessDenied(_("You may not publish announcements."))


@transaction.atomic
def publish_announcement(announcement: Announcement, *, actor) -> Published:
    """Publish a new announcement (written through the core write path, so the change
    log keeps it) and put it in the inbox of everyone it is for, in one transaction.
    Raises AccessDenied without "manage settings", ValidationFailed on bad fields or an
    expiry already past."""
    _require_manager(actor)
    if announcement.pk:
        raise DomainError("announcement_published", _("This announcement is published already."))
    if announcement.expires_at is not None and announcement.expires_at <= timezone.now():
        raise ValidationFailed({"expires_at": [_("Choose a time in the future.")]})
    core_services.save(announcement, actor=actor)
    people = list(_audience(announcement).select_related("employee"))
    items = notify_each(
        people,
        kind=Kind.ANNOUNCEMENT,
        render=lambda user: (announcement.title, announcement.body),
        actor=actor,
        ref=f"announcement:{announcement.pk}",
        announcement=announcement,
    )
    return Published(announcement, len(items))


@transaction.atomic
def withdraw_announcement(announcement: Announcement, *, actor) -> Announcement:
    """Withdraw an announcement: it leaves every inbox; the change log keeps who did it."""
    _require_manager(actor)
    current = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if current.withdrawn_at is not None:
        return current
    current.withdrawn_at = timezone.now()
    core_services.save(current, actor=actor)
    current.notifications.all().delete()
    return current


def current_announcements(user, *, limit: int | None = None) -> models.QuerySet:
    """The announcements in `user`'s inbox that are not past their expiry, newest first."""
    now = timezone.now()
    rows = Announcement.objects.filter(notifications__user=user, withdrawn_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    rows = rows.order_by("-created_at", "-id")
    return rows[:limit] if limit else rows


# Email outbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file to send with an email."""

    name: str
    content: bytes
    mime_type: str = "application/octet-stream"


def _email(to: Sequence[str], subject: str, body: str, *, html="", ref="", actor=None):
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return EmailMessage(
        to=list(to),
        subject=str(subject)[:300],
        body=body,
        html=html,
        ref=ref,
        created_by=actor if getattr(actor, "pk", None) else None,
        message_id=mail.make_msgid(domain=domain),
    )


def queue_email(
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    html: str = "",
    attachments: Sequence[Attachment] = (),
    ref: str = "",
    actor=None,
) -> EmailMessage:
    """Put an email in the outbox, in the caller's transaction; a consumer sends it once
    that commits (and retries it while the mail server refuses)."""
    email = _email(to, subject, body, html=html, ref=ref, actor=actor)
    email.save()
    EmailAttachment.objects.bulk_create(
        EmailAttachment(email=email, name=a.name, mime_type=a.mime_type, content=a.content)
        for a in attachments
    )
    transaction.on_commit(partial(send_email_task, email.pk))
    return email


def retry_email(email: EmailMessage, *, actor) -> EmailMessage:
    """Send a failed email again from its first attempt (for holders of "view logs")."""
    if not access.has_special(actor, "view_logs"):
        raise AccessDenied(_("You may not retry emails."))
    if email.status != EmailStatus.FAILED:
        raise DomainError("email_not_failed", _("Only a failed email can be sent again."))
    EmailMessage.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    transaction.on_commit(partial(send_email_task, email.pk))
    email.refresh_from_db()
    return email
