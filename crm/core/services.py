"""The core write path: every write to a tracked model goes through `save` or `delete`.

It checks permission, validates (model fields and custom fields), bumps the version
(a stale version is refused), numbers new records, writes one change-log row, refreshes
the search entry and re-checks that the actor may still see what was written.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.core import (
    access,
    bulk,
    context,
    events,
    extensions,
    links,
    masking,
    registry,
    rollups,
    search,
)
from crm.core import lines as line_items
from crm.core.changes import diff, snapshot
from crm.core.errors import (
    AccessDenied,
    DomainError,
    RecordLocked,
    StaleVersion,
    TransitionRefused,
    ValidationFailed,
    referring_kinds,
)
from crm.core.models import (
    Attachment,
    ChangeAction,
    Collaborator,
    Comment,
    Disclosure,
    ObjectChange,
    Record,
    RelatedTo,
    Share,
    TrackedModel,
    sort_key_fields,
)
from crm.core.text import mnemonic


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _change_row(
    obj: models.Model, action: str, changes: dict, *, actor, request_id: str
) -> ObjectChange:
    return ObjectChange(
        actor=actor if getattr(actor, "pk", None) else None,
        request_id=request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        changes=changes,
    )


def log_change(obj: models.Model, action: str, changes: dict, *, actor) -> ObjectChange:
    """Append one change-log row for `obj`."""
    row = _change_row(obj, action, changes, actor=actor, request_id=context.request_id.get())
    row.save()
    return row


def _validation_error(exc: ValidationError) -> ValidationFailed:
    if hasattr(exc, "error_dict"):
        fields = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    else:
        fields = {"__all__": exc.messages}
    return ValidationFailed(fields)


def _stale(current: TrackedModel) -> StaleVersion:
    who = current.updated_by.get_full_name() if current.updated_by else _("someone")
    when = date_format(timezone.localtime(current.updated_at), "DATETIME_FORMAT")
    return StaleVersion(
        _(
            "This record was changed by %(who)s at %(when)s since you opened it. "
            "Reload to see their change, then make yours again."
        )
        % {"who": who, "when": when},
        current.version,
    )


def _prepare_new(obj: TrackedModel, actor) -> None:
    obj.created_by = actor
    if isinstance(obj, Record) and not obj.owner_id:
        obj.owner = actor


def number_new(model: type[models.Model], objs: list[Any]) -> None:
    """Give new records without a number the next free ones of their type's rule (a
    number typed by hand or an older record's, even in the recycle bin, is passed over).

    Taken after validation, just before the insert: the rule's row stays locked until
    commit, so concurrent creates wait for one insert, not for each other's checks."""
    if not issubclass(model, Record):
        return
    take_numbers = extensions.customization().take_numbers
    unnumbered = [obj for obj in objs if not obj.number]
    while unnumbered:
        numbers = take_numbers(model, len(unnumbered))
        if numbers is None:
            return
        used = {obj.number for obj in objs if obj.number}
        used |= set(model._base_manager.filter(number__in=numbers).values_list("number", flat=True))
        free = [number for number in numbers if number not in used]
        for obj, number in zip(unnumbered, free, strict=False):
            obj.number = number
        unnumbered = unnumbered[len(free) :]


def stamp(obj: TrackedModel, actor) -> None:
    """A write's new version and author."""
    obj.version += 1
    obj.updated_by = actor


WRITE_PATH_FIELDS = ("created_by", "updated_by", "deleted_by")


def fill_mnemonic(obj: models.Model) -> None:
    if hasattr(obj, "mnemonic_code") and not obj.mnemonic_code:
        name = getattr(obj, "name", "")
        if name:
            obj.mnemonic_code = mnemonic(name)[:60]


