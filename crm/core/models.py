"""Base models of the platform and the tables every object type shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from crm.core import access, text


class TrackedQuerySet(models.QuerySet):
    """Reads of any tracked model; `visible_to` is the only door for user-facing reads."""

    def visible_to(self, user):
        """Rows this user may see (see crm.core.access)."""
        return access.visible(self, user)

    def visible_parts(self, user):
        """The same rows as disjoint parts, or None (see crm.core.access.visible_parts)."""
        return access.visible_parts(self, user)

    def editable_by(self, user):
        """Rows this user may change or delete."""
        return access.editable(self, user)


class LiveManager(models.Manager.from_queryset(TrackedQuerySet)):  # type: ignore[misc]
    """Rows not in the recycle bin."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class TrackedModel(models.Model):
    """A row written only through the core write path: versioned and change-logged."""

    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = TrackedQuerySet.as_manager()

    access_policy = "config"
    # The special permission (besides being an administrator) that lets a user change
    # rows of this configuration model; None: administrators only.
    manage_permission: str | None = None
    # Fields never copied into the change log's diff.
    untracked_fields = ("version", "created_at", "updated_at", "created_by", "updated_by")

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        """Django's field checks, where a required text of spaces only is blank too (a form
        strips it, but the API and imports keep what was sent)."""
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as exc:
            errors = exc.error_dict
        for field in self._meta.concrete_fields:
            if field.blank or field.name in errors or field.name in (exclude or ()):
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str) and value and not value.strip():
                errors[field.name] = [ValidationError(field.error_messages["blank"], code="blank")]
        if errors:
            raise ValidationError(errors)


class Record(TrackedModel):
    """A business record: numbered, owned, soft-deleted, with custom fields."""

    number = models.CharField(_("number"), max_length=40, blank=True, db_index=True)
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The record's key in the system it came from (ERP, spreadsheet ...)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    custom_field_data = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = LiveManager()
    all_objects = TrackedQuerySet.as_manager()

    access_policy = "record"
    # Visibility follows this foreign key's record instead of the row's own owner.
    access_parent: str | None = None
    # A sort key (NameSorted) follows the name: the change log shows the name's change.
    untracked_fields = (*TrackedModel.untracked_fields, "deleted_by", "name_sort")

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return getattr(self, "name", "") or self.number or f"#{self.pk}"


class SortKeyField(models.CharField):
    """The key a text field sorts by as Chinese users expect (crm.core.text.sort_key),
    worked out from that field (`source`) whenever the row is written: a save, a bulk
    insert (crm.core.bulk, COPY included) and the write path's batches. Lists asked to
    order by the source order by the key (`sort_keys` of the model, crm.core.paging)."""

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", text.SORT_KEY_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.source != "name":
            kwargs["source"] = self.source
        return name, path, args, kwargs

    def key_for(self, value: Any) -> str:
        return text.sort_key(str(value or ""))

    def pre_save(self, model_instance, add):
        key = self.key_for(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, key)
        return key


def sort_key_fields(model: type[models.Model]) -> list[SortKeyField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SortKeyField)]


class NameSorted(models.Model):
    """A record whose list sorts by name in pinyin order (上海 after 北京), on an index:
    declare `models.Index(fields=["name_sort", "id"])` (and per owner) in the type's Meta."""

    name_sort = SortKeyField(_("name sort key"))

    sort_keys = {"name": "name_sort"}

    class Meta:
        abstract = True


