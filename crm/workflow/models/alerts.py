"""Alert rules (预警规则) set up by administrators, and the records each run found."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TrackedModel


class AlertSchedule(models.TextChoices):
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day")


class AlertRule(TrackedModel):
    """A rule that finds records of one type matching its conditions on a schedule and
    tells the people concerned, once per record per period (预警规则)."""

    manage_permission = "manage_settings"

    name = models.CharField(_("name"), max_length=100)
    type_key = models.CharField(_("object type"), max_length=40)
    # [{"field": "updated_at", "op": "older_than_days", "value": 30}] (crm.workflow.conditions)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    to_owner = models.BooleanField(_("the record's owner"), default=True)
    to_superior = models.BooleanField(_("the owner's superior"), default=False)
    role = models.ForeignKey(
        "org.Role",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("holders of the role"),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named users")
    )
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=AlertSchedule.choices, default=AlertSchedule.DAILY
    )
    time_of_day = models.TimeField(
        _("time of day"),
        default=datetime.time(8, 30),
        help_text=_("For a daily rule: when it runs, in the CRM's time zone."),
    )
    by_inbox = models.BooleanField(_("inbox"), default=True)
    by_email = models.BooleanField(_("email"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    message = models.CharField(
        _("message"),
        max_length=255,
        blank=True,
        help_text=_("Shown in the alert; the conditions are shown when it is empty."),
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["type_key", "name", "id"]
        indexes = [models.Index(fields=["is_active", "schedule"], name="alert_rule_due")]

    def __str__(self) -> str:
        return self.name


class AlertHit(models.Model):
    """A record a rule found in one period (预警消息): written once per record, rule and
    period, so a second run in the same period tells nobody again."""

    rule = models.ForeignKey(AlertRule, models.CASCADE, related_name="hits")
    object_id = models.BigIntegerField()
    # "2026-06-15" for a daily rule, "2026-06-15T09" for an hourly one (the CRM's time zone).
    period = models.CharField(max_length=13)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["rule", "period", "object_id"], name="alert_hit_once")
        ]
        indexes = [models.Index(fields=["rule", "period", "created_at"], name="alert_hit_run")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.period}/{self.object_id}"