def _null_characters(obj: models.Model) -> dict[str, list[str]]:
    """Text holding a NUL character, which PostgreSQL cannot store, named by its field."""
    found = [f.name for f in obj._meta.concrete_fields if _has_nul(getattr(obj, f.attname, None))]
    custom = getattr(obj, "custom_field_data", None) or {}
    found = [n for n in found if n != "custom_field_data"]
    found += [f"custom_fields.{k}" for k, v in custom.items() if _has_nul(v)]
    return {name: [str(ProhibitNullCharactersValidator.message)] for name in found}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def field_errors(obj: models.Model, before: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """The model's field rules, NUL characters and the custom-field rules, by field name.

    A link kept as it was stored (`before`) is not looked up again: the database's foreign
    key holds it, and an item deactivated since (no longer offered) may stay on a record
    that is saved. Unique checks and constraints still cover every field."""
    clean_custom_fields = extensions.customization().clean_custom_fields
    kept_links = [
        f.name
        for f in obj._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
        and before
        and f.attname in before
        and before[f.attname] == getattr(obj, f.attname)
    ]
    # Who created, changed or deleted it is set here from the actor, not typed in.
    errors: dict[str, list[str]] = {}
    _collect(errors, lambda: obj.clean_fields(exclude=[*WRITE_PATH_FIELDS, *kept_links]), obj.clean)
    unchecked = [*WRITE_PATH_FIELDS, *errors]  # as Model.full_clean: a wrong field is not compared
    _collect(
        errors,
        lambda: obj.validate_unique(exclude=unchecked),
        lambda: obj.validate_constraints(exclude=unchecked),
    )
    errors.update(_null_characters(obj))
    if isinstance(obj, Record):
        cleaned, cf_errors = clean_custom_fields(type(obj), obj.custom_field_data)
        obj.custom_field_data = cleaned
        errors.update({f"custom_fields.{k}": v for k, v in cf_errors.items()})
    return errors


def _collect(errors: dict[str, list[str]], *checks) -> None:
    """Add to `errors` the messages of the ValidationError each check raises, by field."""
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for name, messages in _validation_error(exc).fields.items():
                errors.setdefault(name, []).extend(messages)


def compute(obj: models.Model, new_lines: list[models.Model] | None) -> None:
    """Work out the type's computed fields (totals from the lines ...)."""
    object_type = registry.for_model(type(obj))
    if object_type is not None and object_type.compute is not None:
        object_type.compute(obj, new_lines)


def rule_errors(obj: models.Model, before: dict[str, Any], actor) -> dict[str, list[str]]:
    """The cross-field rules, by field name: a link to another record (the target must be
    one the actor sees), then the type's own (`clean(obj, before, actor)`)."""
    object_type = registry.for_model(type(obj))
    try:
        if isinstance(obj, RelatedTo):
            links.check_related(obj, before, actor)
        if object_type is not None and object_type.clean is not None:
            object_type.clean(obj, before, actor)
    except ValidationError as exc:
        return _validation_error(exc).fields
    return {}


def lock_reason(obj: models.Model) -> str | None:
    """Why the stored record may not be changed now (its type's `lock`, else an approval
    pending on it), or None."""
    object_type = registry.for_model(type(obj))
    if object_type is None:
        return None
    reason = object_type.lock(obj) if object_type.lock else None
    if not reason and object_type.approvals and obj.pk:
        reason = extensions.approvals().lock_reason(obj)
    return str(reason) if reason else None


def held_changes(obj: models.Model, before: dict[str, Any], actor) -> list[tuple[Any, dict, Any]]:
    """The changes of `obj` that must wait for approval: for each of its type's approvables
    of fields whose values differ from `before` ({} for a new record) and match a process,
    (the approvable, the proposed values by attribute name, the process)."""
    object_type = registry.for_model(type(obj))
    approvables = [a for a in (object_type.approvals if object_type else ()) if a.fields]
    if not approvables:
        return []
    stored = before or snapshot(type(obj)())
    after = snapshot(obj)
    held = []
    for approvable in approvables:
        fields = [cast("models.Field", obj._meta.get_field(name)) for name in approvable.fields]
        names = [field.attname for field in fields]
        proposed = {name: getattr(obj, name) for name in names if after[name] != stored[name]}
        if proposed:
            process = extensions.approvals().route(obj, approvable, actor)
            if process is not None:
                held.append((approvable, proposed, process))
    return held


def _refuse_locked(current: models.Model) -> None:
    reason = lock_reason(current)
    if reason:
        raise RecordLocked(reason)


def _validate(
    obj: models.Model, before: dict[str, Any], actor, new_lines: list[models.Model] | None
) -> None:
    """Every rule of a write, computed fields worked out first; the type's `clean` runs
    once the fields themselves are valid."""
    compute(obj, new_lines)
    errors = field_errors(obj, before)
    spec = line_items.spec_of(type(obj))
    if spec is not None and new_lines is not None:
        errors.update(line_items.errors(spec, new_lines))
    if not errors:
        errors = rule_errors(obj, before, actor)
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def save(
    obj: TrackedModel,
    *,
    actor,
    expected_version: int | None = None,
    moves_state: bool = False,
    lines: list[dict[str, Any]] | None = None,
    approved: bool = False,
    by_process: bool = False,
    unlocked: bool = False,
) -> TrackedModel:
    """Create or update `obj` as `actor`.

    `expected_version` is the version the actor read; a newer one in the database raises
    StaleVersion. For a type with lines, `lines` (the typed values of each, in order)
    replaces the set; None keeps the stored ones. A type's status field changes only
    through `transition`, which alone passes `moves_state` (the change log then says so)
    and alone may change a locked record. A change an approval process must approve
    (`held_changes`) is not written: the stored values stay, the rest is saved, and
    the approval starts (`obj.held_approvals` lists the requests); the engine applies it
    once approved with `approved`. A transition an approval process runs passes
    `by_process`: its approver needs no right to change (or see) the record. An approved
    change document (a contract's amendment) writes to the record its type locks with
    `unlocked`. Raises AccessDenied, RecordLocked and ValidationFailed (nothing is written
    then).
    """
    model = type(obj)
    creating = obj._state.adding
    if creating:
        if not access.can_create(actor, model):
            raise AccessDenied(
                _("You may not create %(type)s.") % {"type": model._meta.verbose_name_plural}
            )
        _prepare_new(obj, actor)
        before: dict[str, Any] = {}
    else:
        current = model._base_manager.select_for_update().get(pk=obj.pk)
        # A transition has checked that the actor may change it (`may_transition`).
        editable = access.editable(model._base_manager.filter(pk=obj.pk), actor)
        if not (by_process or moves_state) and not editable.exists():
            raise AccessDenied(_("You may not change this record."))
        if expected_version is not None and current.version != expected_version:
            raise _stale(current)
        before = snapshot(current)
        obj.version = current.version
        if not moves_state:
            if not unlocked:
                _refuse_locked(current)
            _keep_state(obj, current)
    lines_data = lines
    spec = line_items.spec_of(model)
    stored_lines = line_items.stored(spec, None if creating else obj.pk) if spec else None
    new_lines = stored_lines
    if spec is not None and lines_data is not None:
        new_lines = line_items.build(spec, obj, lines_data, actor, stored_lines)
    fill_mnemonic(obj)
    _validate(obj, before, actor, new_lines)
    held = [] if approved or moves_state else held_changes(obj, before, actor)
    stored = before or snapshot(model())
    for _approvable, proposed, _process in held:
        for name in proposed:
            setattr(obj, name, stored[name])
    if creating:
        number_new(model, [obj])
    stamp(obj, actor)
    obj.save()
    after = snapshot(obj)
    changes = diff(before, after)
    if spec is not None and lines_data is not None:
        assert new_lines is not None and stored_lines is not None  # a type with lines
        was, now = line_items.diff_rows(spec, stored_lines), line_items.diff_rows(spec, new_lines)
        if was != now:  # the same lines sent back keep their rows (what refers to them)
            line_items.replace(spec, obj, new_lines)
            changes["lines"] = [was, now]
    if creating or changes:
        action = ChangeAction.TRANSITION if moves_state else ChangeAction.UPDATE
        log_change(obj, ChangeAction.CREATE if creating else action, changes, actor=actor)
    _written(model, [(before, obj)])
    if creating or search.stale(model, changes):
        search.index(obj)
    visible = access.visible(model._base_manager.filter(pk=obj.pk), actor)
    if not by_process and not visible.exists():
        raise AccessDenied(_("You would no longer see this record after that change."))
    if creating or changes:
        verb = "created" if creating else "updated"
        events.publish(model, verb, [obj.pk], actor=actor, changed=changes)
    obj.held_approvals = [  # type: ignore[attr-defined]
        extensions.approvals().hold(obj, approvable, proposed, process, actor)
        for approvable, proposed, process in held
    ]
    return obj


@transaction.atomic
def save_batch(
    model: type[Record],
    created: list[Any],
    updated: list[tuple[Any, dict[str, Any]]],
    *,
    actor,
    request_id: str = "",
    lines: Sequence[tuple[Any, list, list]] = (),
) -> None:
    """Write many checked records at once (imports, and every bulk path): the numbering,
    versions, change log, search entries and events of `save`, one statement per step.

    `updated` pairs each record with its stored values; `lines` gives (record, stored
    lines, new lines) for the records whose lines are replaced. The caller has checked
    every record with `save`'s rules (`field_errors`, `compute`, `rule_errors`,
    `lock_reason`, the lines' `errors`) and the actor's rights; one event per action
    carries every id."""
    now = timezone.now()
    for obj in created:
        _prepare_new(obj, actor)
        stamp(obj, actor)
    number_new(model, created)
    bulk.insert(model, created)
    changed_fields: set[str] = {"version", "updated_by", "updated_at"}
    sort_keys = sort_key_fields(model)  # written with their field, not logged
    for obj, before in updated:
        stamp(obj, actor)
        obj.updated_at = now
        for key in sort_keys:
            key.pre_save(obj, add=False)
        changed_fields.update(diff(before, snapshot(obj)))
    if updated:
        written = changed_fields | {key.name for key in sort_keys}
        model._base_manager.bulk_update([obj for obj, _ in updated], sorted(written))
    replaced = _replace_lines(model, lines)
    rows = []
    for obj, before in updated:
        change = {**diff(before, snapshot(obj)), **replaced.get(id(obj), {})}
        changed_fields.update(change)
        rows.append(
            _change_row(obj, ChangeAction.UPDATE, change, actor=actor, request_id=request_id)
        )
    created_fields: set[str] = set()
    for obj in created:
        change = {**diff({}, snapshot(obj)), **replaced.get(id(obj), {})}
        created_fields.update(change)
        rows.append(
            _change_row(obj, ChangeAction.CREATE, change, actor=actor, request_id=request_id)
        )
    bulk.insert(ObjectChange, rows)
    _written(model, [*(({}, obj) for obj in created), *((before, obj) for obj, before in updated)])
    search.index_new(created)
    search.index_many([obj for obj, _ in updated])
    tag = request_id or None
    ids = [obj.pk for obj in created]
    events.publish(model, "created", ids, actor=actor, changed=created_fields, request_id=tag)
    ids = [obj.pk for obj, _ in updated]
    events.publish(model, "updated", ids, actor=actor, changed=changed_fields, request_id=tag)


def _written(model: type[models.Model], writes: list[tuple[dict[str, Any], Any]]) -> None:
    """Keep up what is kept from the records written (each with its stored values before,
    {} for a new one): the type's rollup and its `written` hook, in the write's
    transaction."""
    rollups.apply(model, writes)
    object_type = registry.for_model(model)
    if object_type is not None and object_type.written is not None and writes:
        object_type.written([obj for _before, obj in writes])


def _replace_lines(
    model: type[Record], replaced: Sequence[tuple[Any, list, list]]
) -> dict[int, dict[str, list]]:
    """Store the new lines of many records at once; the lines' diff of each changed set,
    by the record's identity."""
    spec = line_items.spec_of(model)
    if spec is None or not replaced:
        return {}
    parent = f"{spec.parent}_id"
    ids = [obj.pk for obj, _stored, _lines in replaced]
    spec.model._default_manager.filter(**{f"{parent}__in": ids}).delete()
    new = []
    for obj, _stored, lines in replaced:
        for line in lines:
            setattr(line, spec.parent, obj)
            new.append(line)
    spec.model._default_manager.bulk_create(new)
    changes = {}
    for obj, stored, lines in replaced:
        was, now = line_items.diff_rows(spec, stored), line_items.diff_rows(spec, lines)
        if was != now:
            changes[id(obj)] = {"lines": [was, now]}
    return changes


@transaction.atomic
def delete(obj: Record, *, actor, expected_version: int | None = None) -> Record:
    """Move a record to the recycle bin (needs the delete permission and the edit scope)."""
    if not access.can(actor, "delete", type(obj)):
        raise AccessDenied(
            _("You may not delete %(type)s.") % {"type": type(obj)._meta.verbose_name_plural}
        )
    return _set_deleted(obj, actor=actor, deleted=True, expected_version=expected_version)


@transaction.atomic
def restore(obj: Record, *, actor) -> Record:
    """Bring a record back from the recycle bin: who deleted it may, or a holder of the
    "restore" special permission, within their edit scope."""
    deleted_by = type(obj)._base_manager.filter(pk=obj.pk).values_list("deleted_by", flat=True)
    if deleted_by.first() != actor.pk and not access.has_special(actor, "restore"):
        raise AccessDenied(_("Only whoever deleted this record may restore it."))
    return _set_deleted(obj, actor=actor, deleted=False, expected_version=None)


def _set_deleted(obj: Record, *, actor, deleted: bool, expected_version: int | None) -> Record:
    model = type(obj)
    current = model._base_manager.select_for_update().get(pk=obj.pk)
    if not access.editable(model._base_manager.filter(pk=obj.pk), actor).exists():
        raise AccessDenied(_("You may not change this record."))
    if expected_version is not None and current.version != expected_version:
        raise _stale(current)
    if (current.deleted_at is not None) == deleted:
        return current
    if deleted:
        _refuse_locked(current)
    stored = snapshot(current)
    previous = current.deleted_at
    current.deleted_at = timezone.now() if deleted else None
    current.deleted_by = actor if deleted else None
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=["deleted_at", "deleted_by", "version", "updated_by", "updated_at"])
    action = ChangeAction.DELETE if deleted else ChangeAction.RESTORE
    changes = {"deleted_at": [_iso(previous), _iso(current.deleted_at)]}
    log_change(current, action, changes, actor=actor)
    _written(model, [(stored, current)])
    verb = "deleted" if deleted else "restored"
    events.publish(model, verb, [current.pk], actor=actor, changed=changes)
    if deleted:
        search.unindex(current)
    else:
        search.index(current)
    return current