class RelatedTo(models.Model):
    """What a record is about: one record of any registered type (a visit about a customer,
    a task about a quote), by its type key and id; set and checked through crm.core.links.

    The type is the registry's key rather than a content type, so the API, exports and
    imports carry ("customer", 42) as they are, the same in every database."""

    related_type = models.CharField(_("related to (type)"), max_length=50, blank=True)
    # Indexed alone: an id matches few rows whatever their type, and a mixin's fields need
    # no index declared in each model's Meta.
    related_id = models.BigIntegerField(_("related to (id)"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    PURGE = "purge", _("Purged")
    TRANSITION = "transition", _("Status changed")
    APPROVAL = "approval", _("Approval")


class ObjectChange(models.Model):
    """One write to a tracked row: who, when, what changed (append-only)."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("record"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        indexes = [models.Index(fields=["content_type", "object_id", "time"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


def target_visible(user, type_field: str, id_field: str, type_value: Callable[[type], Any]) -> Q:
    """The condition a row naming a record (its type in `type_field`, as `type_value(model)`
    gives it, its id in `id_field`) meets when `user` may see that record: one correlated
    EXISTS over `visible_to(user)` per record type, so the cost follows the rows checked,
    not how many records the user sees."""
    condition = Q(pk__in=[])
    for model in apps.get_models():
        if issubclass(model, Record):
            seen = model.objects.visible_to(user).filter(pk=OuterRef(id_field))
            condition |= Q(**{type_field: type_value(model)}) & Q(Exists(seen))
    return condition


class RecordLinkQuerySet(models.QuerySet):
    def on_visible_records(self, user):
        """Rows whose record `user` may see (comments, attachments, collaborators ...)."""
        return self.filter(
            target_visible(user, "content_type", "object_id", ContentType.objects.get_for_model)
        )


class RecordLink(models.Model):
    """Columns naming one record of any type."""

    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()

    objects = RecordLinkQuerySet.as_manager()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["content_type", "object_id"])]


class Collaborator(RecordLink):
    """A user who works on a record besides its owner (协作员工) and so sees it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")

    class Meta(RecordLink.Meta):
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="collaborator_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class Share(RecordLink):
    """A record shared explicitly with a user, a team or a department, to read or edit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey("org.Team", models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(
        "org.OrgUnit", models.CASCADE, null=True, blank=True, related_name="+"
    )
    can_edit = models.BooleanField(_("may edit"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(RecordLink.Meta):
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, team__isnull=True, department__isnull=True)
                    | models.Q(user__isnull=True, team__isnull=False, department__isnull=True)
                    | models.Q(user__isnull=True, team__isnull=True, department__isnull=False)
                ),
                name="share_has_one_target",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.team or self.department)


class Disclosure(RecordLink):
    """A masked value shown in full to a user: who saw which field of which record, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    field = models.CharField(_("field"), max_length=50)
    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)

    class Meta(RecordLink.Meta):
        verbose_name = _("unmasked value")
        verbose_name_plural = _("unmasked values")

    def __str__(self) -> str:
        return f"{self.user} {self.field}"


class Comment(RecordLink):
    """A note on a record's timeline."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(RecordLink.Meta):
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:50]


class Attachment(RecordLink):
    """A file attached to a record; served only to those who see the record."""

    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type_header = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(RecordLink.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def editable_rule(cls, user) -> models.Q:
        """Everyone may use a template; whoever saved it changes it."""
        return models.Q(created_by=user)


_LEXEME = re.compile(r"'((?:[^']|'')*)'")


class TokensField(models.TextField):
    """Space-separated search tokens. On PostgreSQL the column is a `tsvector`, so a match
    reads the stored lexemes instead of parsing text on every row it checks; on SQLite it
    is text, indexed by an FTS5 table. Read back, it is the same string on both."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None or connection.vendor != "postgresql":
            return value
        return " ".join(sorted(m.replace("''", "'") for m in _LEXEME.findall(value)))


class SearchEntry(RecordLink):
    """The narrow search table: one row per live record with its search tokens."""

    # No index of its own: the (type, id) index leads with it, and an index on the type
    # alone tempted the planner to intersect a rare word's few matches with every entry
    # of the type.
    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+", db_index=False)
    owner_id = models.BigIntegerField(null=True)
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=200, blank=True)
    tokens = TokensField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="search_unique")
        ]
        # A record named exactly what was typed is a hit, however many others match.
        indexes = [models.Index(fields=["content_type", "title"], name="search_title")]

    def __str__(self) -> str:
        return self.title


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Not started")
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Job(models.Model):
    """Long background work (an import ...) with progress and a checkpoint.

    The checkpoint is committed with each batch of work, so a consumer killed mid-way is
    replaced by another that goes on from there (see crm.core.jobs).
    """

    kind = models.CharField(_("kind"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    type_key = models.CharField(_("object type"), max_length=50, blank=True)
    params = models.JSONField(_("settings"), default=dict)
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    total = models.PositiveBigIntegerField(_("rows"), default=0)
    checkpoint = models.PositiveBigIntegerField(_("rows done"), default=0)
    summary = models.JSONField(_("summary"), default=dict)
    message = models.TextField(_("message"), blank=True)
    cancel_requested = models.BooleanField(default=False)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["kind", "created_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, round(100 * self.checkpoint / self.total)) if self.total else 0

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class JobRowError(models.Model):
    """A row of a job's input that could not be taken, and why; written with its batch."""

    job = models.ForeignKey(Job, models.CASCADE, related_name="row_errors")
    row = models.PositiveBigIntegerField(_("row"))
    message = models.TextField(_("errors"))

    class Meta:
        verbose_name = _("row error")
        verbose_name_plural = _("row errors")
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="job_row_error")]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class PeriodicRun(models.Model):
    """The last period a periodic task was run for. Every consumer started with a scheduler
    queues the task; the first run of a period claims it here, the others do nothing."""

    task = models.CharField(max_length=100, unique=True)
    period = models.DateTimeField()  # the start of the last period claimed
    ran_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task} {self.period:%Y-%m-%d %H:%M}"


class ImportTemplate(TrackedModel):
    """A saved mapping of spreadsheet columns to fields, offered again on later imports."""

    name = models.CharField(_("name"), max_length=100)
    type_key = models.CharField(_("object type"), max_length=50)
    columns = models.JSONField(_("columns"), default=dict)  # header -> field key ("" ignores)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        constraints = [
            models.UniqueConstraint(fields=["type_key", "name"], name="import_template_name")
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def editable_rule(cls, user) -> models.Q:
        """Everyone may use a template; whoever saved it changes it."""
        return models.Q(created_by=user)


class ImportMapping(models.Model):
    """The columns a user confirmed on earlier imports of a type, by normalised header
    ("" for a column not imported): offered first when a later file has those headers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    type_key = models.CharField(_("object type"), max_length=50)
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("remembered import mapping")
        verbose_name_plural = _("remembered import mappings")
        constraints = [
            models.UniqueConstraint(fields=["user", "type_key"], name="import_mapping_user_type")
        ]

    def __str__(self) -> str:
        return f"{self.type_key}: {self.user}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")


class EventOutbox(models.Model):
    """An event waiting for one background subscriber (crm.core.events), written in the
    transaction of the change it tells of, so a committed change is never left unheard."""

    event_uid = models.CharField(max_length=32)
    name = models.CharField(max_length=150)
    subscriber = models.CharField(max_length=200)
    event = models.JSONField()
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [
            # A subscriber hears of an event once: its key for telling a repeat.
            models.UniqueConstraint(fields=["event_uid", "subscriber"], name="outbox_key")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.name} → {self.subscriber}"
