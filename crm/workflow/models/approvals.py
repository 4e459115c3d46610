"""Approval processes (审批流程) set up by administrators, and their runs on records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import RecordLink, TrackedModel


class ApprovalProcess(TrackedModel):
    """A process for one approvable of one type: entry conditions (all must hold; tried in
    `sort_order`, the first that matches applies) and ordered steps."""

    manage_permission = "manage_settings"

    name = models.CharField(_("name"), max_length=100)
    type_key = models.CharField(_("object type"), max_length=40)
    approvable = models.CharField(_("what is approved"), max_length=40)
    # [{"field": "credit_limit_amount", "op": "gt", "value": "100000"}] (crm.workflow.conditions)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("approval process")
        verbose_name_plural = _("approval processes")
        ordering = ["type_key", "approvable", "sort_order", "id"]
        indexes = [models.Index(fields=["type_key", "approvable", "is_active"])]

    def __str__(self) -> str:
        return self.name


class ApproverKind(models.TextChoices):
    """Who approves a step, found from the submitter when the step starts."""

    SUPERIOR = "superior", _("Direct superior")
    SUPERIOR_LEVEL = "superior_level", _("Superior several levels up")
    DEPARTMENT_HEAD = "department_head", _("Head of the submitter's department")
    ROLE_DEPARTMENT = "role_department", _("Role holders in the submitter's department")
    ROLE_COMPANY = "role_company", _("Role holders in the submitter's company")
    USERS = "users", _("Named users")


class StepMode(models.TextChoices):
    ANY = "any", _("Any one approves")
    ALL = "all", _("All must approve (countersign)")


class ApprovalStep(models.Model):
    """One step of a process: who approves, whether one or all of them must, and the
    time limit after which the approver is reminded and then the step escalates."""

    process = models.ForeignKey(ApprovalProcess, models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("step name"), max_length=100, blank=True)
    approver_kind = models.CharField(
        _("approver"), max_length=20, choices=ApproverKind.choices, default=ApproverKind.SUPERIOR
    )
    levels = models.PositiveSmallIntegerField(
        _("levels up"),
        default=1,
        help_text=_("For a superior several levels up: 2 is the superior's superior."),
    )
    role = models.ForeignKey(
        "org.Role", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("role")
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("users")
    )
    mode = models.CharField(
        _("approval mode"), max_length=3, choices=StepMode.choices, default=StepMode.ANY
    )
    skip_submitter = models.BooleanField(_("skip when the approver is the submitter"), default=True)
    time_limit_hours = models.PositiveIntegerField(
        _("time limit (hours)"),
        null=True,
        blank=True,
        help_text=_(
            "After it the approver is reminded; after it again the step goes to their superior."
        ),
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["process", "position", "id"]

    def __str__(self) -> str:
        return self.name or str(self.get_approver_kind_display())


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(RecordLink):
    """One run of a process on one record (审批单): what was submitted, by whom, which
    step it is at. The steps are copied at submission, so editing the process later does
    not change a run."""

    process = models.ForeignKey(ApprovalProcess, models.PROTECT, related_name="requests")
    approvable = models.CharField(max_length=40)
    title = models.CharField(_("record"), max_length=255)
    # A held change: the proposed and the stored values, by attribute name.
    proposed = models.JSONField(default=dict, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    steps = models.JSONField(default=list)
    step = models.PositiveIntegerField(_("step"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [
            models.Index(fields=["content_type", "object_id", "state"], name="approval_record"),
            models.Index(fields=["submitter", "submitted_at"], name="approval_submitter"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated")
    CANCELLED = "cancelled", _("No longer needed")


class ApprovalTask(models.Model):
    """One approver's part in one step of a request (待审批)."""

    request = models.ForeignKey(ApprovalRequest, models.CASCADE, related_name="tasks")
    step = models.PositiveIntegerField(_("step"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.PENDING
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["request", "step", "id"]
        indexes = [
            models.Index(fields=["approver", "state", "created_at"], name="approval_task_inbox"),
            models.Index(fields=["state", "due_at"], name="approval_task_due"),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.approver}"


class HistoryAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned to an earlier step")
    TRANSFERRED = "transferred", _("Transferred")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SKIPPED = "skipped", _("Skipped")
    REMINDED = "reminded", _("Reminded")
    ESCALATED = "escalated", _("Escalated")
    COMPLETED = "completed", _("Approval completed")


class ApprovalAction(models.Model):
    """What happened in a request, in order: its history on the record's page."""

    request = models.ForeignKey(ApprovalRequest, models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=12, choices=HistoryAction.choices)
    step = models.PositiveIntegerField(_("step"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval history")
        verbose_name_plural = _("approval history")
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request} {self.action}"