@transaction.atomic
def purge(obj: Record, *, actor) -> None:
    """Erase a record from the recycle bin for good (administrators only)."""
    model = type(obj)
    if not access.can_purge(actor, model):
        raise AccessDenied(_("Only administrators may erase records for good."))
    current = model._base_manager.select_for_update().get(pk=obj.pk)
    if current.deleted_at is None:
        raise AccessDenied(_("Only records in the recycle bin can be erased."))
    log_change(current, ChangeAction.PURGE, snapshot(current), actor=actor)
    events.publish(model, "purged", [current.pk], actor=actor)
    search.unindex(current)
    try:
        with transaction.atomic():
            current.delete()
    except (ProtectedError, RestrictedError) as error:
        raise DomainError(
            "in_use",
            _("It is still used by %(records)s, so it cannot be erased.")
            % {"records": referring_kinds(error)},
        ) from error


@transaction.atomic
def delete_config(obj: TrackedModel, *, actor) -> None:
    """Delete a configuration row (dictionary item, custom field ...), logged with its values."""
    model = type(obj)
    if not access.editable(model._base_manager.filter(pk=obj.pk), actor).exists():
        raise AccessDenied(_("You may not change this record."))
    log_change(
        obj, ChangeAction.DELETE, {k: [v, None] for k, v in snapshot(obj).items()}, actor=actor
    )
    events.publish(model, "deleted", [obj.pk], actor=actor)
    obj.delete()


