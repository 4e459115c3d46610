"""Models of the messaging app: the inbox (信息中心), announcements (公告), mentions in
comments, each user's choice of what reaches them by email, and the email outbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import Comment, TrackedModel


class Kind(models.TextChoices):
    """What an inbox item is about; each kind may also reach its reader by email."""

    APPROVAL = "approval", _("To do")
    APPROVAL_RESULT = "approval_result", _("Approval results")
    ALERT = "alert", _("Alerts")
    MENTION = "mention", _("Mentions")
    ANNOUNCEMENT = "announcement", _("Announcements")
    SYSTEM = "system", _("System")


# The kinds that reach a user by email until they choose otherwise.
EMAIL_BY_DEFAULT = (Kind.APPROVAL, Kind.ALERT)


class Announcement(TrackedModel):
    """A notice (公告) administrators publish to everyone or to chosen departments, each
    with its sub-departments; withdrawing it takes it out of every inbox."""

    manage_permission = "manage_settings"

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000, blank=True)
    # Empty: everyone. Else the ids of the departments (with their sub-departments).
    department_ids = models.JSONField(_("departments"), default=list, blank=True)
    expires_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One item of a user's inbox: stored already rendered in the reader's language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # The record it is about, shown only while the reader may see it.
    content_type = models.ForeignKey(
        ContentType, models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the sender calls it ("approval:12"), to resolve every copy of it at once.
    ref = models.CharField(max_length=100, blank=True, db_index=True)
    announcement = models.ForeignKey(
        Announcement, models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The badge: one indexed count of a user's unread items.
            models.Index(fields=["user", "read_at"], name="messaging_unread"),
            models.Index(fields=["user", "created_at", "id"], name="messaging_inbox"),
            models.Index(fields=["user", "kind", "created_at", "id"], name="messaging_inbox_kind"),
        ]

    def __str__(self) -> str:
        return self.title


class Mention(models.Model):
    """A person named with @ in a comment (notified if they may see the record)."""

    comment = models.ForeignKey(Comment, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    notified = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="messaging_mention_once")
        ]

    def __str__(self) -> str:
        return f"@{self.user}"


class NotificationSettings(models.Model):
    """Which kinds of inbox items also reach one user by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_settings"
    )
    email_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailMessage(models.Model):
    """An email in the outbox: sent by a consumer, retried with a growing delay, marked
    failed after `MAX_ATTEMPTS`; a consumer holds it with a lease while sending."""

    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    html = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    ref = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="messaging_email_due")]

    def __str__(self) -> str:
        return self.subject


class EmailAttachment(models.Model):
    """A file sent with an email (a quote's PDF), kept with it until it is sent."""

    email = models.ForeignKey(EmailMessage, models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.name