def _require_visible(obj: TrackedModel, actor) -> None:
    model = type(obj)
    if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise AccessDenied(_("You may not see this record."))


@transaction.atomic
def add_comment(obj: Record, body: str, *, actor) -> Comment:
    """Add a comment to a record's timeline."""
    _require_visible(obj, actor)
    comment = Comment.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        author=actor,
        body=body.strip(),
    )
    events.publish(Comment, "created", [comment.pk], actor=actor)
    return comment


@transaction.atomic
def attach_file(obj: Record, upload, *, actor) -> Attachment:
    """Attach an uploaded file to a record (size-capped); logged on the record. The file
    becomes part of the record, so this needs the right to change it."""
    _require_editable(obj, actor)
    if upload.size > settings.CRM_ATTACHMENT_MAX_BYTES:
        message = _("The file is larger than %(mb)d MB.") % {
            "mb": settings.CRM_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        }
        raise ValidationFailed({"file": [message]}, message)
    name = upload.name.rsplit("/", 1)[-1][:255]
    attachment = Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        file=upload,
        name=name,
        size=upload.size,
        content_type_header=(upload.content_type or "")[:100],
        uploaded_by=actor,
    )
    log_change(obj, ChangeAction.UPDATE, {"attachment": [None, name]}, actor=actor)
    return attachment


def log_disclosures(obj: Record, fields: Sequence[str], *, actor) -> None:
    """Write down that `actor` was shown these masked fields of `obj` in full (custom ones
    by their name)."""
    content_type = ContentType.objects.get_for_model(obj)
    request_id = context.request_id.get()
    Disclosure.objects.bulk_create(
        Disclosure(
            content_type=content_type,
            object_id=obj.pk,
            user=actor,
            field=field,
            request_id=request_id,
        )
        for field in fields
    )


def unmask_field(obj: Record, field: str, *, actor) -> str:
    """The full value of a masked field, built-in or custom (by its name), for a holder of
    "unmask"; the showing is logged.

    Raises AccessDenied without the permission or when the record is hidden.
    """
    object_type = registry.for_model(type(obj))
    custom = field in masking.custom_names(type(obj))
    if object_type is None or (field not in object_type.masked and not custom):
        raise AccessDenied(_("This field is not masked."))
    if not access.has_special(actor, "unmask"):
        raise AccessDenied(_("You may not see unmasked numbers."))
    _require_visible(obj, actor)
    log_disclosures(obj, [field], actor=actor)
    value = (obj.custom_field_data or {}).get(field) if custom else getattr(obj, field)
    return str(value or "")


def _require_editable(obj: TrackedModel, actor) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():
        raise AccessDenied(_("You may not change this record."))


@transaction.atomic
def add_collaborator(obj: Record, user, *, actor) -> Collaborator:
    """Let `user` work on the record besides its owner (they see and change it); logged."""
    _require_editable(obj, actor)
    if not user.is_active:
        raise ValidationFailed({"user": [_("Choose an active user.")]})
    content_type = ContentType.objects.get_for_model(obj)
    collaborator, created = Collaborator.objects.get_or_create(
        content_type=content_type, object_id=obj.pk, user=user
    )
    if created:
        log_change(obj, ChangeAction.UPDATE, {"collaborator": [None, str(user)]}, actor=actor)
    return collaborator


@transaction.atomic
def share_record(obj: Record, *, actor, can_edit: bool = False, **target) -> Share:
    """Share the record with one user, team or department (`user=`, `team=` or
    `department=`), to read or also to change; logged."""
    _require_editable(obj, actor)
    if len([v for v in target.values() if v is not None]) != 1:
        raise ValidationFailed({"target": [_("Choose one user, team or department.")]})
    share = Share.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        can_edit=can_edit,
        **target,
    )
    log_change(obj, ChangeAction.UPDATE, {"shared_with": [None, str(share)]}, actor=actor)
    return share


@transaction.atomic
def remove_access(obj: Record, link: Collaborator | Share, *, actor) -> None:
    """Take back a collaboration or a share of the record; logged."""
    _require_editable(obj, actor)
    key = "collaborator" if isinstance(link, Collaborator) else "shared_with"
    log_change(obj, ChangeAction.UPDATE, {key: [str(link), None]}, actor=actor)
    link.delete()


# --------------------------------------------------------------------------- state machines


def _machine(model: type[models.Model]):
    object_type = registry.for_model(model)
    return object_type.state_machine if object_type else None


def _keep_state(obj: models.Model, current: models.Model) -> None:
    """Refuse a change of the status field (or another field only transitions move) by any
    write but a transition."""
    machine = _machine(type(obj))
    for name in machine.fixed if machine else ():
        attname = obj._meta.get_field(name).attname  # type: ignore[union-attr]
        if getattr(obj, attname) != getattr(current, attname):
            message = machine.fixed_refusal(name)
            raise ValidationFailed({name: [message]}, message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def transition_refusal(obj: Record, step, *, actor, by_process: bool = False) -> str | None:
    """Why `step` may not run on `obj` as it stands (its state, else an approval process
    that runs it, else its first guard), or None. The permission and the fields it takes
    are checked by `transition`."""
    machine = _machine(type(obj))
    if getattr(obj, machine.field) not in step.sources:
        state = machine.state(getattr(obj, machine.field))
        return _("“%(action)s” is not possible while the record is %(state)s.") % {
            "action": step.label,
            "state": state.label if state else getattr(obj, machine.field),
        }
    approvable = _approvable_running(type(obj), step.name)
    if approvable is not None and not by_process:
        reason = extensions.approvals().transition_refusal(obj, approvable, step)
        if reason:
            return str(reason)
    for guard in step.guards:
        reason = guard(obj, actor)
        if reason:
            return str(reason)
    return None


def _approvable_running(model: type[Record], name: str):
    """The approvable whose process runs transition `name` of `model`, or None."""
    object_type = registry.for_model(model)
    for approvable in object_type.approvals if object_type else ():
        if name in approvable.transitions:
            return approvable
    return None


def _approvable_submitted(model: type[Record], name: str):
    """The approvable whose approval transition `name` of `model` submits, or None."""
    object_type = registry.for_model(model)
    for approvable in object_type.approvals if object_type else ():
        if approvable.submit == name:
            return approvable
    return None


def may_transition(obj: Record, step, *, actor) -> bool:
    """Whether `actor` holds the permission `step` needs and may change `obj`."""
    return access.can(actor, step.action, type(obj)) and _editable(obj, actor)


def _editable(obj: models.Model, actor) -> bool:
    return access.editable(type(obj)._base_manager.filter(pk=obj.pk), actor).exists()


@transaction.atomic
def transition(
    obj: Record,
    name: str,
    *,
    actor,
    expected_version: int | None = None,
    by_process: bool = False,
    **data: Any,
) -> Record:
    """Move `obj` along its type's transition `name`, setting the fields in `data` (those
    the transition takes), as one logged write; then the transition's effects run, and
    `<app>.<model>.<event>` is published after commit (besides the write's "updated").
    A transition that submits for approval hands the record to the approval engine; the
    ones its process runs are refused to anyone else while a request is pending, and the
    engine runs them `by_process` (its approvers need no permission of the type).

    Raises AccessDenied (403), StaleVersion (409), TransitionRefused with code
    "unknown_transition" or "wrong_state" or "guard_refused" (409) or "fields_required"
    (422), and ValidationFailed (422). A refused transition writes nothing.
    """
    model = type(obj)
    machine = _machine(model)
    step = machine.transition(name) if machine else None
    if step is None:
        raise TransitionRefused("unknown_transition", _("There is no such action."))
    current = model._base_manager.select_for_update().get(pk=obj.pk)
    if not by_process and not may_transition(current, step, actor=actor):
        raise AccessDenied(_("You may not do “%(action)s” here.") % {"action": step.label})
    if expected_version is not None and current.version != expected_version:
        raise _stale(current)
    extra = set(data) - set(step.takes)
    if extra:
        message = _("“%(action)s” does not take this field.") % {"action": step.label}
        raise ValidationFailed({key: [message] for key in sorted(extra)})
    if getattr(current, machine.field) not in step.sources:
        refusal = transition_refusal(current, step, actor=actor)
        assert refusal is not None  # a step from another state is always refused
        raise TransitionRefused("wrong_state", refusal)
    before = snapshot(current)
    for field_name, value in data.items():
        setattr(current, field_name, value)
    missing = [f for f in step.required if _blank(getattr(current, f))]
    if missing:
        required = _("Required for “%(action)s”.") % {"action": step.label}
        # What a step requires is the model's own fields, never a relation's reverse side.
        fields = [cast("models.Field", model._meta.get_field(f)) for f in missing]
        labels = ", ".join(str(field.verbose_name) for field in fields)
        raise TransitionRefused(
            "fields_required",
            _("“%(action)s” needs: %(fields)s.") % {"action": step.label, "fields": labels},
            {key: [required] for key in missing},
            status=422,
        )
    reason = transition_refusal(current, step, actor=actor, by_process=by_process)
    if reason:
        raise TransitionRefused("guard_refused", reason)
    setattr(current, machine.field, step.target)
    for prepare in step.prepare:
        prepare(current, before, actor)
    save(current, actor=actor, moves_state=True, by_process=by_process)
    for effect in step.effects:
        effect(current, actor)
    changed = [machine.field, *data]
    events.publish(model, step.event or step.name, [current.pk], actor=actor, changed=changed)
    approvable = _approvable_submitted(model, name)
    if approvable is not None:
        extensions.approvals().submitted(current, approvable, actor)
        current.refresh_from_db()
    return current
